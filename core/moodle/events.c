/* Events: the {logstore_standard_log} row Moodle's standard log store writes.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rows as an admin CLI script leaves them (spec moodle-writes §0.1): origin "cli",
 * ip NULL, realuserid NULL, anonymous 0, userid = the acting admin.  The store logs
 * everything in CLI (its logguests filter only applies to web requests).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "moodle/moodle_internal.h"

int moodle_event(moodle_site *s, int64_t now, const char *eventname, const char *target,
                 const char *action, const char *crud, int edulevel,
                 const char *objecttable, int64_t objectid, int64_t contextid,
                 int contextlevel, int64_t contextinstanceid, int64_t courseid,
                 int64_t relateduserid, const char *other_json)
{
    s->err[0] = '\0';
    if (!s->log_standard)
        return 0;
    if (!eventname || !*eventname)
        return moodle_fail(s, "event without a name");

    /* Event class names are fully qualified with a leading backslash; the component
     * is their first namespace (\core\event\user_created -> core). */
    char name[256], component[101];
    if (eventname[0] == '\\')
        snprintf(name, sizeof name, "%s", eventname);
    else
        snprintf(name, sizeof name, "\\core\\event\\%s", eventname);
    const char *c0 = name + 1;
    size_t clen = strcspn(c0, "\\");
    if (clen == 0 || clen >= sizeof component || c0[clen] != '\\')
        return moodle_fail(s, "bad event name %s", eventname);
    memcpy(component, c0, clen);
    component[clen] = '\0';

    char *other = moodle_php_other(other_json, s->log_json, s->err, sizeof s->err);
    if (!other)
        return -1;

    db_stmt *st = moodle_stmt(s, &s->st_log_insert,
        "INSERT INTO {logstore_standard_log} (eventname, component, action, target, "
        "objecttable, objectid, crud, edulevel, contextid, contextlevel, contextinstanceid, "
        "userid, courseid, relateduserid, anonymous, other, timecreated, origin, ip, "
        "realuserid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, NULL, NULL)");
    if (!st) {
        free(other);
        return -1;
    }
    /* NULL where Moodle's event leaves the property unset. */
    int r;
    const char *origin = "cli";
    int64_t el = edulevel, cl = contextlevel;
    if (objecttable && relateduserid > 0)
        r = db_exec(st, "sssssisiiiiiiisis", name, component, action, target, objecttable,
                    objectid, crud, el, contextid, cl, contextinstanceid, s->admin_id,
                    courseid, relateduserid, other, now, origin);
    else if (objecttable)
        r = db_exec(st, "sssssisiiiiiinsis", name, component, action, target, objecttable,
                    objectid, crud, el, contextid, cl, contextinstanceid, s->admin_id,
                    courseid, other, now, origin);
    else if (relateduserid > 0)
        r = db_exec(st, "ssssnnsiiiiiiisis", name, component, action, target,
                    crud, el, contextid, cl, contextinstanceid, s->admin_id,
                    courseid, relateduserid, other, now, origin);
    else
        r = db_exec(st, "ssssnnsiiiiiinsis", name, component, action, target,
                    crud, el, contextid, cl, contextinstanceid, s->admin_id,
                    courseid, other, now, origin);
    free(other);
    if (r != 0)
        return moodle_fail_db(s, "cannot log an event");
    return 0;
}
