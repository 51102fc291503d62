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

#define LOG_INSERT "INSERT INTO {logstore_standard_log} (eventname, component, action, " \
    "target, objecttable, objectid, crud, edulevel, contextid, contextlevel, " \
    "contextinstanceid, userid, courseid, relateduserid, anonymous, other, timecreated, " \
    "origin, ip, realuserid) VALUES " \
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, NULL, NULL)"

/* Contexts whose path waits; the events themselves are queued in the SQL layer
 * (db_insert_later), which sends them many rows per INSERT before the commit. */
int moodle_flush(moodle_site *s)
{
    return moodle_ctx_flush(s);
}

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

    /* Without them, target and action come from the class name as \core\event\base
     * splits it: user_password_updated -> target user_password, action updated. */
    char dtarget[128] = "", daction[64] = "";
    if (!target || !action) {
        const char *base = strrchr(name, '\\') + 1, *us = strrchr(base, '_');
        size_t tl = us ? (size_t)(us - base) : strlen(base);
        snprintf(dtarget, sizeof dtarget, "%.*s", (int)(tl < sizeof dtarget ? tl : sizeof dtarget - 1),
                 base);
        snprintf(daction, sizeof daction, "%s", us ? us + 1 : "");
        target = target ? target : dtarget;
        action = action ? action : daction;
    }

    char *other = moodle_php_other(other_json, s->log_json, s->err, sizeof s->err);
    if (!other)
        return -1;

    /* The 17 values; NULL where Moodle's event leaves the property unset. */
    char types[] = "sssssisiiiiiiisis";
    if (!objecttable)
        types[4] = types[5] = 'n';
    if (relateduserid <= 0)
        types[13] = 'n';
    db_arg a[17];
    a[0].s = name; a[1].s = component; a[2].s = action ? action : "";
    a[3].s = target ? target : ""; a[4].s = objecttable; a[5].i = objectid;
    a[6].s = crud ? crud : ""; a[7].i = edulevel; a[8].i = contextid;
    a[9].i = contextlevel; a[10].i = contextinstanceid; a[11].i = s->admin_id;
    a[12].i = courseid; a[13].i = relateduserid; a[14].s = other; a[15].i = now;
    a[16].s = "cli";
    int rc = db_insert_later_a(s->d, LOG_INSERT, types, a);
    free(other);
    return rc == 0 ? 0 : moodle_fail_db(s, "cannot log an event");
}
