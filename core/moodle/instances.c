/* Enrol instances as enrol_plugin::add_instance(), update_status() and delete_instance()
 * write them, and create_course()'s default instances (Moodle 4.2).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * spec/moodle-writes.md §1.6 (default instances) and §1.15 (a cohort instance).  What
 * happens after the row is written (enrol_cohort_sync, enrol_meta_sync, the meta
 * observer of enrol_instance_updated) is in meta.c and cohorts.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "moodle/writer.h"
#include "moodle/knowncohorts.h"

/* A nullable integer column left NULL. */
#define NONE INT64_MIN

/* The {enrol} columns a plugin fills; the others keep their XMLDB default (written
 * here as that default, which is what insert_record() leaves). */
typedef struct {
    const char *enrol;
    int64_t courseid, status, sortorder;
    const char *name, *password;      /* NULL: SQL NULL */
    int64_t enrolperiod, expirynotify, expirythreshold, notifyall, roleid;
    int64_t ci[6];                    /* customint1..6, NONE: NULL */
} instance_row;

static void row_init(instance_row *r, const char *enrol, int64_t courseid)
{
    memset(r, 0, sizeof *r);
    r->enrol = enrol;
    r->courseid = courseid;
    for (int i = 0; i < 6; i++)
        r->ci[i] = NONE;
}

#define INSERT_COLS "enrol, courseid, status, sortorder, name, password, enrolperiod, " \
    "enrolstartdate, enrolenddate, expirynotify, expirythreshold, notifyall, roleid, " \
    "customint1, customint2, customint3, customint4, customint5, customint6, " \
    "timecreated, timemodified"
static const char SQL_INSERT_ID[] = "INSERT INTO {enrol} (id, " INSERT_COLS ") VALUES "
    "(?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_INSERT[] = "INSERT INTO {enrol} (" INSERT_COLS ") VALUES "
    "(?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_COURSE_ENROL[] =
    "SELECT COALESCE(MAX(sortorder), -1) + 1, "
    "COALESCE(SUM(CASE WHEN enrol = 'manual' THEN 1 ELSE 0 END), 0) "
    "FROM {enrol} WHERE courseid = ?";

/* The course's next instance sortorder and whether it has a manual instance: read once
 * per course and run, then kept by the writes below (a new course asks once for its
 * three default instances).  0, or -1. */
static int course_enrol(moodle_site *s, int64_t courseid, int64_t *next, int *manual)
{
    if (moodle_course_enrol_known(s, courseid, next, manual))
        return 0;
    int found;
    db_stmt *st = moodle_read_row(s, SQL_COURSE_ENROL, "enrol instances", &found, courseid);
    if (found < 0)
        return -1;
    *next = found ? db_col_int(st, 0) : 0;
    *manual = found ? db_col_int(st, 1) > 0 : 0;
    if (found)
        moodle_drain(st);
    moodle_course_enrol_learn(s, courseid, *next, *manual);
    return 0;
}

void moodle_course_is_new(moodle_site *s, int64_t courseid)
{
    moodle_course_enrol_learn(s, courseid, 0, 0);
}

static int64_t insert_row(moodle_site *s, int64_t now, const instance_row *r)
{
    int64_t sortorder;
    int manual;
    if (course_enrol(s, r->courseid, &sortorder, &manual) < 0)
        return -1;

    int64_t id = moodle_reserve_id(s, "enrol");
    if (id < 0)
        return -1;
    db_arg a[22];
    char types[23];
    int n = 0;
#define I(v) (types[n] = 'i', a[n++].i = (v))
#define S(v) (types[n] = 's', a[n++].s = (v))
#define NI(v) ((v) == NONE ? (void)(types[n] = 'n', a[n++].s = NULL) : (void)I(v))
    if (id > 0)
        I(id);
    S(r->enrol); I(r->courseid); I(r->status); I(sortorder); S(r->name); S(r->password);
    I(r->enrolperiod); I(r->expirynotify); I(r->expirythreshold); I(r->notifyall);
    I(r->roleid);
    for (int i = 0; i < 6; i++)
        NI(r->ci[i]);
    I(now); I(now);
#undef I
#undef S
#undef NI
    types[n] = '\0';
    db_stmt *st = moodle_prepared(s, id > 0 ? SQL_INSERT_ID : SQL_INSERT);
    if (!st)
        return -1;
    if (db_execa(st, types, a) != 0)
        return moodle_fail_db(s, "cannot insert an enrol instance");
    if (id <= 0 && (id = db_last_id(st)) <= 0)
        return moodle_fail_db(s, "cannot read the new enrol instance's id");
    moodle_course_enrol_learn(s, r->courseid, sortorder + 1,
                              manual || strcmp(r->enrol, "manual") == 0);
    return id;
}

