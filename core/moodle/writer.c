/* What the writers of enrolments, roles, groups, cohorts and categories share: inserts
 * with ids reserved ahead, statements that return nothing, contexts, the dirty-user
 * flag, core events, JSON strings, and the sink of cache purge requests.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * They lean on site.c (statements, errors) and nothing else of core/moodle's writers,
 * so enrol.c -> roles.c, groups.c -> writer.c stays a one-way street.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "moodle/writer.h"
#include "util/util.h"

/* ---- purge requests ------------------------------------------------------------------ */

void moodle_set_purge_sink(moodle_site *s, void (*sink)(void *ctx, const char *what),
                           void *ctx)
{
    s->purge_sink = sink;
    s->purge_ctx = ctx;
}

void moodle_request_purge(moodle_site *s, const char *what)
{
    if (s->purge_sink)
        s->purge_sink(s->purge_ctx, what);
}

/* ---- rows ------------------------------------------------------------------------- */

int64_t moodle_reserve_id(moodle_site *s, const char *table)
{
    int64_t id = db_reserve_id(moodle_db(s), table);
    if (id < 0)
        return moodle_fail_db(s, "cannot reserve an id");
    return id;
}

static int64_t insert(moodle_site *s, int later, const char *sql_id, const char *sql_noid,
                      const char *types, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int64_t id = va_arg(cp, int64_t);
    va_end(cp);

    if (id > 0 && later) {
        /* Its id known, nobody waits for the row: it goes with the next ones. */
        if (db_insert_laterv(moodle_db(s), sql_id, types, ap) != 0)
            return moodle_fail_db(s, "cannot insert a row");
        return id;
    }
    db_stmt *st = moodle_prepared(s, id > 0 ? sql_id : sql_noid);
    if (!st)
        return -1;
    int rc;
    if (id > 0) {
        rc = db_execv(st, types, ap);
    } else {
        (void)va_arg(ap, int64_t);          /* the id the database will choose */
        rc = db_execv(st, types + 1, ap);
    }
    if (rc != 0)
        return moodle_fail_db(s, "cannot insert a row");
    if (id <= 0) {
        id = db_last_id(st);
        if (id <= 0)
            return moodle_fail_db(s, "cannot read the new row's id");
    }
    return id;
}

int64_t moodle_insert(moodle_site *s, const char *sql_id, const char *sql_noid,
                     const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int64_t id = insert(s, 0, sql_id, sql_noid, types, ap);
    va_end(ap);
    return id;
}

int64_t moodle_insert_later(moodle_site *s, const char *sql_id, const char *sql_noid,
                           const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int64_t id = insert(s, 1, sql_id, sql_noid, types, ap);
    va_end(ap);
    return id;
}

int moodle_exec(moodle_site *s, const char *sql, const char *doing, const char *types, ...)
{
    db_stmt *st = moodle_prepared(s, sql);
    if (!st)
        return -1;
    va_list ap;
    va_start(ap, types);
    int rc = db_execv(st, types, ap);
    va_end(ap);
    if (rc != 0)
        return moodle_fail_db(s, doing);
    return 0;
}

db_stmt *moodle_read_row(moodle_site *s, const char *sql, const char *what, int *found,
                         int64_t id)
{
    *found = -1;
    db_stmt *st = moodle_prepared(s, sql);
    if (!st)
        return NULL;
    if (db_exec(st, "i", id) != 0 || (*found = db_next(st)) < 0) {
        *found = -1;
        char doing[96];
        snprintf(doing, sizeof doing, "cannot read %s", what);
        moodle_fail_db(s, doing);
        return NULL;
    }
    return st;
}

static const char SQL_CTX_BY_ID[] =
    "SELECT contextlevel, instanceid, path FROM {context} WHERE id = ?";

/* One context row; 0 found, 1 not found, -1 error. */
static int ctx_row(moodle_site *s, int64_t id, int *level, int64_t *instanceid,
                   char *path, size_t pathlen)
{
    const moodle_known_ctx *k = moodle_ctx_known_id(s, id);
    if (k) {
        *level = k->level;
        *instanceid = k->instanceid;
        if (path)
            snprintf(path, pathlen, "%s", k->path);
        return 0;
    }
    int r;
    db_stmt *st = moodle_read_row(s, SQL_CTX_BY_ID, "a context", &r, id);
    if (r <= 0)
        return r < 0 ? -1 : 1;
    *level = (int)db_col_int(st, 0);
    *instanceid = db_col_int(st, 1);
    const char *p = db_col_text(st, 2);
    char known[256] = "";
    /* Created by this transaction, its path not written yet: it is known here. */
    if (p || moodle_ctx_pending_path(s, id, known, sizeof known) != 0)
        snprintf(known, sizeof known, "%s", p ? p : "");
    moodle_drain(st);
    if (path)
        snprintf(path, pathlen, "%s", known);
    /* A row whose path Moodle has not built yet is not remembered. */
    moodle_ctx_cache_put(s, *level, *instanceid, id, known);
    return 0;
}

