/* Opening a Moodle site: settings, version check, who acts, where events go.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "moodle/moodle_internal.h"
#include "moodle/enrolstate.h"
#include "moodle/knowncohorts.h"
#include "moodle/enrol.h"

static char *xstrdup(const char *s)
{
    return strdup(s ? s : "");
}

int moodle_fail(moodle_site *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
    return -1;
}

int moodle_fail_db(moodle_site *s, const char *doing)
{
    const char *e = db_error(s->d);
    return moodle_fail(s, "%s: %s", doing, e && *e ? e : "database error");
}

const char *moodle_error(moodle_site *s)
{
    return s->err[0] ? s->err : db_error(s->d);
}

static size_t sql_hash(const char *sql)
{
    size_t h = 1469598103934665603ull;
    for (; *sql; sql++)
        h = (h ^ (unsigned char)*sql) * 1099511628211ull;
    return h;
}

/* The site's one statement cache, keyed by the SQL text (open addressing; the table is
 * sized well above the few dozen statements core/moodle has). */
db_stmt *moodle_prepared(moodle_site *s, const char *sql)
{
    size_t i = sql_hash(sql) % MOODLE_STMT_SLOTS;
    for (size_t n = 0; n < MOODLE_STMT_SLOTS; n++, i = (i + 1) % MOODLE_STMT_SLOTS) {
        struct moodle_stmt_slot *sl = &s->stmts[i];
        if (sl->sql && strcmp(sl->sql, sql) == 0)
            return sl->st;
        if (!sl->sql) {
            db_stmt *st = db_prepare(s->d, sql);
            if (!st) {
                moodle_fail_db(s, "cannot prepare a statement");
                return NULL;
            }
            sl->sql = strdup(sql);
            sl->st = st;
            return st;
        }
    }
    moodle_fail(s, "statement table full");
    return NULL;
}

void moodle_release_statements(moodle_site *s)
{
    for (size_t i = 0; i < MOODLE_STMT_SLOTS; i++)
        if (s->stmts[i].sql) {
            db_finalize(s->stmts[i].st);
            free(s->stmts[i].sql);
        }
    memset(s->stmts, 0, sizeof s->stmts);
}

/* Only after a row was read: stepping a finished statement again may re-run it. */
void moodle_drain(db_stmt *st)
{
    while (db_next(st) > 0)
        ;
}

static int kv_cmp(const void *a, const void *b)
{
    return strcmp(((const moodle_kv *)a)->name, ((const moodle_kv *)b)->name);
}

static void kv_free(moodle_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].name);
        free(kv[i].value);
    }
    free(kv);
}

static const char *kv_find(const moodle_kv *kv, size_t n, const char *name)
{
    moodle_kv key = { (char *)name, NULL };
    const moodle_kv *hit = n ? bsearch(&key, kv, n, sizeof *kv, kv_cmp) : NULL;
    return hit ? hit->value : NULL;
}

/* Runs an already bound SELECT name, value and keeps the rows, sorted. */
static int kv_read(db_stmt *st, moodle_kv **out, size_t *nout)
{
    moodle_kv *kv = NULL;
    size_t n = 0, cap = 0;
    int r;
    while ((r = db_next(st)) > 0) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            moodle_kv *nk = realloc(kv, cap * sizeof *kv);
            if (!nk) {
                moodle_drain(st);
                kv_free(kv, n);
                return -1;
            }
            kv = nk;
        }
        kv[n].name = xstrdup(db_col_text(st, 0));
        kv[n].value = xstrdup(db_col_text(st, 1));
        n++;
    }
    if (r < 0) {
        kv_free(kv, n);
        return -1;
    }
    qsort(kv, n, sizeof *kv, kv_cmp);
    *out = kv;
    *nout = n;
    return 0;
}

const char *moodle_config(moodle_site *s, const char *name)
{
    return kv_find(s->cfg, s->ncfg, name);
}

