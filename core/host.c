/* The host function table: everything a module may ask of the core.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Thin wrappers: configuration of the calling module, the row, outcomes, the SQL layer
 * (with a per-run statement cache keyed by SQL text) and the Moodle helpers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "run.h"
#include "moodle/enrol.h"

int loader_register_handler(const ts_handler *h);

/* --- rows ----------------------------------------------------------------------------- */

ts_row *row_new(ts_run *r, const csv_record *rec)
{
    ts_row *row = calloc(1, sizeof *row);
    row->run = r;
    row->line = rec->line;
    row->raw = strdup(rec->raw ? rec->raw : "");
    row->nfields = rec->nfields;
    row->fields = calloc(rec->nfields + 1, sizeof *row->fields);
    for (size_t i = 0; i < rec->nfields; i++)
        row->fields[i] = strdup(rec->fields[i] ? rec->fields[i] : "");
    return row;
}

void row_reset_outcome(ts_row *row)
{
    for (size_t i = 0; i < row->nmsgs; i++)
        free(row->msgs[i].text);
    row->nmsgs = 0;
}

void row_free(ts_row *row)
{
    if (!row)
        return;
    row_reset_outcome(row);
    free(row->msgs);
    for (size_t i = 0; i < row->nfields; i++)
        free(row->fields[i]);
    free(row->fields);
    free(row->raw);
    if (row->raw_file)
        fclose(row->raw_file);
    free(row);
}

static int severity(ts_status s)
{
    switch (s) {
    case TS_ERROR: return 3;
    case TS_WARN: return 2;
    case TS_OK: return 1;
    default: return 0;           /* SKIP: only when nothing else happened */
    }
}

ts_status row_status(const ts_row *row)
{
    ts_status st = TS_SKIP;
    int best = -1;
    for (size_t i = 0; i < row->nmsgs; i++)
        if (severity(row->msgs[i].status) > best) {
            best = severity(row->msgs[i].status);
            st = row->msgs[i].status;
        }
    return row->nmsgs ? st : TS_SKIP;
}

void row_add_msg(ts_row *row, ts_status st, const char *key, const char *column,
                 const char *text)
{
    if (row->nmsgs == row->capmsgs) {
        row->capmsgs = row->capmsgs ? row->capmsgs * 2 : 2;
        row->msgs = realloc(row->msgs, row->capmsgs * sizeof *row->msgs);
    }
    row_msg *m = &row->msgs[row->nmsgs++];
    m->status = st;
    snprintf(m->key, sizeof m->key, "%s", key ? key : "");
    snprintf(m->column, sizeof m->column, "%s", column ? column : "");
    m->text = strdup(text ? text : "");
}

/* --- statement cache -------------------------------------------------------------------- */

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static ts_stmt *h_prepare(ts_run *r, const char *sql)
{
    if (r->capstmts == 0 || r->nstmts * 2 >= r->capstmts) {
        size_t cap = r->capstmts ? r->capstmts * 2 : 64;
        ts_stmt **t = calloc(cap, sizeof *t);
        for (size_t i = 0; i < r->capstmts; i++)
            if (r->stmts[i]) {
                size_t j = hash_str(r->stmts[i]->sql) & (cap - 1);
                while (t[j])
                    j = (j + 1) & (cap - 1);
                t[j] = r->stmts[i];
            }
        free(r->stmts);
        r->stmts = t;
        r->capstmts = cap;
    }
    size_t j = hash_str(sql) & (r->capstmts - 1);
    while (r->stmts[j]) {
        if (strcmp(r->stmts[j]->sql, sql) == 0)
            return r->stmts[j];
        j = (j + 1) & (r->capstmts - 1);
    }
    db_stmt *st = db_prepare(r->e->db, sql);
    if (!st) {
        ts_logf(TS_LOG_ERROR, "cannot prepare statement: %s", db_error(r->e->db));
        if (r->current)
            row_add_msg(r->current, TS_ERROR, "dberror", NULL, db_error(r->e->db));
        return NULL;
    }
    ts_stmt *s = calloc(1, sizeof *s);
    s->st = st;
    s->run = r;
    s->sql = strdup(sql);
    r->stmts[j] = s;
    r->nstmts++;
    return s;
}

void run_stmt_cache_free(ts_run *r)
{
    for (size_t i = 0; i < r->capstmts; i++)
        if (r->stmts[i]) {
            db_finalize(r->stmts[i]->st);
            free(r->stmts[i]->sql);
            free(r->stmts[i]);
        }
    free(r->stmts);
    r->stmts = NULL;
    r->nstmts = r->capstmts = 0;
}

static int h_exec(ts_stmt *s, const char *types, ...)
{
    if (!s)
        return -1;
    va_list ap;
    va_start(ap, types);
    int rc = db_execv(s->st, types, ap);
    va_end(ap);
    if (rc != 0)
        ts_logf(TS_LOG_DEBUG, "statement failed: %s", db_error(s->run->e->db));
    return rc;
}

