/* courses-reset (spec 10 §5): each line's reset options go to Moodle's
 * reset_course_userdata() through the bridge (op "course_reset"), which maps the values
 * (all/yes/1, role and module lists) to Moodle's options as §5.1 says.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "courses.h"

const ts_column COURSES_RESET_COLUMNS[] = {
    { "shortname", TS_COL_OPTIONAL, "identifier (fileresetidentifier = shortname)" },
    { "idnumber", TS_COL_OPTIONAL, "identifier (fileresetidentifier = idnumber)" },
    { "id", TS_COL_OPTIONAL, "identifier (fileresetidentifier = id)" },
    { "events", TS_COL_REQUIRED, "yes/1/all: calendar events" },
    { "logs", TS_COL_REQUIRED, "yes/1/all: logs" },
    { "notes", TS_COL_REQUIRED, "yes/1/all: notes" },
    { "grades", TS_COL_REQUIRED, "all, items or grades" },
    { "roles", TS_COL_REQUIRED, "all, or role shortnames whose holders are unenrolled" },
    { "local_roles", TS_COL_REQUIRED, "all, roles or overrides" },
    { "groups", TS_COL_REQUIRED, "all, groups or members" },
    { "groupings", TS_COL_REQUIRED, "all, groups or members" },
    { "modules", TS_COL_REQUIRED, "all, module names, or -names (all except)" },
    { "completion", TS_COL_OPTIONAL, "yes/1 (absent: yes)" },
    { "blog_associations", TS_COL_OPTIONAL, "yes/1 (absent: yes)" },
    { "comments", TS_COL_OPTIONAL, "yes/1 (absent: yes)" },
    { "forum_all", TS_COL_OPTIONAL, "1" }, { "forum_subscriptions", TS_COL_OPTIONAL, "1" },
    { "glossary_all", TS_COL_OPTIONAL, "1" }, { "chat", TS_COL_OPTIONAL, "1" },
    { "data", TS_COL_OPTIONAL, "1" }, { "slots", TS_COL_OPTIONAL, "1" },
    { "apointments", TS_COL_OPTIONAL, "1" }, { "assignment_submissions", TS_COL_OPTIONAL, "1" },
    { "assign_submissions", TS_COL_OPTIONAL, "1" }, { "survey_answers", TS_COL_OPTIONAL, "1" },
    { "lesson", TS_COL_OPTIONAL, "1" }, { "choice", TS_COL_OPTIONAL, "1" },
    { "scorm", TS_COL_OPTIONAL, "1" }, { "quiz_attempts", TS_COL_OPTIONAL, "1" },
    { NULL, 0, NULL },
};

int reset_begin(cstate *s)
{
    const char *name = courses_ident_name(s->ident);
    if (RT->column_index(s->run, name) < 0) {
        RT->file_outcome(s->run, TS_ERROR, "missingidentifier", name,
                         "the reset file needs the identifier column %s "
                         "(fileresetidentifier)", name);
        return -1;
    }
    return 0;
}

/* {"courseid":N,"options":{"<column>":"<value>",...}} of every column but the identifiers. */
static char *reset_args(ts_run *run, ts_row *r, int64_t id)
{
    size_t n = RT->ncolumns(run), size = 64;
    for (size_t i = 0; i < n; i++)
        size += strlen(RT->column_name(run, i)) + strlen(RT->value_at(r, i)) * 6 + 8;
    char *args = malloc(size);
    snprintf(args, size, "{\"courseid\":%lld,\"options\":{", (long long)id);
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        const char *col = RT->column_name(run, i);
        if (!strcmp(col, "shortname") || !strcmp(col, "idnumber") || !strcmp(col, "id"))
            continue;
        if (!first)
            strcat(args, ",");
        first = 0;
        U->json_string(args, size, col);
        strcat(args, ":");
        U->json_string(args, size, RT->value_at(r, i));
    }
    strcat(args, "}}");
    return args;
}

int reset_row(ts_run *run, void *st, ts_row *r)
{
    cstate *s = st;
    const char *key = RT->value(r, courses_ident_name(s->ident));
    int64_t id = courses_find(s, r, key, "unknownshortname", NULL);
    if (id <= 0)
        return id < 0 ? TS_ERR : TS_DONE;
    if (!B->configured(run)) {
        RT->outcome(r, TS_ERROR, "errorbridgenotconfigured", NULL, "resetting course %s needs "
                    "Moodle's reset_course_userdata(); set moodle.dirroot so that the bridge "
                    "can run it; the line is in the tryback", key);
        return TS_DONE;
    }
    char *args = reset_args(run, r, id);
    int rc = B->queue(run, r, "course_reset", args);
    free(args);
    if (rc != 0)
        return TS_ERR;
    RT->outcome(r, TS_OK, "resettingcourse", NULL, "course %s reset by Moodle after the batch",
                key);
    return TS_DONE;
}
