/* A fresh course as create_course() leaves it (moodle-writes §1.6, spec 10 §2.4): the
 * course row in its category's block, its context, coursecount, sections 0..numsections,
 * format options, the default enrol instances, cacherev and the events.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Not written: the Announcements forum that mod_forum's observer of course_created adds
 * (forum_get_course_forum() creates it the first time something asks for it, §3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "courses.h"

#define FORMAT_HTML 1

static int64_t insert_row(cstate *s, const crec *c, int64_t catid, int64_t sortorder)
{
    char sql[1400];
    int64_t now = RT->now(s->run);
    int64_t id = SQL->reserve_id(s->run, "course");
    if (id < 0)
        return -1;
    snprintf(sql, sizeof sql, "INSERT INTO {course} (%scategory, sortorder, fullname, "
             "shortname, idnumber, summary, summaryformat, format, showgrades, newsitems, "
             "startdate, enddate, marker, maxbytes, legacyfiles, showreports, visible, "
             "visibleold, groupmode, groupmodeforce, defaultgroupingid, lang, calendartype, "
             "theme, timecreated, timemodified, enablecompletion, cacherev%s%s) VALUES "
             "(%s?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, "
             "?, ?, ?%s%s)", id ? "id, " : "",
             s->has_activitydates ? ", showactivitydates" : "",
             s->has_completionconditions ? ", showcompletionconditions" : "",
             id ? "?, " : "", s->has_activitydates ? ", ?" : "",
             s->has_completionconditions ? ", ?" : "");
    ts_value v[32];
    char types[33];
    int n = 0;
#define PUT_I(x) (types[n] = 'i', v[n++].i = (x))
#define PUT_S(x) (types[n] = 's', v[n++].s = (x))
    if (id)
        PUT_I(id);
    PUT_I(catid);
    PUT_I(sortorder);
    PUT_S(c->s[CF_FULLNAME]);
    PUT_S(c->s[CF_SHORTNAME]);
    PUT_S(c->s[CF_IDNUMBER]);
    PUT_S(c->s[CF_SUMMARY]);
    PUT_I(FORMAT_HTML);
    PUT_S(c->s[CF_FORMAT]);
    static const int ints[] = { CF_SHOWGRADES, CF_NEWSITEMS, CF_STARTDATE, CF_ENDDATE,
                                CF_MARKER, CF_MAXBYTES, CF_LEGACYFILES, CF_SHOWREPORTS,
                                CF_VISIBLE, CF_VISIBLEOLD, CF_GROUPMODE, CF_GROUPMODEFORCE,
                                CF_DEFAULTGROUPINGID };
    for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++)
        PUT_I(c->i[ints[k]]);
    PUT_S(c->s[CF_LANG]);
    PUT_S(c->s[CF_THEME]);
    PUT_I(c->i[CF_TIMECREATED]);
    PUT_I(c->i[CF_TIMEMODIFIED]);
    PUT_I(c->i[CF_ENABLECOMPLETION]);
    PUT_I(now);   /* cacherev: a new course's revision is simply now */
    if (s->has_activitydates)
        PUT_I(c->i[CF_SHOWACTIVITYDATES]);
    if (s->has_completionconditions)
        PUT_I(c->i[CF_SHOWCOMPLETIONCONDITIONS]);
#undef PUT_I
#undef PUT_S
    types[n] = '\0';
    ts_stmt *st = SQL->prepare(s->run, sql);
    if (!st || SQL->exec_array(st, types, v) != 0)
        return -1;
    return id ? id : SQL->last_id(st);
}

/* One section, as course_create_section() writes it, with its event. */
int64_t course_section_add(cstate *s, int64_t courseid, int64_t ctx, int section,
                           const char *name, const char *summary)
{
    int64_t id = SQL->reserve_id(s->run, "course_sections");
    if (id < 0)
        return -1;
    ts_stmt *st = SQL->prepare(s->run, id
        ? "INSERT INTO {course_sections} (id, course, section, name, summary, summaryformat, "
          "sequence, visible, timemodified) VALUES (?, ?, ?, ?, ?, 1, '', 1, ?)"
        : "INSERT INTO {course_sections} (course, section, name, summary, summaryformat, "
          "sequence, visible, timemodified) VALUES (?, ?, ?, ?, 1, '', 1, ?)");
    if (!st)
        return -1;
    int64_t now = RT->now(s->run);
    int rc = id ? SQL->exec(st, "iiissi", id, courseid, (int64_t)section, name,
                            summary ? summary : "", now)
                : SQL->exec(st, "iissi", courseid, (int64_t)section, name,
                            summary ? summary : "", now);
    if (rc != 0)
        return -1;
    if (!id)
        id = SQL->last_id(st);
    char other[40];
    snprintf(other, sizeof other, "{\"sectionnum\":%d}", section);
    if (courses_event(s, "\\core\\event\\course_section_created", "c", TS_EDU_TEACHING,
                      "course_sections", id, ctx, courseid, other) != 0)
        return -1;
    return id;
}

/* A new course's sections 0..last, as create_course() writes them: with ids the
 * database hands out ahead (PostgreSQL), one multi-row INSERT instead of one per
 * section; otherwise one at a time.  Each gets its course_section_created event.
 * 0, or -1. */