const char *moodle_plugin_config(moodle_site *s, const char *plugin, const char *name)
{
    for (size_t i = 0; i < s->nplugins; i++)
        if (strcmp(s->plugins[i].plugin, plugin) == 0)
            return kv_find(s->plugins[i].kv, s->plugins[i].n, name);

    db_stmt *st = moodle_prepared(s, "SELECT name, value FROM {config_plugins} WHERE plugin = ?");
    if (!st)
        return NULL;
    if (db_exec(st, "s", plugin) != 0) {
        moodle_fail_db(s, "cannot read config_plugins");
        return NULL;
    }
    moodle_plugin_cfg pc = { NULL, NULL, 0 };
    if (kv_read(st, &pc.kv, &pc.n) != 0) {
        moodle_fail_db(s, "cannot read config_plugins");
        return NULL;
    }
    moodle_plugin_cfg *np = realloc(s->plugins, (s->nplugins + 1) * sizeof *np);
    if (!np) {
        kv_free(pc.kv, pc.n);
        return NULL;
    }
    s->plugins = np;
    pc.plugin = xstrdup(plugin);
    s->plugins[s->nplugins++] = pc;
    return kv_find(pc.kv, pc.n, name);
}

static int64_t cfg_int(moodle_site *s, const char *name, int64_t dflt)
{
    const char *v = moodle_config(s, name);
    if (!v || !*v)
        return dflt;
    char *end;
    long long x = strtoll(v, &end, 10);
    return end == v ? dflt : (int64_t)x;
}

/* Is `item` one element of the comma-separated `list`? (enabled_stores and friends) */
int moodle_list_has(const char *list, const char *item)
{
    size_t len = strlen(item);
    for (const char *p = list; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        const char *t = e;
        while (t > p && t[-1] == ' ')
            t--;
        if ((size_t)(t - p) == len && memcmp(p, item, len) == 0)
            return 1;
        p = e;
    }
    return 0;
}

/* PHP's (bool) of a setting string: "" and "0" are false. */
static int php_bool(const char *v)
{
    return v && *v && strcmp(v, "0") != 0;
}

moodle_site *moodle_open(db *d, char *err, size_t errlen)
{
    return moodle_open_with(d, NULL, err, errlen);
}

moodle_site *moodle_open_with(db *d, const moodle_options *o, char *err, size_t errlen)
{
    moodle_site *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->d = d;
    s->bcrypt_cost = o && o->bcrypt_cost > 0 ? o->bcrypt_cost : MOODLE_BCRYPT_COST;
    s->sha512_rounds = o && o->sha512_rounds > 0 ? o->sha512_rounds : MOODLE_SHA512_ROUNDS;
    if (moodle_known_init(s) != 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }

    int exists = db_table_exists(d, "config");
    if (exists < 0) {
        snprintf(err, errlen, "cannot read the database: %s", db_error(d));
        goto fail;
    }
    if (exists == 0) {
        snprintf(err, errlen, "not a Moodle database: there is no table %sconfig",
                 db_prefix(d) ? db_prefix(d) : "");
        goto fail;
    }

    db_stmt *st = db_prepare(d, "SELECT name, value FROM {config}");
    if (!st || db_exec(st, "") != 0 || kv_read(st, &s->cfg, &s->ncfg) != 0) {
        snprintf(err, errlen, "cannot read %sconfig: %s", db_prefix(d) ? db_prefix(d) : "",
                 db_error(d));
        if (st)
            db_finalize(st);
        goto fail;
    }
    db_finalize(st);

    /* "2023042401" or "2023042401.00": the integer part is what identifies a release. */
    const char *v = moodle_config(s, "version");
    char *end = NULL;
    long long ver = v ? strtoll(v, &end, 10) : 0;
    if (!v || end == v || ver <= 0) {
        snprintf(err, errlen, "not a Moodle site: %sconfig has no version",
                 db_prefix(d) ? db_prefix(d) : "");
        goto fail;
    }
    s->version = ver;
    s->release = xstrdup(moodle_config(s, "release"));
    if (moodle_version_gate(s, o ? o->acceptversion : 0, err, errlen) != 0)
        goto fail;

    /* The acting user of every write: the first site administrator, as an admin CLI
     * script would run. */
    const char *admins = moodle_config(s, "siteadmins");
    s->admin_id = admins ? strtoll(admins + strspn(admins, " "), NULL, 10) : 0;
    s->guest_id = cfg_int(s, "siteguest", 0);
    s->mnet_localhost_id = cfg_int(s, "mnet_localhost_id", 1);
    s->sessiontimeout = cfg_int(s, "sessiontimeout", 28800);

    const char *stores = moodle_plugin_config(s, "tool_log", "enabled_stores");
    if (!stores && s->err[0]) {
        snprintf(err, errlen, "%s", s->err);
        goto fail;
    }
    s->log_standard = moodle_list_has(stores, "logstore_standard");
    /* The store's own default is false (sites upgraded from before 3.7 keep the
     * serialize() format); new installs save 1. */
    s->log_json = php_bool(moodle_plugin_config(s, "logstore_standard", "jsonformat"));
    /* Before any write: tables that lack a column of their version would fail half-way
     * through a file (or, worse, be written as another version's). */
    if (moodle_check_schema(s) != 0) {
        snprintf(err, errlen, "%s", s->err);
        goto fail;
    }
    s->err[0] = '\0';
    return s;

fail:
    moodle_close(s);
    return NULL;
}

