/* Service "moodle": the site's settings, contexts, cache flags, events, preferences and
 * passwords, through core/moodle, for the run's time and the current row's reasons.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "run.h"
#include "svc.h"

static const char *m_config(ts_run *r, const char *name) { return moodle_config(r->e->site, name); }
static const char *m_plugin_config(ts_run *r, const char *p, const char *n)
{
    return moodle_plugin_config(r->e->site, p, n);
}
static int64_t m_version(ts_run *r) { return moodle_version(r->e->site); }
static int m_column_exists(ts_run *r, const char *table, const char *column)
{
    int rc = moodle_column_exists(r->e->site, table, column);
    if (rc < 0)
        run_fail_moodle(r, "dberror", "the site's schema could not be read");
    return rc;
}
static int64_t m_acting_user(ts_run *r) { return moodle_admin_id(r->e->site); }
static int64_t m_mnet_localhost(ts_run *r) { return moodle_mnet_localhost_id(r->e->site); }
static int64_t m_guest_user(ts_run *r) { return moodle_guest_id(r->e->site); }

static int m_is_siteadmin(ts_run *r, int64_t id)
{
    const char *p = moodle_config(r->e->site, "siteadmins");
    while (p && *p) {
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end != p && v == id)
            return 1;
        p = strchr(p, ',');
        if (p)
            p++;
    }
    return 0;
}

static int64_t m_context_create(ts_run *r, ts_ctx_level level, int64_t inst, int64_t parent)
{
    char path[256] = "/1";
    if (parent != TS_SYSTEM_CONTEXT_ID) {
        int rc = moodle_context_path_by_id(r->e->site, parent, path);
        if (rc != 0) {
            if (rc > 0)
                run_fail(r, "errornocontext", "context %lld does not exist", (long long)parent);
            else
                run_fail_moodle(r, "dberror", "cannot read a context");
            return -1;
        }
    }
    int64_t id = moodle_context_create(r->e->site, r->now, (int)level, inst, path, NULL);
    if (id < 0)
        run_fail_moodle(r, "dberror", "cannot create a context");
    return id;
}

static int64_t m_context_id(ts_run *r, ts_ctx_level level, int64_t inst)
{
    int64_t id = 0;
    int rc = moodle_context_path(r->e->site, (int)level, inst, &id, NULL);
    if (rc < 0)
        return run_fail_moodle(r, "dberror", "cannot read a context");
    return rc == 0 ? id : 0;
}

static int m_cache_flag(ts_run *r, const char *type, const char *name)
{
    if (moodle_cache_flag(r->e->site, r->now, type, name) != 0)
        return run_fail_moodle(r, "dberror", "cannot set a cache flag");
    return 0;
}

static int m_event(ts_run *r, const ts_event *ev)
{
    if (moodle_event(r->e->site, r->now, ev->name, NULL, NULL, ev->crud, ev->edulevel,
                     ev->objecttable, ev->objectid, ev->contextid, ev->contextlevel,
                     ev->contextinstanceid, ev->courseid, ev->relateduserid,
                     ev->other_json) != 0)
        return run_fail_moodle(r, "dberror", "cannot log an event");
    return 0;
}

static int m_set_pref(ts_run *r, int64_t uid, const char *name, const char *value)
{
    if (moodle_set_user_preference(r->e->site, r->now, uid, name, value) != 0)
        return run_fail_moodle(r, "dberror", "cannot set a user preference");
    return 0;
}

/* The site's own scheme (bcrypt up to 4.2, SHA-512 from 4.3) at the configured cost:
 * bcrypt low (Moodle re-hashes at its own cost at the first login, imports stay fast),
 * SHA-512 at Moodle's own 10000 rounds unless the administrator asks (Moodle never
 * re-hashes a $6$ hash). */
static int m_hash_passwords(ts_run *r, const char *const *plain, char **out, size_t n)
{
    int cost = 0;
    const char *scheme = moodle_new_password_scheme(r->e->site, &cost);
    return moodle_hash_passwords_scheme(scheme, plain, out, n, cost,
                                        (int)cfg_getint(r->e->cfg, "threads"));
}

static int m_lang_installed(ts_run *r, const char *code)
{
    return moodle_lang_installed(config_module_str(r->e->cfg, "moodle", "dataroot"), code);
}

static int m_auth_plugin(ts_run *r, const char *name) { return moodle_auth_plugin(r->e->site, name); }

const ts_moodle_api svc_moodle = {
    .api = { sizeof(ts_moodle_api), TS_MOODLE_API_VERSION, TS_MOODLE_API },
    .config = m_config,
    .plugin_config = m_plugin_config,
    .version = m_version,
    .column_exists = m_column_exists,
    .acting_user = m_acting_user,
    .mnet_localhost = m_mnet_localhost,
    .guest_user = m_guest_user,
    .is_siteadmin = m_is_siteadmin,
    .context_create = m_context_create,
    .context_id = m_context_id,
    .cache_flag = m_cache_flag,
    .event = m_event,
    .set_user_preference = m_set_pref,
    .hash_passwords = m_hash_passwords,
    .check_password = moodle_check_password,
    .email_valid = moodle_email_valid,
    .country_valid = moodle_country_valid,
    .lang_installed = m_lang_installed,
    .auth_plugin = m_auth_plugin,
};
