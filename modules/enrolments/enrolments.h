/* The enrolments module's internal interface: services, per-file state, shared helpers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Spec: shared/spec/40-enrolments.md (enrols.csv), 60-groups.md (groups.csv,
 * groupmembers.csv), moodle-writes.md §1.7-1.12.  The module reaches Moodle only through
 * the SDK services; every write is one of the core's writers.
 */
#ifndef TS_ENROLMENTS_H
#define TS_ENROLMENTS_H

#include <stddef.h>
#include <stdint.h>
#include <toolsync/toolsync.h>

extern const ts_runtime *RT;
extern const ts_sql_api *SQL;
extern const ts_moodle_api *M;
extern const ts_resolve_api *R;
extern const ts_enrol_api *E;
extern const ts_groups_api *G;
extern const ts_util_api *U;

/* Which handler a state belongs to. */
enum { HK_ENROLS = 1, HK_GROUPS, HK_MEMBERS };

/* enrols.csv commands. */
enum { CMD_ADD = 1, CMD_DEL, CMD_SHIFT, CMD_ENABLE, CMD_DISABLE };
/* groupmembers.csv commands (CMD_ADD, CMD_DEL and CMD_SHIFT). */

/* What `del` does with an enrolment (enrolments.delmode, as enrol_flatfile's
 * unenrolaction). */
enum { DEL_UNENROL = 1, DEL_SUSPEND, DEL_SUSPENDNOROLES, DEL_ROLE };

/* Group commands of enrols.csv. */
enum { GCMD_NONE = 0, GCMD_ADD, GCMD_ADDCREATE, GCMD_REPLACE, GCMD_REPLACECREATE, GCMD_DEL };

#define NGCOLS 9

typedef struct en_state {
    ts_run *run;
    ts_row *row;            /* the row being applied: outcomes go there                  */
    int kind;
    int64_t mnethost;

    /* identifiers */
    ts_by course_by, user_by, group_by, grouping_by;

    /* options */
    int delmode, protectgroups, enableondisabled, fallback, purge;
    const char *defaultcmd;
    const char *component;  /* group memberships: "tool_sync" or ""                     */

    /* header indexes (-1: absent) */
    long c_cmd, c_course, c_user, c_role, c_enrol, c_start, c_end, c_gcmd, c_g[NGCOLS];
    long c_name, c_type, c_idnumber, c_updateid, c_selfgrouping, c_grouping, c_description,
         c_group;

    ts_map *assignable;     /* role id -> (void*)1 assignable in courses, (void*)2 not   */
    ts_map *courses;        /* groupmembers: course ids the file named (purge)...         */
    int64_t *purge_ids;     /* ... in the order first named                               */
    size_t npurge;
    long c_visibility, c_participation;
} en_state;

/* --- common.c ---------------------------------------------------------------------------- */
#define say(s, ...) RT->outcome((s)->row, __VA_ARGS__)
ts_stmt *Q(en_state *s, const char *sql);
/* The trimmed cell of a header column, "" when the column is absent. */
const char *cell(const en_state *s, long col);
long column(ts_run *run, const char *name);
ts_by by_option(const char *v);
/* Every id the first column of the statement's rows holds (malloc'd).  0 or -1. */
int read_ids(ts_stmt *st, int64_t **ids, size_t *n);

/* Lookups that record an ERROR with the spec's key and answer -1, or 0 with the id. */
int find_user(en_state *s, long col, int64_t *uid);
int find_course(en_state *s, long col, int64_t *courseid);
/* Prefetches the batch's accounts and courses (one query each per hundred keys). */
int prefetch_keys(en_state *s, ts_row *const *rows, size_t n, long ucol, long ccol);

/* Has the user an enrolment (any status) in the course?  1, 0, -1. */
int is_enrolled(en_state *s, int64_t courseid, int64_t userid);
/* The user's memberships of the course's groups (component NULL: any owner). */
int user_groups(en_state *s, int64_t courseid, int64_t userid, const char *component,
                int64_t **ids, size_t *n);
/* Is the user a member of the group with that component (NULL: any)?  1, 0, -1. */
int is_member(en_state *s, int64_t groupid, int64_t userid, const char *component);

/* --- enrols.c, enrolcmd.c, gcols.c ---------------------------------------------------------- */
int enrols_begin(en_state *s);
int enrols_prefetch(ts_run *run, void *state, ts_row *const *rows, size_t n);
int enrols_row(ts_run *run, void *state, ts_row *row);

/* One enrols.csv line, resolved. */
typedef struct {
    int cmd;
    int64_t userid, courseid, roleid, enrolid, coursectx;
    int64_t start, end;
    int has_start, has_end;     /* the cells were given                                  */
    const char *method;         /* NULL: no enrol column (pure role assignment)         */
    const char *rolename, *course, *user;
} enrol_line;

int cmd_add(en_state *s, const enrol_line *l);
int cmd_del(en_state *s, const enrol_line *l);
int cmd_shift(en_state *s, const enrol_line *l);
int cmd_status(en_state *s, const enrol_line *l);
int gcols_begin(en_state *s);
int gcols_apply(en_state *s, const enrol_line *l);

/* --- groupdefs.c, members.c ------------------------------------------------------------------ */
int groups_begin(en_state *s);
int groups_row(ts_run *run, void *state, ts_row *row);
int members_begin(en_state *s);
int members_row(ts_run *run, void *state, ts_row *row);
int members_end(ts_run *run, void *state);

#endif