static int h_exec_array(ts_stmt *s, const char *types, const ts_value *values)
{
    _Static_assert(sizeof(ts_value) == sizeof(db_arg), "ts_value and db_arg share a layout");
    if (!s)
        return -1;
    return db_execa(s->st, types, (const db_arg *)values);
}

static int h_next(ts_stmt *s) { return s ? db_next(s->st) : -1; }
static int64_t h_col_int(ts_stmt *s, int c) { return db_col_int(s->st, c); }
static const char *h_col_text(ts_stmt *s, int c) { return db_col_text(s->st, c); }
static int h_col_null(ts_stmt *s, int c) { return db_col_null(s->st, c); }
static int64_t h_last_id(ts_stmt *s) { return db_last_id(s->st); }
static int64_t h_changes(ts_stmt *s) { return db_changes(s->st); }
static int64_t h_reserve_id(ts_run *r, const char *table) { return db_reserve_id(r->e->db, table); }
static ts_db_kind h_dialect(ts_run *r) { return db_kind(r->e->db); }

/* --- configuration ------------------------------------------------------------------- */

static const char *h_conf_str(ts_run *r, const char *name)
{
    return config_module_str(r->e->cfg, r->he->mod->desc->name, name);
}
static long h_conf_int(ts_run *r, const char *name)
{
    return config_module_int(r->e->cfg, r->he->mod->desc->name, name);
}
static int h_conf_bool(ts_run *r, const char *name)
{
    return config_module_bool(r->e->cfg, r->he->mod->desc->name, name);
}
static const char *h_global_str(ts_run *r, const char *name)
{
    return config_global_str(r->e->cfg, name);
}

/* --- the row ------------------------------------------------------------------------------ */

static const char *h_value(ts_row *row, const char *name)
{
    long i = header_index(row->run, name);
    if (i < 0)
        return NULL;
    /* Missing trailing cells read as empty (spec 00 §5.6). */
    return (size_t)i < row->nfields ? row->fields[i] : "";
}
static size_t h_ncolumns(ts_run *r) { return r->ncols; }
static const char *h_column_name(ts_run *r, size_t i) { return i < r->ncols ? r->cols[i] : NULL; }
static const char *h_value_at(ts_row *row, size_t i)
{
    if (i >= row->run->ncols)
        return NULL;
    return i < row->nfields ? row->fields[i] : "";
}
static long h_line(ts_row *row) { return row->line; }
static int h_has_column(ts_run *r, const char *name) { return header_index(r, name) >= 0; }

static void h_outcome(ts_row *row, ts_status st, const char *key, const char *column,
                      const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (row) {
        row_add_msg(row, st, key, column, text);
        return;
    }
    /* File-level message: straight to the report. */
    ts_run *r = NULL;
    extern ts_run *run_current(void);
    r = run_current();
    if (r && r->rep) {
        char full[2200];
        if (column && *column)
            snprintf(full, sizeof full, "column %s: %s", column, text);
        else
            snprintf(full, sizeof full, "%s", text);
        report_file(r->rep, st, key, full);
    }
    if (st == TS_ERROR)
        ts_logf(TS_LOG_ERROR, "%s: %s", key, text);
}

static void h_log(ts_log_level lvl, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ts_vlogf(lvl, fmt, ap);
    va_end(ap);
}

/* --- Moodle --------------------------------------------------------------------------- */

static const char *h_site_config(ts_run *r, const char *name) { return moodle_config(r->e->site, name); }
static const char *h_plugin_config(ts_run *r, const char *p, const char *n)
{
    return moodle_plugin_config(r->e->site, p, n);
}
static int64_t h_now(ts_run *r) { return r->now; }
static int64_t h_acting_user(ts_run *r) { return moodle_admin_id(r->e->site); }
static int64_t h_context_create(ts_run *r, int level, int64_t inst, const char *parent, char *out)
{
    return moodle_context_create(r->e->site, r->now, level, inst, parent, out);
}
static int h_context_path(ts_run *r, int level, int64_t inst, int64_t *id, char *out)
{
    int rc = moodle_context_path(r->e->site, level, inst, id, out);
    return rc == 0 ? 0 : -1;
}
static int h_cache_flag(ts_run *r, const char *type, const char *name)
{
    return moodle_cache_flag(r->e->site, r->now, type, name);
}
static int h_event(ts_run *r, const char *ev, const char *target, const char *action,
                   const char *crud, int edulevel, const char *objtable, int64_t objid,
                   int64_t ctxid, int ctxlevel, int64_t ctxinst, int64_t courseid,
                   int64_t reluser, const char *other)
{
    return moodle_event(r->e->site, r->now, ev, target, action, crud, edulevel, objtable,
                        objid, ctxid, ctxlevel, ctxinst, courseid, reluser, other);
}
static int h_hash_passwords(ts_run *r, const char *const *plain, char **out, size_t n)
{
    /* The site's own scheme (bcrypt up to 4.2, SHA-512 from 4.3) at a low cost: Moodle
     * re-hashes at its own cost at the first login, and imports stay fast. */
    cfg_t *c = r->e->cfg;
    int cost = 0;
    const char *scheme = moodle_password_scheme(r->e->site, 1, &cost);
    if (strcmp(scheme, MOODLE_HASH_BCRYPT) == 0)
        cost = (int)cfg_getint(c, "passwordhashcost");
    return moodle_hash_passwords_scheme(scheme, plain, out, n, cost, (int)cfg_getint(c, "threads"));
}
static int h_set_pref(ts_run *r, int64_t uid, const char *name, const char *value)
{
    return moodle_set_user_preference(r->e->site, r->now, uid, name, value);
}
static int h_dry_run(ts_run *r) { return r->e->flags.dry_run; }