/* enrol_instance_created/updated/deleted: the course context, other {"enrol": name}. */
static int instance_event(moodle_site *s, int64_t now, const char *name, const char *crud,
                          int64_t id, const moodle_ctx *ctx, const char *enrol)
{
    char json[64], js[48];
    snprintf(json, sizeof json, "{\"enrol\":%s}", moodle_json_str(js, sizeof js, enrol));
    return moodle_core_event(s, now, name, crud, "enrol", id, ctx, 0, json);
}

/* ---- the plugins' settings --------------------------------------------------------- */

/* get_config() as an integer: `dflt` when the setting is absent. */
static int64_t cfg_int(moodle_site *s, const char *plugin, const char *name, int64_t dflt)
{
    const char *v = moodle_plugin_config(s, plugin, name);
    return v && *v ? strtoll(v, NULL, 10) : v ? 0 : dflt;
}

/* expirynotify 2 is "enrolled users too": stored as expirynotify 1 + notifyall 1. */
static void expiry_notify(instance_row *r, int64_t setting)
{
    r->expirynotify = setting == 2 ? 1 : setting;
    r->notifyall = setting == 2;
}

/* generate_password(20) when the plugin requires a key; letters and digits. */
static void random_key(char *out, size_t len)
{
    static const char set[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    unsigned char raw[32];
    FILE *f = fopen("/dev/urandom", "rb");
    size_t got = f ? fread(raw, 1, sizeof raw, f) : 0;
    if (f)
        fclose(f);
    for (size_t i = 0; i + 1 < len && i < sizeof raw; i++)
        out[i] = set[(got > i ? raw[i] : (unsigned char)rand()) % (sizeof set - 1)];
    out[len - 1 < sizeof raw ? len - 1 : sizeof raw] = '\0';
}

/* add_default_instance()'s fields of manual, self and guest from {config_plugins}.
 * 0 filled, 1 the plugin adds no default instance. */
static int plugin_defaults(moodle_site *s, const char *enrol, instance_row *r, char *key,
                           size_t keylen)
{
    char plugin[32];
    snprintf(plugin, sizeof plugin, "enrol_%s", enrol);
    int manual = strcmp(enrol, "manual") == 0;
    if (manual || strcmp(enrol, "self") == 0) {
        /* What both read, with get_config()'s defaults of each. */
        r->status = cfg_int(s, plugin, "status", manual ? 0 : 1);
        r->roleid = cfg_int(s, plugin, "roleid", 0);
        r->enrolperiod = cfg_int(s, plugin, "enrolperiod", 0);
        expiry_notify(r, cfg_int(s, plugin, "expirynotify", 0));
        r->expirythreshold = cfg_int(s, plugin, "expirythreshold", manual ? 86400 : 0);
        if (manual) {
            /* Moodle 4.4+ sends a welcome message on manual enrolment; its setting is
             * the new instance's customint1 (absent on older sites: NULL, as before). */
            r->ci[0] = cfg_int(s, plugin, "sendcoursewelcomemessage", NONE);
            return 0;   /* manual never asks for a key */
        }
        static const char *const ci[] = { "groupkey", "longtimenosee", "maxenrolled",
                                          "sendcoursewelcomemessage", NULL, "newenrols" };
        for (int i = 0; i < 6; i++)
            r->ci[i] = ci[i] ? cfg_int(s, plugin, ci[i], NONE) : 0;
    } else if (strcmp(enrol, "guest") == 0) {
        r->status = cfg_int(s, plugin, "status", 1);
        r->password = "";
    } else {
        return 1;
    }
    if (cfg_int(s, plugin, "requirepassword", 0)) {
        random_key(key, keylen);
        r->password = key;
    }
    return 0;
}

/* ---- add --------------------------------------------------------------------------- */

static const char SQL_COHORT_EXISTS[] = "SELECT id FROM {cohort} WHERE id = ?";

/* The checks add_instance() and the plugins' forms make. 0 fine, -1 refused. */
static int check_new(moodle_site *s, const moodle_instance *in, moodle_ctx *ctx)
{
    if (!in->enrol || !*in->enrol || strlen(in->enrol) > 20)
        return moodle_fail(s, "an enrol instance needs its plugin's name");
    if (in->courseid == MOODLE_SITEID)
        return moodle_fail(s, "cannot add an enrol instance to the front page course");
    int r = moodle_course_ctx(s, in->courseid, ctx);
    if (r != 0)
        return r < 0 ? -1 : moodle_fail(s, "course %lld does not exist",
                                        (long long)in->courseid);
    if (strcmp(in->enrol, "manual") == 0) {
        int64_t next;   /* enrol_manual_plugin::add_instance(): one per course */
        int manual;
        if (course_enrol(s, in->courseid, &next, &manual) < 0)
            return -1;
        if (manual)
            return moodle_fail(s, "course %lld already has a manual instance",
                               (long long)in->courseid);
    } else if (strcmp(in->enrol, "cohort") == 0) {
        int found;
        db_stmt *st = moodle_read_row(s, SQL_COHORT_EXISTS, "a cohort", &found,
                                      in->customint1);
        if (found < 0)
            return -1;
        if (!found)
            return moodle_fail(s, "cohort %lld does not exist", (long long)in->customint1);
        moodle_drain(st);
    } else if (strcmp(in->enrol, "meta") == 0) {
        moodle_ctx parent;
        if (in->customint1 == in->courseid)
            return moodle_fail(s, "a course cannot be its own meta parent");
        r = moodle_course_ctx(s, in->customint1, &parent);
        if (r != 0)
            return r < 0 ? -1 : moodle_fail(s, "meta parent course %lld does not exist",
                                            (long long)in->customint1);
    }
    return 0;
}

/* The row add_instance() writes for `in`.  manual, self and guest start from
 * add_default_instance()'s fields, as tool_uploadcourse does (add_default_instance(),
 * then the file's values): a bare self instance would refuse new enrolments. */
static void fill_row(moodle_site *s, const moodle_instance *in, instance_row *r, char *key,
                     size_t keylen)
{
    row_init(r, in->enrol, in->courseid);
    int plugin = plugin_defaults(s, in->enrol, r, key, keylen) == 0;
    r->status = in->status ? 1 : 0;
    if (in->roleid > 0 || !plugin)
        r->roleid = in->roleid > 0 ? in->roleid : 0;
    if (in->name)
        r->name = in->name;
    if (strcmp(in->enrol, "cohort") == 0 || strcmp(in->enrol, "meta") == 0) {
        r->ci[0] = in->customint1;
        r->ci[1] = in->customint2 > 0 ? in->customint2 : 0;
        /* The cohort form's name is '' when left empty (§1.15); meta has none. */
        if (!in->name && strcmp(in->enrol, "cohort") == 0)
            r->name = "";
    }
}

int64_t moodle_instance_add(moodle_site *s, int64_t now, const moodle_instance *in)
{
    s->err[0] = '\0';
    moodle_ctx ctx;
    if (!in || check_new(s, in, &ctx) < 0)
        return -1;
    instance_row row;
    char key[24];
    fill_row(s, in, &row, key, sizeof key);
    int64_t id = insert_row(s, now, &row);
    if (id < 0 || instance_event(s, now, "enrol_instance_created", "c", id, &ctx,
                                 in->enrol) < 0)
        return -1;
    if (strcmp(in->enrol, "cohort") == 0)
        moodle_cohort_links_changed(s);
    /* enrol_cohort_sync() / enrol_meta_sync() for the course, as add_instance() runs. */
    if (strcmp(in->enrol, "cohort") == 0 && moodle_cohort_sync_instance(s, now, id) < 0)
        return -1;
    if (strcmp(in->enrol, "meta") == 0) {
        moodle_meta_links_changed(s);
        if (moodle_meta_sync_course(s, now, in->courseid) < 0)
            return -1;
    }
    return id;
}

int moodle_instance_add_defaults(moodle_site *s, int64_t now, int64_t courseid)
{
    s->err[0] = '\0';
    const char *list = moodle_config(s, "enrol_plugins_enabled");
    int added = 0;
    for (const char *p = list ? list : ""; *p; ) {
        size_t len = strcspn(p, ",");
        char name[24];
        snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : sizeof name - 1),
                 p);
        p += len + (p[len] == ',');
        char plugin[32], key[24];
        snprintf(plugin, sizeof plugin, "enrol_%s", name);
        instance_row row;
        row_init(&row, name, courseid);
        /* course_updated(): only with the plugin's `defaultenrol` on. */
        if (plugin_defaults(s, name, &row, key, sizeof key) != 0 ||
            !cfg_int(s, plugin, "defaultenrol", 0))
            continue;
        moodle_instance in = { .courseid = courseid, .enrol = name };
        moodle_ctx ctx;
        if (check_new(s, &in, &ctx) < 0) {
            if (strcmp(name, "manual") != 0 || !strstr(s->err, "already has"))
                return -1;
            s->err[0] = '\0';     /* add_instance() returns null: not an error */
            continue;
        }
        int64_t id = insert_row(s, now, &row);
        if (id < 0 || instance_event(s, now, "enrol_instance_created", "c", id, &ctx,
                                     name) < 0)
            return -1;
        added++;
    }
    return added;
}

