/* Private helpers shared by enrol.c, roles.c, groups.c, cohorts.c and purge.c.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * struct moodle_site belongs to site.c; our prepared statements live in a small table
 * of our own, keyed by the site pointer (purge.c), and are prepared on first use.
 */
#ifndef TS_MOODLE_ENROL_INTERNAL_H
#define TS_MOODLE_ENROL_INTERNAL_H

#include "moodle/moodle_internal.h"
#include "moodle/enrol.h"

/* Moodle's front page course (SITEID); the API refuses to enrol into it. */
#define ENROL_SITEID 1

/* The prepared statement for `sql`, keyed by the address of the text: call it with a
 * string literal or a static array, never with a buffer.  NULL (s->err set) on failure. */
db_stmt *enrol_stmt(moodle_site *s, const char *sql);
/* Does `sql` (two integer parameters) return a row?  1 yes, 0 no, -1 error. */
int enrol_row_exists(moodle_site *s, const char *sql, int64_t a, int64_t b);

/* Runs an INSERT whose first parameter is the row id.  `sql_id` lists `id` first;
 * `sql_noid` is the same statement without it.  The caller passes `id` (from
 * enrol_reserve_id) as the first vararg, typed 'i' in `types`; when it is 0 the
 * database assigns the id (`sql_noid`, the first vararg is skipped).  Returns the id
 * of the new row, or -1 (s->err set). */
int64_t enrol_insert(moodle_site *s, const char *sql_id, const char *sql_noid,
                     const char *types, ...);
/* db_reserve_id(); -1 on error (s->err set). */
int64_t enrol_reserve_id(moodle_site *s, const char *table);

/* Runs a statement that returns nothing (UPDATE/DELETE); 0 or -1 (s->err set). */
int enrol_exec(moodle_site *s, const char *sql, const char *doing, const char *types, ...);

/* What an event needs to know about a context. */
typedef struct {
    int64_t id;
    int level;
    int64_t instanceid;
    int64_t courseid;        /* course of the context (0 above course level), as events */
    char path[256];
} enrol_ctx;

/* Reads a context by id.  0 found, 1 not found, -1 error. */
int enrol_context(moodle_site *s, int64_t contextid, enrol_ctx *out);
/* The course context of a course.  0 found, 1 not found, -1 error. */
int enrol_course_context(moodle_site *s, int64_t courseid, enrol_ctx *out);

/* An enrol instance and its course context. */
typedef struct {
    int64_t id;
    char enrol[24];          /* plugin name, varchar(20) */
    int64_t courseid;
    int status;
    int64_t roleid;
    int64_t customint1, customint2;
    enrol_ctx ctx;
} enrol_instance;

/* 0 found, 1 not found, -1 error. */
int enrol_instance_get(moodle_site *s, int64_t enrolid, enrol_instance *out);

/* Writes `str` as a JSON string (quotes included) into out; returns out. */
char *enrol_json_str(char *out, size_t outlen, const char *str);

/* accesslib/dirtyusers flag for a user (mark_user_dirty()). */
int enrol_mark_user_dirty(moodle_site *s, int64_t now, int64_t userid);

/* core_course_category::role_assignment_changed(): course contacts purge when the role
 * is a course contact role and the context is at or above course level. */
void enrol_role_changed(moodle_site *s, int64_t roleid, const enrol_ctx *ctx);

/* Shorthand for the events of this part: component core, edulevel 0 (LEVEL_OTHER),
 * target/action split from the class name as Moodle's event base does. */
int enrol_event(moodle_site *s, int64_t now, const char *name, const char *crud,
                const char *objecttable, int64_t objectid, const enrol_ctx *ctx,
                int64_t relateduserid, const char *other_json);

#endif
