/* Context rows: creation with path and depth, lookup by level and instance.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Moodle (context::insert_context_record) inserts with path NULL and depth 0, then sets
 * path = parent path + "/" + id and depth = number of "/" in it.  When the database
 * hands out the id beforehand we write the final row in one INSERT: same row, one
 * statement less.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "moodle/moodle_internal.h"

#define CTX_PATH_MAX 256   /* path is varchar(255) */

static int depth_of(const char *path);

#define CTX_CHUNK 32

struct moodle_pending_ctx {
    int64_t id;
    char parent[CTX_PATH_MAX];
};

void moodle_ctx_discard(moodle_site *s)
{
    s->npctx = 0;
}

/* Sets the paths of the contexts inserted since the last flush, CTX_CHUNK per UPDATE
 * for those sharing a parent (the users of a file all hang under the system context). */
int moodle_ctx_flush(moodle_site *s)
{
    size_t i = 0;
    while (i < s->npctx) {
        const char *parent = s->pctx[i].parent;
        size_t k = 0;
        db_arg a[2 + CTX_CHUNK];
        char types[3 + CTX_CHUNK];
        while (i + k < s->npctx && k < CTX_CHUNK && strcmp(s->pctx[i + k].parent, parent) == 0) {
            a[2 + k].i = s->pctx[i + k].id;
            k++;
        }
        for (size_t j = k; j < CTX_CHUNK; j++)
            a[2 + j].i = a[2].i;       /* repeated ids leave the IN list unchanged */
        char sql[512];
        size_t o = (size_t)snprintf(sql, sizeof sql, "UPDATE {context} SET path = %s, "
            "depth = ? WHERE id IN (", db_kind(s->d) == TS_DB_MARIADB
            ? "CONCAT(?, '/', id)" : "? || '/' || id");
        for (size_t j = 0; j < CTX_CHUNK; j++)
            o += (size_t)snprintf(sql + o, sizeof sql - o, j ? ", ?" : "?");
        snprintf(sql + o, sizeof sql - o, ")");
        db_stmt *st = moodle_prepared(s, sql);
        if (!st)
            return -1;
        a[0].s = parent;
        a[1].i = depth_of(parent) + 1;
        memset(types, 'i', sizeof types);
        types[0] = 's';
        types[2 + CTX_CHUNK] = '\0';
        if (db_execa(st, types, a) != 0)
            return moodle_fail_db(s, "cannot set context paths");
        i += k;
    }
    s->npctx = 0;
    return 0;
}

int moodle_ctx_pending_path(moodle_site *s, int64_t id, char *path, size_t len)
{
    for (size_t i = 0; i < s->npctx; i++)
        if (s->pctx[i].id == id) {
            snprintf(path, len, "%.230s/%lld", s->pctx[i].parent, (long long)id);
            return 0;
        }
    return 1;
}

static int depth_of(const char *path)
{
    int n = 0;
    for (; *path; path++)
        n += *path == '/';
    return n;
}

int64_t moodle_context_create(moodle_site *s, int64_t now, int level, int64_t instanceid,
                              const char *parent_path, char *path_out)
{
    (void)now;   /* context rows carry no time */
    s->err[0] = '\0';
    char path[CTX_PATH_MAX];
    if (path_out)
        path_out[0] = '\0';
    /* 20 digits of id and the slash must still fit. */
    if (parent_path && strlen(parent_path) + 22 > sizeof path)
        return moodle_fail(s, "context path too long under %s", parent_path);

    int64_t id = parent_path ? db_reserve_id(s->d, "context") : 0;
    if (id < 0)
        return moodle_fail_db(s, "cannot reserve a context id");

    if (id > 0) {
        db_stmt *st = moodle_prepared(s, "INSERT INTO {context} (id, contextlevel, instanceid, path, depth, locked) "
            "VALUES (?, ?, ?, ?, ?, 0)");
        if (!st)
            return -1;
        snprintf(path, sizeof path, "%s/%lld", parent_path, (long long)id);
        if (db_exec(st, "iiisi", id, (int64_t)level, instanceid, path,
                    (int64_t)depth_of(path)) != 0)
            return moodle_fail_db(s, "cannot insert a context");
    } else {
        db_stmt *st = moodle_prepared(s, "INSERT INTO {context} (contextlevel, instanceid, path, depth, locked) "
            "VALUES (?, ?, NULL, 0, 0)");
        if (!st)
            return -1;
        if (db_exec(st, "ii", (int64_t)level, instanceid) != 0)
            return moodle_fail_db(s, "cannot insert a context");
        id = db_last_id(st);
        if (id <= 0)
            return moodle_fail_db(s, "cannot read the new context id");
        if (!parent_path)
            return id;   /* left for Moodle's build_all_paths(), as Moodle itself does */
        snprintf(path, sizeof path, "%s/%lld", parent_path, (long long)id);
        /* Moodle inserts then sets the path; the UPDATE waits for moodle_flush, which
         * sets many paths at once (one round trip instead of one per context). */
        if (s->npctx == s->cappctx) {
            size_t cap = s->cappctx ? s->cappctx * 2 : 64;
            struct moodle_pending_ctx *p = realloc(s->pctx, cap * sizeof *p);
            if (!p)
                return moodle_fail(s, "out of memory");
            s->pctx = p;
            s->cappctx = cap;
        }
        s->pctx[s->npctx].id = id;
        snprintf(s->pctx[s->npctx].parent, sizeof s->pctx[s->npctx].parent, "%s", parent_path);
        s->npctx++;
    }
    moodle_ctx_cache_put(s, level, instanceid, id, path);
    if (path_out)
        strcpy(path_out, path);
    return id;
}

int moodle_context_path(moodle_site *s, int level, int64_t instanceid, int64_t *id_out,
                        char *path_out)
{
    s->err[0] = '\0';
    const moodle_known_ctx *sl = moodle_ctx_known(s, level, instanceid);
    if (sl) {
        if (id_out)
            *id_out = sl->id;
        if (path_out)
            strcpy(path_out, sl->path);
        return 0;
    }

    db_stmt *st = moodle_prepared(s, "SELECT id, path FROM {context} WHERE contextlevel = ? AND instanceid = ?");
    if (!st)
        return -1;
    if (db_exec(st, "ii", (int64_t)level, instanceid) != 0)
        return moodle_fail_db(s, "cannot look a context up");
    int r = db_next(st);
    if (r < 0)
        return moodle_fail_db(s, "cannot look a context up");
    if (r == 0)
        return 1;
    int64_t id = db_col_int(st, 0);
    const char *p = db_col_text(st, 1);
    char path[CTX_PATH_MAX] = "";
    if (p)
        snprintf(path, sizeof path, "%s", p);
    /* Created in this transaction, its path not written yet: it is known here. */
    for (size_t i = 0; !p && i < s->npctx; i++)
        if (s->pctx[i].id == id)
            snprintf(path, sizeof path, "%.230s/%lld", s->pctx[i].parent, (long long)id);
    moodle_drain(st);
    /* A row whose path Moodle has not built yet is returned but not remembered. */
    if (path[0])
        moodle_ctx_cache_put(s, level, instanceid, id, path);
    if (id_out)
        *id_out = id;
    if (path_out)
        strcpy(path_out, path);
    return 0;
}