/* ---- status, delete ------------------------------------------------------------------ */

static const char SQL_INSTANCE[] =
    "SELECT enrol, courseid, status FROM {enrol} WHERE id = ?";

/* The instance's plugin, course, status and course context.  0, 1 missing, -1. */
static int instance_read(moodle_site *s, int64_t id, char *enrol, size_t len,
                         int64_t *courseid, int *status, moodle_ctx *ctx)
{
    int found;
    db_stmt *st = moodle_read_row(s, SQL_INSTANCE, "an enrol instance", &found, id);
    if (found <= 0)
        return found < 0 ? -1 : 1;
    const char *e = db_col_text(st, 0);
    snprintf(enrol, len, "%s", e ? e : "");
    *courseid = db_col_int(st, 1);
    *status = (int)db_col_int(st, 2);
    moodle_drain(st);
    int r = moodle_course_ctx(s, *courseid, ctx);
    return r == 0 ? 0 : r < 0 ? -1 : moodle_fail(s, "course %lld has no context",
                                                 (long long)*courseid);
}

int64_t moodle_instance_course(moodle_site *s, int64_t enrolid, char *method, size_t len)
{
    int64_t courseid;
    int status;
    moodle_ctx ctx;
    return instance_read(s, enrolid, method, len, &courseid, &status, &ctx) == 0 ? courseid
                                                                               : 0;
}