static int h_enrol_user(ts_run *r, int64_t enrolid, int64_t uid, int64_t roleid,
                        int64_t ts, int64_t te, int status)
{
    return moodle_enrol_user(r->e->site, r->now, enrolid, uid, roleid, ts, te, status);
}
static int h_unenrol_user(ts_run *r, int64_t enrolid, int64_t uid)
{
    return moodle_unenrol_user(r->e->site, r->now, enrolid, uid);
}
static int h_role_assign(ts_run *r, int64_t roleid, int64_t ctx, int64_t uid, const char *comp,
                         int64_t item)
{
    return moodle_role_assign(r->e->site, r->now, roleid, ctx, uid, comp, item);
}
static int h_role_unassign(ts_run *r, int64_t roleid, int64_t ctx, int64_t uid,
                           const char *comp, int64_t item)
{
    return moodle_role_unassign(r->e->site, r->now, roleid, ctx, uid, comp, item);
}
static int64_t h_group_create(ts_run *r, int64_t course, const char *name, const char *idn,
                              const char *desc)
{
    return moodle_group_create(r->e->site, r->now, course, name, idn, desc);
}
static int h_group_add(ts_run *r, int64_t g, int64_t uid, const char *comp, int64_t item)
{
    return moodle_group_add_member(r->e->site, r->now, g, uid, comp, item);
}
static int h_group_remove(ts_run *r, int64_t g, int64_t uid)
{
    return moodle_group_remove_member(r->e->site, r->now, g, uid);
}
static int64_t h_cohort_create(ts_run *r, int64_t ctx, const char *name, const char *idn,
                               const char *desc)
{
    return moodle_cohort_create(r->e->site, r->now, ctx, name, idn, desc);
}
static int h_cohort_add(ts_run *r, int64_t c, int64_t uid)
{
    return moodle_cohort_add_member(r->e->site, r->now, c, uid);
}
static int h_cohort_remove(ts_run *r, int64_t c, int64_t uid)
{
    return moodle_cohort_remove_member(r->e->site, r->now, c, uid);
}
static void h_request_purge(ts_run *r, const char *what) { moodle_request_purge(r->e->site, what); }

static const ts_host host = {
    .abi_major = TOOLSYNC_ABI_MAJOR,
    .abi_minor = TOOLSYNC_ABI_MINOR,
    .size = sizeof(ts_host),
    .register_handler = loader_register_handler,
    .log = h_log,
    .conf_str = h_conf_str,
    .conf_int = h_conf_int,
    .conf_bool = h_conf_bool,
    .global_str = h_global_str,
    .value = h_value,
    .ncolumns = h_ncolumns,
    .column_name = h_column_name,
    .value_at = h_value_at,
    .line = h_line,
    .has_column = h_has_column,
    .outcome = h_outcome,
    .dialect = h_dialect,
    .prepare = h_prepare,
    .exec = h_exec,
    .next = h_next,
    .col_int = h_col_int,
    .col_text = h_col_text,
    .col_null = h_col_null,
    .last_id = h_last_id,
    .changes = h_changes,
    .reserve_id = h_reserve_id,
    .site_config = h_site_config,
    .plugin_config = h_plugin_config,
    .now = h_now,
    .acting_user = h_acting_user,
    .context_create = h_context_create,
    .context_path = h_context_path,
    .cache_flag = h_cache_flag,
    .event = h_event,
    .hash_passwords = h_hash_passwords,
    .check_password = moodle_check_password,
    .set_user_preference = h_set_pref,
    .dry_run = h_dry_run,
    .enrol_user = h_enrol_user,
    .unenrol_user = h_unenrol_user,
    .role_assign = h_role_assign,
    .role_unassign = h_role_unassign,
    .group_create = h_group_create,
    .group_add_member = h_group_add,
    .group_remove_member = h_group_remove,
    .cohort_create = h_cohort_create,
    .cohort_add_member = h_cohort_add,
    .cohort_remove_member = h_cohort_remove,
    .request_purge = h_request_purge,
    .exec_array = h_exec_array,
};

const ts_host *host_table(void) { return &host; }