void moodle_close(moodle_site *s)
{
    if (!s)
        return;
    free(s->pctx);
    moodle_release_statements(s);
    kv_free(s->cfg, s->ncfg);
    for (size_t i = 0; i < s->nplugins; i++) {
        free(s->plugins[i].plugin);
        kv_free(s->plugins[i].kv, s->plugins[i].n);
    }
    free(s->plugins);
    free(s->release);
    moodle_known_free(s);
    moodle_state_free(s);
    moodle_cohorts_free(s);
    moodle_table_cols_free(s->tables, s->ntables);
    free(s->tables);
    moodle_meta_free(s);
    free(s);
}

db *moodle_db(moodle_site *s) { return s->d; }
int64_t moodle_version(const moodle_site *s) { return s->version; }
const char *moodle_release(const moodle_site *s) { return s->release; }
int64_t moodle_admin_id(const moodle_site *s) { return s->admin_id; }
int64_t moodle_guest_id(const moodle_site *s) { return s->guest_id; }
int64_t moodle_mnet_localhost_id(moodle_site *s) { return s->mnet_localhost_id; }
int64_t moodle_session_timeout(const moodle_site *s) { return s->sessiontimeout; }
int moodle_logs_to_standard(const moodle_site *s) { return s->log_standard; }

void moodle_forget(moodle_site *s)
{
    moodle_known_forget(s);
    moodle_state_forget(s);
    moodle_cohorts_forget(s);
    moodle_ctx_discard(s);
    moodle_meta_forget(s);   /* a rolled-back meta instance, or sync, is no more */
}

const char *moodle_password_scheme(const moodle_site *s, int fast, int *cost)
{
    const moodle_family *f = s->family ? s->family : moodle_family_of(s->version);
    if (f && strcmp(f->hash, MOODLE_HASH_SHA512) == 0) {
        if (cost)
            *cost = fast ? 5000 : 10000;
        return MOODLE_HASH_SHA512;
    }
    if (cost)
        *cost = fast ? 4 : 10;
    return MOODLE_HASH_BCRYPT;
}

const char *moodle_new_password_scheme(const moodle_site *s, int *cost)
{
    const char *scheme = moodle_password_scheme(s, 0, NULL);
    if (cost)
        *cost = strcmp(scheme, MOODLE_HASH_SHA512) == 0 ? s->sha512_rounds : s->bcrypt_cost;
    return scheme;
}