static const char SQL_SET_STATUS[] = "UPDATE {enrol} SET status = ? WHERE id = ?";

int moodle_instance_set_status(moodle_site *s, int64_t now, int64_t enrolid, int status)
{
    s->err[0] = '\0';
    char enrol[24];
    int64_t courseid;
    int old;
    moodle_ctx ctx;
    int r = instance_read(s, enrolid, enrol, sizeof enrol, &courseid, &old, &ctx);
    if (r != 0)
        return r < 0 ? -1 : moodle_fail(s, "enrol instance %lld does not exist",
                                        (long long)enrolid);
    status = status ? 1 : 0;
    if (old == status)
        return 0;
    /* update_status() rewrites the record as read: timemodified stays. */
    moodle_instances_changed(s);
    moodle_cohort_links_changed(s);
    if (moodle_exec(s, SQL_SET_STATUS, "cannot update an enrol instance", "ii",
                    (int64_t)status, enrolid) < 0 ||
        instance_event(s, now, "enrol_instance_updated", "u", enrolid, &ctx, enrol) < 0 ||
        moodle_cache_flag(s, now, "accesslib/dirtycontexts", ctx.path) < 0)
        return -1;
    /* The plugins' update_status() (cohort, meta: their sync for the course), then
     * enrol_meta's observer of enrol_instance_updated (the courses linked to this one). */
    if (strcmp(enrol, "cohort") == 0 && moodle_cohort_sync_instance(s, now, enrolid) < 0)
        return -1;
    if (strcmp(enrol, "meta") == 0) {
        moodle_meta_links_changed(s);
        if (moodle_meta_sync_course(s, now, courseid) < 0)
            return -1;
    }
    if (moodle_meta_parent_changed(s, now, courseid) < 0)
        return -1;
    return 1;
}

static const char SQL_INSTANCE_USERS[] =
    "SELECT userid FROM {user_enrolments} WHERE enrolid = ? ORDER BY id";