int moodle_ctx_get(moodle_site *s, int64_t contextid, moodle_ctx *out)
{
    memset(out, 0, sizeof *out);
    int r = ctx_row(s, contextid, &out->level, &out->instanceid, out->path,
                    sizeof out->path);
    if (r != 0)
        return r;
    out->id = contextid;
    if (out->level == 50) {
        out->courseid = out->instanceid;
    } else if (out->level > 50) {
        /* Module and block contexts: the event's course is the nearest course context
         * above (context::get_course_context()); a block on a dashboard has none. */
        int64_t ids[32];
        int n = 0;
        for (const char *p = out->path; *p && n < 32; ) {
            if (*p == '/')
                p++;
            char *end;
            long long v = strtoll(p, &end, 10);
            if (end == p)
                break;
            ids[n++] = v;
            p = end;
        }
        for (int i = n - 2; i >= 0; i--) {
            int lv;
            int64_t inst;
            r = ctx_row(s, ids[i], &lv, &inst, NULL, 0);
            if (r < 0)
                return -1;
            if (r > 0 || lv < 50)
                break;
            if (lv == 50) {
                out->courseid = inst;
                break;
            }
        }
    }
    return 0;
}

int moodle_course_ctx(moodle_site *s, int64_t courseid, moodle_ctx *out)
{
    memset(out, 0, sizeof *out);
    int r = moodle_context_path(s, 50, courseid, &out->id, out->path);
    if (r != 0)
        return r;
    out->level = 50;
    out->instanceid = courseid;
    out->courseid = courseid;
    return 0;
}

char *moodle_json_str(char *out, size_t outlen, const char *str)
{
    if (outlen)
        out[0] = '\0';
    text_json_string(out, outlen, str);
    return out;
}

int moodle_mark_user_dirty(moodle_site *s, int64_t now, int64_t userid)
{
    char name[24];
    snprintf(name, sizeof name, "%lld", (long long)userid);
    return moodle_cache_flag(s, now, "accesslib/dirtyusers", name) < 0 ? -1 : 0;
}

int moodle_core_event(moodle_site *s, int64_t now, const char *name, const char *crud,
                const char *objecttable, int64_t objectid, const moodle_ctx *ctx,
                int64_t relateduserid, const char *other_json)
{
    char eventname[128];
    snprintf(eventname, sizeof eventname, "\\core\\event\\%s", name);
    return moodle_event(s, now, eventname, NULL, NULL, crud, 0, objecttable, objectid,
                        ctx->id, ctx->level, ctx->instanceid, ctx->courseid, relateduserid,
                        other_json) < 0 ? -1 : 0;
}

int moodle_row_exists(moodle_site *s, const char *sql, int64_t a, int64_t b)
{
    db_stmt *st = moodle_prepared(s, sql);
    if (!st)
        return -1;
    if (db_exec(st, "ii", a, b) != 0)
        return moodle_fail_db(s, "cannot read");
    int r = db_next(st);
    if (r < 0)
        return moodle_fail_db(s, "cannot read");
    if (r > 0)
        moodle_drain(st);
    return r;
}

int moodle_context_path_by_id(moodle_site *s, int64_t contextid, char *path_out)
{
    int level;
    int64_t instanceid;
    return ctx_row(s, contextid, &level, &instanceid, path_out, 256);
}

/* Reads the first column of every row into a malloc'd array (all rows are read before
 * anything else runs: MariaDB allows one pending result per connection). */
int moodle_read_ids(moodle_site *s, db_stmt *st, int64_t **ids, size_t *n)
{
    size_t cap = 0;
    *ids = NULL;
    *n = 0;
    int r;
    while ((r = db_next(st)) > 0) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            int64_t *p = realloc(*ids, cap * sizeof *p);
            if (!p) {
                moodle_drain(st);
                free(*ids);
                *ids = NULL;
                return moodle_fail(s, "out of memory");
            }
            *ids = p;
        }
        (*ids)[(*n)++] = db_col_int(st, 0);
    }
    if (r < 0) {
        free(*ids);
        *ids = NULL;
        return moodle_fail_db(s, "cannot read rows");
    }
    return 0;
}
