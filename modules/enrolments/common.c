/* What the three handlers share: cells, account and course lookups with the spec's
 * message keys, and the few reads of enrolments and memberships the commands decide on.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>
#include "enrolments.h"

ts_stmt *Q(en_state *s, const char *sql) { return SQL->prepare(s->run, sql); }

const char *cell(const en_state *s, long col)
{
    const char *v = col >= 0 ? RT->value_at(s->row, (size_t)col) : NULL;
    return v ? v : "";
}

long column(ts_run *run, const char *name) { return RT->column_index(run, name); }

ts_by by_option(const char *v)
{
    return !strcmp(v, "id") ? TS_BY_ID : !strcmp(v, "idnumber") ? TS_BY_IDNUMBER
         : !strcmp(v, "username") ? TS_BY_USERNAME : !strcmp(v, "email") ? TS_BY_EMAIL
         : !strcmp(v, "shortname") ? TS_BY_SHORTNAME : TS_BY_NAME;
}

int read_ids(ts_stmt *st, int64_t **ids, size_t *n)
{
    size_t cap = 0;
    int rc;
    *ids = NULL;
    *n = 0;
    while ((rc = SQL->next(st)) > 0) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *ids = realloc(*ids, cap * sizeof **ids);
        }
        (*ids)[(*n)++] = SQL->col_int(st, 0);
    }
    if (rc < 0) {
        free(*ids);
        *ids = NULL;
        *n = 0;
        return -1;
    }
    return 0;
}

static const char *colname(ts_run *run, long col)
{
    return col >= 0 ? RT->column_name(run, (size_t)col) : NULL;
}

int find_user(en_state *s, long col, int64_t *uid)
{
    const char *key = cell(s, col), *name = colname(s->run, col);
    if (!*key) {
        say(s, TS_ERROR, "errornulluseridentifier", name, "empty user identifier");
        return -1;
    }
    const ts_user *u = NULL;
    int rc = R->user_find(s->run, s->user_by, key, s->mnethost, 0, &u);
    if (rc == TS_R_ERROR)
        return -1;
    if (rc == TS_R_AMBIGUOUS) {
        say(s, TS_ERROR, "errornouser", name, "several accounts match '%s'", key);
        return -1;
    }
    if (rc <= 0 || !u) {
        say(s, TS_ERROR, "errornouser", name, "no account '%s'", key);
        return -1;
    }
    *uid = R->user_id(u);
    return 0;
}

int find_course(en_state *s, long col, int64_t *courseid)
{
    const char *key = cell(s, col), *name = colname(s->run, col);
    if (!*key) {
        say(s, TS_ERROR, "errornullcourseidentifier", name, "empty course identifier");
        return -1;
    }
    int64_t id = R->course(s->run, s->course_by, key);
    if (id == TS_R_ERROR)
        return -1;
    if (id == TS_R_AMBIGUOUS) {
        say(s, TS_ERROR, "errornocourse", name, "several courses match '%s'", key);
        return -1;
    }
    if (id <= 0 || id == TS_SITE_COURSE_ID) {
        say(s, TS_ERROR, "errornocourse", name, id == TS_SITE_COURSE_ID
            ? "'%s' is the front page, not a course" : "no course '%s'", key);
        return -1;
    }
    *courseid = id;
    return 0;
}

int prefetch_keys(en_state *s, ts_row *const *rows, size_t n, long ucol, long ccol)
{
    const char **keys = calloc(n ? n : 1, sizeof *keys);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const char *v = ucol >= 0 ? RT->value_at(rows[i], (size_t)ucol) : NULL;
        if (v && *v)
            keys[m++] = v;
    }
    int rc = R->user_prefetch(s->run, s->user_by, s->mnethost, keys, m);
    m = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *v = ccol >= 0 ? RT->value_at(rows[i], (size_t)ccol) : NULL;
        if (v && *v)
            keys[m++] = v;
    }
    if (rc == 0 && s->course_by != TS_BY_ID)
        rc = R->course_prefetch(s->run, s->course_by, keys, m);
    free(keys);
    return rc == 0 ? TS_DONE : TS_ERR;
}

/* Both answered from the core's memory of the course (enrol and groups services v3). */
int is_enrolled(en_state *s, int64_t courseid, int64_t userid)
{
    return E->is_enrolled(s->run, courseid, userid);
}

int user_groups(en_state *s, int64_t courseid, int64_t userid, const char *component,
                int64_t **ids, size_t *n)
{
    ts_stmt *st = Q(s, "SELECT gm.groupid FROM {groups_members} gm JOIN {groups} g "
                       "ON g.id = gm.groupid WHERE g.courseid = ? AND gm.userid = ? "
                       "AND (? = 0 OR gm.component = ?) ORDER BY gm.id");
    if (!st || SQL->exec(st, "iiis", courseid, userid, (int64_t)(component != NULL),
                         component ? component : "") != 0)
        return -1;
    return read_ids(st, ids, n);
}

int is_member(en_state *s, int64_t groupid, int64_t userid, const char *component)
{
    return G->is_member(s->run, groupid, userid, component);
}
