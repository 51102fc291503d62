/* The template column (spec 10 §2.7): a course restored from another course or a .mbz
 * backup, by Moodle's restore controller through the bridge (op "course_restore" of
 * contrib/moodle/toolsync_bridge.php), after the batch commits.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "courses.h"

/* Appends ,"name":value for the fields the file gives (they win over the backup's). */
static size_t put_fields(const crec *c, char *buf, size_t size)
{
    size_t o = strlen(buf);
    for (int f = 0; f < CF_COUNT && o + 8 < size; f++) {
        if (f == CF_FORMAT || (!c->given[f] && f != CF_SHORTNAME && f != CF_FULLNAME))
            continue;
        o += (size_t)snprintf(buf + o, size - o, "%s\"%s\":", buf[o - 1] == '{' ? "" : ",",
                              CFIELDS[f].name);
        if (o >= size)
            break;
        if (CFIELDS[f].kind == FK_TEXT)
            U->json_string(buf, size, c->s[f]);
        else
            snprintf(buf + o, size - o, "%lld", (long long)c->i[f]);
        o = strlen(buf);
    }
    return o;
}

int template_queue(cstate *s, ts_row *r, const crec *c, int64_t catid, int64_t existing)
{
    const char *tpl = RT->value_at(r, (size_t)s->c_template);
    int mbz = strstr(tpl, ".mbz") != NULL;
    int64_t from = 0;
    if (!mbz) {
        from = R->course(s->run, TS_BY_SHORTNAME, tpl);
        if (from < 0 && from != TS_R_AMBIGUOUS)
            return -1;
        if (from <= 0) {
            RT->outcome(r, TS_ERROR, "errortemplatenotfound", "template",
                        "template course '%s' not found: course %s not %s", tpl,
                        c->s[CF_SHORTNAME], existing ? "restored" : "created");
            return 0;
        }
    }
    if (!B->configured(s->run)) {
        RT->outcome(r, TS_ERROR, "errortemplateunsupported", "template",
                    "restoring template '%s' needs Moodle's PHP: set moodle.dirroot (and "
                    "moodle.php) so that the bridge can run it; the line is in the tryback",
                    tpl);
        return 0;
    }
    size_t size = strlen(tpl) * 6 + 8192;
    for (int f = 0; f < CF_COUNT; f++)
        if (CFIELDS[f].kind == FK_TEXT && c->s[f])
            size += strlen(c->s[f]) * 6 + 40;
    char *args = malloc(size);
    int n = snprintf(args, size, "{\"target\":\"%s\",\"categoryid\":%lld,\"courseid\":%lld,",
                     !existing ? "new" : s->templatemode == 2 ? "deleting" : "adding",
                     (long long)catid, (long long)existing);
    if (mbz) {
        strcat(args, "\"backupfile\":");
        U->json_string(args, size, tpl);
    } else {
        snprintf(args + n, size - (size_t)n, "\"templateid\":%lld", (long long)from);
    }
    strcat(args, ",\"fields\":{");
    put_fields(c, args, size);
    strcat(args, "}}");
    int rc = B->queue(s->run, r, "course_restore", args);
    free(args);
    if (rc != 0)
        return -1;
    B->purge(s->run, "changesincourse");
    if (!existing)
        s->created++;
    RT->outcome(r, TS_OK, existing ? "courseupdated" : "coursecreated", "template",
                "course %s %s from template '%s' by Moodle after the batch",
                c->s[CF_SHORTNAME], existing ? "restored" : "created", tpl);
    return 0;
}
