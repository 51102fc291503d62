/* courses-metas (spec 10 §6, engine rules): add or disable the enrol_meta instance of a
 * meta course pulling from a master course, through the enrol service (which enrols the
 * master's participants as enrol_meta's sync does).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <string.h>
#include "courses.h"

static int64_t course_of(cstate *s, ts_row *r, const char *column)
{
    return courses_find(s, r, RT->value(r, column), "errornocourse", column);
}

/* The link's instance: > 0 (*status set), 0 none, -1 error. */
static int64_t link_of(cstate *s, int64_t master, int64_t meta, int *status)
{
    ts_stmt *st = SQL->prepare(s->run, "SELECT id, status FROM {enrol} WHERE enrol = 'meta' "
                               "AND courseid = ? AND customint1 = ? ORDER BY id");
    if (!st || SQL->exec(st, "ii", meta, master) != 0)
        return -1;
    int rc = SQL->next(st);
    if (rc <= 0)
        return rc;
    int64_t id = SQL->col_int(st, 0);
    *status = (int)SQL->col_int(st, 1);
    while (SQL->next(st) > 0)
        ;
    return id;
}

static int add(cstate *s, ts_row *r, int64_t master, int64_t meta, int64_t link, int status)
{
    const char *from = RT->value(r, "master"), *to = RT->value(r, "meta");
    if (link > 0) {
        if (status == TS_INSTANCE_ENABLED) {
            RT->outcome(r, TS_SKIP, "metalinkrevived", NULL, "%s already pulls from %s", to,
                        from);
            return TS_DONE;
        }
        if (E->instance_set_status(s->run, link, TS_INSTANCE_ENABLED) < 0)
            return TS_ERR;
        RT->outcome(r, TS_OK, "metalinkrevived", NULL, "meta link %s <- %s enabled again", to,
                    from);
        return TS_DONE;
    }
    ts_enrol_instance i = { TS_ENROL_INSTANCE_HEADER, .courseid = meta, .enrol = "meta",
                            .status = TS_INSTANCE_ENABLED, .customint1 = master };
    int64_t id = E->instance_add(s->run, &i);
    if (id <= 0)
        return TS_ERR;
    RT->outcome(r, TS_OK, "metalinkcreated", NULL, "meta link %s <- %s created (instance "
                "%lld)", to, from, (long long)id);
    return TS_DONE;
}

int metas_row(ts_run *run, void *st, ts_row *r)
{
    cstate *s = st;
    const char *cmd = RT->value(r, "cmd");
    (void)run;
    if (!cmd || !*cmd)
        cmd = "add";
    if (strcmp(cmd, "add") != 0 && strcmp(cmd, "del") != 0) {
        RT->outcome(r, TS_ERROR, "errorbadcmd", "cmd", "unknown command '%s' (add or del)", cmd);
        return TS_DONE;
    }
    int64_t master = course_of(s, r, "master");
    if (master <= 0)
        return master < 0 ? TS_ERR : TS_DONE;
    int64_t meta = course_of(s, r, "meta");
    if (meta <= 0)
        return meta < 0 ? TS_ERR : TS_DONE;
    if (master == meta || meta == TS_SITE_COURSE_ID || master == TS_SITE_COURSE_ID) {
        RT->outcome(r, TS_ERROR, "errormetaself", NULL, "a course cannot be linked to %s",
                    master == meta ? "itself" : "the front page");
        return TS_DONE;
    }
    int status = 0;
    int64_t link = link_of(s, master, meta, &status);
    if (link < 0)
        return TS_ERR;
    if (!strcmp(cmd, "add"))
        return add(s, r, master, meta, link, status);
    if (link == 0 || status != TS_INSTANCE_ENABLED) {
        RT->outcome(r, TS_SKIP, "metalinkdisabled", NULL, "%s does not pull from %s",
                    RT->value(r, "meta"), RT->value(r, "master"));
        return TS_DONE;
    }
    if (E->instance_set_status(s->run, link, TS_INSTANCE_DISABLED) < 0)
        return TS_ERR;
    RT->outcome(r, TS_OK, "metalinkdisabled", NULL, "meta link %s <- %s disabled",
                RT->value(r, "meta"), RT->value(r, "master"));
    return TS_DONE;
}
