/* What the writers (enrol.c, roles.c, groups.c, cohorts.c, categories.c) share:
 * writer.c.  Statements come from the site's one cache (moodle_prepared).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef TS_MOODLE_WRITER_H
#define TS_MOODLE_WRITER_H

#include "moodle/moodle_internal.h"
#include "moodle/enrol.h"

/* Moodle's front page course (SITEID); the API refuses to enrol into it. */
#define MOODLE_SITEID 1

/* Runs `sql` (one integer parameter, at most one row) for `id`: *found 1 and the
 * statement on that row (moodle_drain it after reading), 0 no row, -1 error (s->err
 * says "cannot read <what>"). */
db_stmt *moodle_read_row(moodle_site *s, const char *sql, const char *what, int *found,
                         int64_t id);
/* Reads the first column of every row of a statement already run into a malloc'd
 * array (*ids NULL when there are none), all rows before anything else runs (MariaDB
 * allows one pending result per connection).  0, or -1 (s->err set, *ids freed). */
int moodle_read_ids(moodle_site *s, db_stmt *st, int64_t **ids, size_t *n);
/* Does `sql` (two integer parameters) return a row?  1 yes, 0 no, -1 error. */
int moodle_row_exists(moodle_site *s, const char *sql, int64_t a, int64_t b);

/* Runs an INSERT whose first parameter is the row id.  `sql_id` lists `id` first;
 * `sql_noid` is the same statement without it.  The caller passes `id` (from
 * moodle_reserve_id) as the first vararg, typed 'i' in `types`; when it is 0 the
 * database assigns the id (`sql_noid`, the first vararg is skipped).  Returns the id
 * of the new row, or -1 (s->err set). */
int64_t moodle_insert(moodle_site *s, const char *sql_id, const char *sql_noid,
                     const char *types, ...);
/* The same for a row written often (enrolments, role assignments, memberships): when
 * its id is reserved, the row is queued (db_insert_later) and goes in a multi-row INSERT
 * with the next ones; otherwise as moodle_insert. */
int64_t moodle_insert_later(moodle_site *s, const char *sql_id, const char *sql_noid,
                           const char *types, ...);
/* Reads the first column of every row of `st` (already run) into a malloc'd array the
 * caller frees, before anything else runs (MariaDB: one pending result per
 * connection).  0 or -1 (s->err set). */
int moodle_read_ids(moodle_site *s, db_stmt *st, int64_t **ids, size_t *n);
/* db_reserve_id(); -1 on error (s->err set). */
int64_t moodle_reserve_id(moodle_site *s, const char *table);

/* Runs a statement that returns nothing (UPDATE/DELETE); 0 or -1 (s->err set). */
int moodle_exec(moodle_site *s, const char *sql, const char *doing, const char *types, ...);

/* What an event needs to know about a context. */
typedef struct {
    int64_t id;
    int level;
    int64_t instanceid;
    int64_t courseid;        /* course of the context (0 above course level), as events */
    char path[256];
} moodle_ctx;

/* Reads a context by id.  0 found, 1 not found, -1 error. */
int moodle_ctx_get(moodle_site *s, int64_t contextid, moodle_ctx *out);
/* The course context of a course.  0 found, 1 not found, -1 error. */
int moodle_course_ctx(moodle_site *s, int64_t courseid, moodle_ctx *out);

/* Writes `str` as a JSON string (quotes included) into out; returns out. */
char *moodle_json_str(char *out, size_t outlen, const char *str);

/* accesslib/dirtyusers flag for a user (mark_user_dirty()). */
int moodle_mark_user_dirty(moodle_site *s, int64_t now, int64_t userid);

/* Shorthand for the events of this part: component core, edulevel 0 (LEVEL_OTHER),
 * target/action split from the class name as Moodle's event base does. */
int moodle_core_event(moodle_site *s, int64_t now, const char *name, const char *crud,
                const char *objecttable, int64_t objectid, const moodle_ctx *ctx,
                int64_t relateduserid, const char *other_json);

/* meta.c, for the writers: a (course, user) whose enrolments or course-level roles
 * changed, which enrol_meta's observers would sync to the child courses. */
int moodle_meta_note(moodle_site *s, int64_t courseid, int64_t userid);
/* A meta instance was added, deleted or changed: read them again when next needed. */
void moodle_meta_links_changed(moodle_site *s);
/* enrol_meta_sync(childcourseid): after a meta instance of it was added or changed. */
int moodle_meta_sync_course(moodle_site *s, int64_t now, int64_t childcourseid);
/* enrol_meta's observer of enrol_instance_updated: an instance of `courseid` changed,
 * every course with a meta link to it is synced. */
int moodle_meta_parent_changed(moodle_site *s, int64_t now, int64_t courseid);

/* cohortsync.c: enrol_cohort_sync() for one cohort instance (its course's sync after
 * add_instance() or update_status()). */
int moodle_cohort_sync_instance(moodle_site *s, int64_t now, int64_t enrolid);
/* cohorts.c: enrols a cohort member through one cohort instance as enrol_cohort's
 * observer does (role when it exists, group when it is the course's). */
int moodle_cohort_enrol_link(moodle_site *s, int64_t now, int64_t enrolid, int64_t courseid,
                             int64_t roleid, int64_t groupid, int64_t userid);

#endif