static const char SQL_OWNED_GROUPS[] =
    "SELECT groupid, userid FROM {groups_members} WHERE component = ? AND itemid = ? "
    "ORDER BY id";
static const char SQL_OWNED_RA_DELETE[] =
    "DELETE FROM {role_assignments} WHERE component = ? AND itemid = ?";
static const char SQL_UE_DELETE_ALL[] = "DELETE FROM {user_enrolments} WHERE enrolid = ?";
static const char SQL_INSTANCE_DELETE[] = "DELETE FROM {enrol} WHERE id = ?";

/* Reads every row's first two columns (all before anything is written: MariaDB keeps
 * one result pending per connection). */
static int read_pairs(moodle_site *s, db_stmt *st, int64_t **a, int64_t **b, size_t *n)
{
    size_t cap = 0;
    int r;
    *a = *b = NULL;
    *n = 0;
    while ((r = db_next(st)) > 0) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            int64_t *pa = realloc(*a, cap * sizeof *pa), *pb = pa ? realloc(*b, cap * sizeof *pb)
                                                                  : NULL;
            if (pa)
                *a = pa;
            if (pb)
                *b = pb;
            if (!pa || !pb) {
                moodle_drain(st);
                return moodle_fail(s, "out of memory");
            }
        }
        (*a)[*n] = db_col_int(st, 0);
        (*b)[(*n)++] = db_col_int(st, 1);
    }
    return r < 0 ? moodle_fail_db(s, "cannot read rows") : 0;
}

/* delete_instance(): unenrol every user, then what was left owned by the instance. */
static int delete_owned(moodle_site *s, int64_t now, int64_t enrolid, const char *component)
{
    int64_t *users = NULL, *groups = NULL, *members = NULL;
    size_t n = 0, m = 0;
    int rc = -1;
    db_stmt *st = moodle_prepared(s, SQL_INSTANCE_USERS);
    if (!st || db_exec(st, "i", enrolid) != 0) {
        if (st)
            moodle_fail_db(s, "cannot read user enrolments");
        return -1;
    }
    if (moodle_read_ids(s, st, &users, &n) < 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (moodle_unenrol_user(s, now, enrolid, users[i]) < 0)
            goto out;
    st = moodle_prepared(s, SQL_OWNED_GROUPS);
    if (!st)
        goto out;
    if (db_exec(st, "si", component, enrolid) != 0) {
        moodle_fail_db(s, "cannot read group memberships");
        goto out;
    }
    if (read_pairs(s, st, &groups, &members, &m) < 0)
        goto out;
    for (size_t i = 0; i < m; i++)
        if (moodle_group_remove_member(s, now, groups[i], members[i]) < 0)
            goto out;
    /* delete_records(): no events, no flags, as Moodle. */
    if (moodle_exec(s, SQL_OWNED_RA_DELETE, "cannot delete role assignments", "si",
                    component, enrolid) < 0 ||
        moodle_exec(s, SQL_UE_DELETE_ALL, "cannot delete user enrolments", "i",
                    enrolid) < 0)
        goto out;
    rc = 0;
out:
    free(users);
    free(groups);
    free(members);
    return rc;
}

int moodle_instance_delete(moodle_site *s, int64_t now, int64_t enrolid)
{
    s->err[0] = '\0';
    char enrol[24], component[32];
    int64_t courseid;
    int status;
    moodle_ctx ctx;
    int r = instance_read(s, enrolid, enrol, sizeof enrol, &courseid, &status, &ctx);
    if (r != 0)
        return r < 0 ? -1 : 0;
    snprintf(component, sizeof component, "enrol_%s", enrol);
    moodle_instances_changed(s);
    moodle_cohort_links_changed(s);
    moodle_state_forget(s);   /* its enrolments, roles and memberships go with it */
    if (delete_owned(s, now, enrolid, component) < 0 ||
        moodle_exec(s, SQL_INSTANCE_DELETE, "cannot delete an enrol instance", "i",
                    enrolid) < 0 ||
        instance_event(s, now, "enrol_instance_deleted", "d", enrolid, &ctx, enrol) < 0 ||
        moodle_cache_flag(s, now, "accesslib/dirtycontexts", ctx.path) < 0)
        return -1;
    if (strcmp(enrol, "meta") == 0)
        moodle_meta_links_changed(s);
    return 1;
}
