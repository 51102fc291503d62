/* The courses module's internal interface: services, the course record, handler state.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Spec: shared/spec/10-courses.md ("Engine" rules), moodle-writes.md §1.4-1.6, §2, §4.
 * The module talks to the core only through the runtime and the services below.
 */
#ifndef TS_COURSES_H
#define TS_COURSES_H

#include <stddef.h>
#include <stdint.h>
#include <toolsync/toolsync.h>

extern const ts_runtime *RT;
extern const ts_sql_api *SQL;
extern const ts_moodle_api *M;
extern const ts_resolve_api *R;
extern const ts_enrol_api *E;
extern const ts_bridge_api *B;
extern const ts_util_api *U;

/* Moodle's MAX_COURSES_IN_CATEGORY: each category owns a block of sort orders. */
#define COURSE_BLOCK 10000
#define MAX_TOPICS 53          /* topic0 .. topic52 */

/* ------------------------------------------------------------------------------------
 * The columns of {course} a file may set (fields.c), in the order of the INSERT.
 * ---------------------------------------------------------------------------------- */
enum {
    CF_FULLNAME, CF_SHORTNAME, CF_IDNUMBER, CF_SUMMARY, CF_FORMAT, CF_SORTORDER,
    CF_SHOWGRADES, CF_NEWSITEMS, CF_STARTDATE, CF_ENDDATE, CF_MARKER, CF_MAXBYTES,
    CF_LEGACYFILES, CF_SHOWREPORTS, CF_VISIBLE, CF_VISIBLEOLD, CF_GROUPMODE,
    CF_GROUPMODEFORCE, CF_DEFAULTGROUPINGID, CF_LANG, CF_THEME, CF_TIMECREATED,
    CF_TIMEMODIFIED, CF_ENABLECOMPLETION, CF_SHOWACTIVITYDATES,
    CF_SHOWCOMPLETIONCONDITIONS,
    CF_COUNT
};

enum { FK_TEXT = 1, FK_INT, FK_BOOL, FK_DATE };

typedef struct {
    const char *name;
    int kind;               /* FK_*                                                 */
    int64_t min, max;       /* FK_INT bounds                                        */
    int maxlen;             /* FK_TEXT: characters, 0 = unlimited                   */
    int infile;             /* may come from the file                               */
} cfield;

extern const cfield CFIELDS[CF_COUNT];

/* One course as a line wants it: the site defaults, then the file's values. */
typedef struct {
    unsigned char given[CF_COUNT];   /* the column is in the file               */
    int64_t i[CF_COUNT];             /* FK_INT, FK_BOOL, FK_DATE                */
    const char *s[CF_COUNT];         /* FK_TEXT (the row's or the state's text) */
    int coursedisplay;               /* format option                           */
    int coursedisplay_given;
} crec;

/* ------------------------------------------------------------------------------------
 * Handler state.
 * ---------------------------------------------------------------------------------- */
enum { HK_CREATE = 1, HK_DELETE, HK_CHECK, HK_RESET, HK_METAS };
enum { CI_ID = 1, CI_IDNUMBER, CI_SHORTNAME };

/* A category this file put courses into: where its next course goes. */
typedef struct {
    int64_t sortorder;      /* the category's own                                  */
    int64_t next;           /* the next course's sortorder                         */
} catslot;

typedef struct {
    ts_run *run;
    int kind;
    int ident;              /* CI_*: how lines name courses                        */
    ts_db_kind db;
    /* courses: options */
    int catbyidnumber, newcatvisible, protectcategory, forceupdate, templatemode;
    int fullname_max;       /* 254, or 1333 from Moodle 4.5 (2024111500)          */
    int has_activitydates, has_completionconditions;
    /* header binding */
    long c_field[CF_COUNT];
    long c_id, c_category, c_self, c_guest, c_template, c_coursedisplay;
    long c_topic[MAX_TOPICS];
    long c_teacher_account[100], c_teacher_role[100];
    int nteachers;
    /* site defaults (moodlecourse) */
    crec defaults;
    char def_format[32], def_lang[32];
    int def_numsections, def_hiddensections;
    int64_t default_category;
    /* categories of this batch: id -> catslot*; dropped on rollback */
    ts_map *cats;
    /* courses: the batch's shortnames ('s') and idnumbers ('i') -> id; refilled by
     * each prefetch (also before a replay), dropped on rollback */
    ts_map *keys;
    /* counters for the summary */
    long created, updated, existing, catcreated;
    /* courses-reset */
    long c_resetcol[40];
} cstate;

/* module.c */
int courses_event(cstate *s, const char *name, const char *crud, int edulevel,
                  const char *table, int64_t objectid, int64_t ctx, int64_t courseid,
                  const char *other_json);
/* A course by the file's identifier (ident): > 0, 0 none, < 0 error/ambiguous. */
int64_t courses_lookup(cstate *s, int ident, const char *key);
const char *courses_ident_name(int ident);
/* The course a line names: > 0; 0 with an ERROR on the row (`missing` key when there is
 * none, nonuniqueidentifierexception when several); -1 database error. */
int64_t courses_find(cstate *s, ts_row *r, const char *key, const char *missing,
                     const char *column);
/* {"shortname":…,"fullname":…} of the course events (malloc'd). */
char *courses_names_json(const crec *c);
void courses_drop_cats(cstate *s);

/* fields.c: header binding, defaults, the record of one line */
int fields_begin(cstate *s);
int fields_read(cstate *s, ts_row *r, crec *c);
extern const ts_column COURSES_CREATE_COLUMNS[];

/* category.c: the category column and the course's place in its category */
/* The row's category: > 0; 0 when an update names none; -1 (reason on the row). */
int64_t category_of_row(cstate *s, ts_row *r, int creating, int *created);
int category_place(cstate *s, int64_t catid, int64_t *sortorder);
int category_count(cstate *s, int64_t catid, int delta);

/* newcourse.c */
int64_t course_insert(cstate *s, ts_row *r, const crec *c, int64_t catid);
int64_t course_section_add(cstate *s, int64_t courseid, int64_t ctx, int section,
                           const char *name, const char *summary);
/* topics.c */
int topics_apply(cstate *s, ts_row *r, int64_t courseid, int64_t ctx, int creating);
/* enrols.c: self/guest, teachers */
int enrols_apply(cstate *s, ts_row *r, int64_t courseid, int creating);
int teachers_apply(cstate *s, ts_row *r, int64_t courseid, int64_t ctx);
int teachers_check(cstate *s, ts_row *r);
/* update.c: catid > 0 moves the course (unless protectcategory) */
int course_update(cstate *s, ts_row *r, const crec *c, int64_t courseid, int64_t catid);
int course_bump_cacherev(cstate *s, int64_t courseid);
/* create.c */
int create_row(ts_run *run, void *st, ts_row *r);
int create_prefetch(ts_run *run, void *st, ts_row *const *rows, size_t n);
/* template.c */
int template_queue(cstate *s, ts_row *r, const crec *c, int64_t catid, int64_t existing);

/* delete.c, check.c, reset.c, metas.c */
int delete_row(ts_run *run, void *st, ts_row *r);
int check_row(ts_run *run, void *st, ts_row *r);
int reset_begin(cstate *s);
int reset_row(ts_run *run, void *st, ts_row *r);
int metas_row(ts_run *run, void *st, ts_row *r);
extern const ts_column COURSES_RESET_COLUMNS[];

#endif
