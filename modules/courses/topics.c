/* topic0..topic52: section names and summaries (spec 10 §2.5, engine rules).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "name|summary" names section N (split at the first '|').  A section that does not
 * exist yet is created, with the empty ones below it: Moodle numbers sections without
 * gaps (course_create_sections_if_missing()), and so do we.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "courses.h"

static int last_section(cstate *s, int64_t courseid, int64_t *last)
{
    ts_stmt *st = SQL->prepare(s->run, "SELECT MAX(section) FROM {course_sections} "
                               "WHERE course = ?");
    if (!st || SQL->exec(st, "i", courseid) != 0 || SQL->next(st) < 0)
        return -1;
    *last = SQL->col_null(st, 0) ? -1 : SQL->col_int(st, 0);
    while (SQL->next(st) > 0)
        ;
    return 0;
}

static int section_name(cstate *s, int64_t courseid, int64_t ctx, int n, const char *name,
                        const char *summary)
{
    ts_stmt *st = summary
        ? SQL->prepare(s->run, "UPDATE {course_sections} SET name = ?, summary = ?, "
                       "timemodified = ? WHERE course = ? AND section = ?")
        : SQL->prepare(s->run, "UPDATE {course_sections} SET name = ?, timemodified = ? "
                       "WHERE course = ? AND section = ?");
    ts_stmt *id = SQL->prepare(s->run, "SELECT id FROM {course_sections} WHERE course = ? "
                               "AND section = ?");
    int64_t now = RT->now(s->run);
    if (!st || !id)
        return -1;
    if ((summary ? SQL->exec(st, "ssiii", name, summary, now, courseid, (int64_t)n)
                 : SQL->exec(st, "siii", name, now, courseid, (int64_t)n)) != 0)
        return -1;
    if (SQL->exec(id, "ii", courseid, (int64_t)n) != 0)
        return -1;
    int64_t sid = SQL->single_id(id);
    char other[40];
    snprintf(other, sizeof other, "{\"sectionnum\":%d}", n);
    return sid > 0 ? courses_event(s, "\\core\\event\\course_section_updated", "u",
                                   TS_EDU_TEACHING, "course_sections", sid, ctx, courseid,
                                   other)
                   : -1;
}

int topics_apply(cstate *s, ts_row *r, int64_t courseid, int64_t ctx, int creating)
{
    int64_t last;
    int done = 0;
    int any = 0;
    (void)creating;
    for (int n = 0; n < MAX_TOPICS && !any; n++)
        any = s->c_topic[n] >= 0;
    if (!any)
        return 0;   /* no topic column: no query */
    if (last_section(s, courseid, &last) != 0)
        return -1;
    for (int n = 0; n < MAX_TOPICS; n++) {
        if (s->c_topic[n] < 0)
            continue;
        const char *v = RT->value_at(r, (size_t)s->c_topic[n]);
        if (!v || !*v)
            continue;
        char *name = strdup(v), *summary = strchr(name, '|');
        if (summary)
            *summary++ = '\0';
        int rc = 0;
        for (; last < n - 1 && rc == 0; last++)
            rc = course_section_add(s, courseid, ctx, (int)last + 1, NULL, "") < 0 ? -1 : 0;
        if (rc == 0 && n > last) {
            rc = course_section_add(s, courseid, ctx, n, name, summary ? summary : "") < 0
                 ? -1 : 0;
            last = n;
        } else if (rc == 0) {
            rc = section_name(s, courseid, ctx, n, name, summary);
        }
        free(name);
        if (rc != 0) {
            RT->outcome(r, TS_ERROR, "errorsectioncreate", "topic",
                        "section %d could not be written", n);
            return -1;
        }
        done++;
    }
    return done;
}