#define SECTIONS_PER_INSERT 16
static int sections_add(cstate *s, int64_t courseid, int64_t ctx, int last)
{
    int64_t ids[SECTIONS_PER_INSERT];
    for (int first = 0; first <= last; first += SECTIONS_PER_INSERT) {
        int k = last - first + 1 < SECTIONS_PER_INSERT ? last - first + 1
                                                       : SECTIONS_PER_INSERT;
        int reserved = 1;
        for (int i = 0; i < k && reserved; i++)
            reserved = (ids[i] = SQL->reserve_id(s->run, "course_sections")) > 0;
        if (!reserved) {   /* no ids ahead (MariaDB, SQLite): one INSERT each */
            for (int n = first; n <= last; n++)
                if (course_section_add(s, courseid, ctx, n, NULL, "") < 0)
                    return -1;
            return 0;
        }
        char sql[160 + SECTIONS_PER_INSERT * 40];
        size_t o = (size_t)snprintf(sql, sizeof sql, "INSERT INTO {course_sections} (id, course, "
                                    "section, name, summary, summaryformat, sequence, visible, "
                                    "timemodified) VALUES ");
        ts_value v[SECTIONS_PER_INSERT * 4];
        char types[SECTIONS_PER_INSERT * 4 + 1];
        int64_t now = RT->now(s->run);
        for (int i = 0; i < k; i++) {
            o += (size_t)snprintf(sql + o, sizeof sql - o, "%s(?, ?, ?, NULL, '', 1, '', 1, ?)",
                                  i ? ", " : "");
            v[4 * i].i = ids[i];
            v[4 * i + 1].i = courseid;
            v[4 * i + 2].i = first + i;
            v[4 * i + 3].i = now;
            memcpy(types + 4 * i, "iiii", 4);
        }
        types[4 * k] = '\0';
        ts_stmt *st = SQL->prepare(s->run, sql);
        if (!st || SQL->exec_array(st, types, v) != 0)
            return -1;
        for (int i = 0; i < k; i++) {
            char other[40];
            snprintf(other, sizeof other, "{\"sectionnum\":%d}", first + i);
            if (courses_event(s, "\\core\\event\\course_section_created", "c",
                              TS_EDU_TEACHING, "course_sections", ids[i], ctx, courseid,
                              other) != 0)
                return -1;
        }
    }
    return 0;
}

/* The options create_course() stores for the core formats that have them. */
static int format_options(cstate *s, int64_t courseid, const crec *c)
{
    const char *fmt = c->s[CF_FORMAT];
    int weeks = !strcmp(fmt, "weeks");
    if (!weeks && strcmp(fmt, "topics") != 0)
        return 0;
    /* One statement for the two (weeks: three) rows. */
    ts_stmt *st = SQL->prepare(s->run, weeks
        ? "INSERT INTO {course_format_options} (courseid, format, sectionid, name, value) "
          "VALUES (?, ?, 0, ?, ?), (?, ?, 0, ?, ?), (?, ?, 0, ?, ?)"
        : "INSERT INTO {course_format_options} (courseid, format, sectionid, name, value) "
          "VALUES (?, ?, 0, ?, ?), (?, ?, 0, ?, ?)");
    char hidden[8], display[8];
    snprintf(hidden, sizeof hidden, "%d", s->def_hiddensections);
    snprintf(display, sizeof display, "%d", c->coursedisplay);
    int rc = !st ? -1 : weeks
        ? SQL->exec(st, "isssisssisss", courseid, fmt, "hiddensections", hidden, courseid, fmt,
                    "coursedisplay", display, courseid, fmt, "automaticenddate", "1")
        : SQL->exec(st, "isssisss", courseid, fmt, "hiddensections", hidden, courseid, fmt,
                    "coursedisplay", display);
    return rc != 0 ? -1 : 0;
}

static int created_event(cstate *s, int64_t id, int64_t ctx, const crec *c)
{
    char *other = courses_names_json(c);
    int rc = courses_event(s, "\\core\\event\\course_created", "c", TS_EDU_TEACHING, "course",
                           id, ctx, id, other);
    free(other);
    return rc;
}

int64_t course_insert(cstate *s, ts_row *r, const crec *c, int64_t catid)
{
    int64_t sortorder;
    int rc = category_place(s, catid, &sortorder);
    if (rc != 0) {
        if (rc == -2)
            RT->outcome(r, TS_ERROR, "errorcategoryfull", "category",
                        "category %lld already holds %d courses, Moodle's limit",
                        (long long)catid, COURSE_BLOCK - 1);
        return -1;
    }
    int64_t id = insert_row(s, c, catid, sortorder);
    if (id <= 0)
        return -1;
    int64_t parent = M->context_id(s->run, TS_CTX_COURSECAT, catid);
    int64_t ctx = parent > 0 ? M->context_create(s->run, TS_CTX_COURSE, id, parent) : -1;
    if (ctx <= 0) {
        if (parent == 0)
            RT->outcome(r, TS_ERROR, "errorcoursemisconfiguration", "category",
                        "category %lld has no context", (long long)catid);
        return -1;
    }
    if (category_count(s, catid, 1) != 0)
        return -1;
    if (sections_add(s, id, ctx, s->def_numsections) < 0) {
        RT->outcome(r, TS_ERROR, "errorsectioncreate", NULL,
                    "sections 0 to %d could not be created", s->def_numsections);
        return -1;
    }
    if (format_options(s, id, c) != 0)
        return -1;
    /* A course just inserted has no instance: the core need not read for it (the
     * module asks for enrol version 3, which has instance_add_defaults_new). */
    if (E->instance_add_defaults_new(s->run, id) < 0)
        return -1;
    /* Last, as create_course() triggers it once the course is complete. */
    return created_event(s, id, ctx, c) == 0 ? id : -1;
}
