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

#define MOODLE_EVENT_CHUNK 32

struct moodle_pending_event {
    char *name, *component, *action, *target, *objecttable, *crud, *other;
    int64_t objectid, edulevel, contextid, contextlevel, contextinstanceid, courseid,
        relateduserid, now;
};

static void free_event(struct moodle_pending_event *e)
{
    free(e->name);
    free(e->component);
    free(e->action);
    free(e->target);
    free(e->objecttable);
    free(e->crud);
    free(e->other);
}

void moodle_events_discard(moodle_site *s)
{
    for (size_t i = 0; i < s->nevents; i++)
        free_event(&s->events[i]);
    s->nevents = 0;
}

#define LOG_COLUMNS "INSERT INTO {logstore_standard_log} (eventname, component, action, " \
    "target, objecttable, objectid, crud, edulevel, contextid, contextlevel, " \
    "contextinstanceid, userid, courseid, relateduserid, anonymous, other, timecreated, " \
    "origin, ip, realuserid) VALUES "
#define LOG_ROW "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, NULL, NULL)"
#define LOG_PARAMS 17

/* The 17 values of one event; NULL where Moodle's event leaves the property unset. */
static void event_args(const moodle_site *s, const struct moodle_pending_event *e,
                       char *types, db_arg *a)
{
    int has_obj = e->objecttable != NULL, has_rel = e->relateduserid > 0;
    memcpy(types, "sssssisiiiiiiisis", LOG_PARAMS);
    if (!has_obj)
        types[4] = types[5] = 'n';
    if (!has_rel)
        types[13] = 'n';
    a[0].s = e->name; a[1].s = e->component; a[2].s = e->action; a[3].s = e->target;
    a[4].s = e->objecttable; a[5].i = e->objectid; a[6].s = e->crud; a[7].i = e->edulevel;
    a[8].i = e->contextid; a[9].i = e->contextlevel; a[10].i = e->contextinstanceid;
    a[11].i = s->admin_id; a[12].i = e->courseid; a[13].i = e->relateduserid;
    a[14].s = e->other; a[15].i = e->now; a[16].s = "cli";
}

size_t moodle_pending_events(const moodle_site *s)
{
    return s->nevents;
}

int moodle_flush(moodle_site *s)
{
    if (moodle_ctx_flush(s) != 0)
        return -1;
    size_t done = 0;
    char types[MOODLE_EVENT_CHUNK * LOG_PARAMS + 1];
    db_arg args[MOODLE_EVENT_CHUNK * LOG_PARAMS];
    while (done < s->nevents) {
        size_t k = s->nevents - done >= MOODLE_EVENT_CHUNK ? MOODLE_EVENT_CHUNK : 1;
        db_stmt *st;
        if (k == 1) {
            st = moodle_prepared(s, LOG_COLUMNS LOG_ROW);
        } else {
            char sql[MOODLE_EVENT_CHUNK * (sizeof LOG_ROW + 2) + sizeof LOG_COLUMNS];
            size_t o = (size_t)snprintf(sql, sizeof sql, "%s", LOG_COLUMNS);
            for (size_t i = 0; i < k; i++)
                o += (size_t)snprintf(sql + o, sizeof sql - o, "%s%s", i ? ", " : "", LOG_ROW);
            st = moodle_prepared(s, sql);
        }
        if (!st)
            return -1;
        for (size_t i = 0; i < k; i++)
            event_args(s, &s->events[done + i], types + i * LOG_PARAMS, args + i * LOG_PARAMS);
        types[k * LOG_PARAMS] = '\0';
        if (db_execa(st, types, args) != 0)
            return moodle_fail_db(s, "cannot log events");
        done += k;
    }
    moodle_events_discard(s);
    return 0;
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

    if (s->nevents == s->capevents) {
        size_t cap = s->capevents ? s->capevents * 2 : 64;
        struct moodle_pending_event *p = realloc(s->events, cap * sizeof *p);
        if (!p) {
            free(other);
            return moodle_fail(s, "out of memory");
        }
        s->events = p;
        s->capevents = cap;
    }
    struct moodle_pending_event *e = &s->events[s->nevents];
    memset(e, 0, sizeof *e);
    e->name = strdup(name);
    e->component = strdup(component);
    e->action = strdup(action ? action : "");
    e->target = strdup(target ? target : "");
    e->objecttable = objecttable ? strdup(objecttable) : NULL;
    e->crud = strdup(crud ? crud : "");
    e->other = other;
    e->objectid = objectid;
    e->edulevel = edulevel;
    e->contextid = contextid;
    e->contextlevel = contextlevel;
    e->contextinstanceid = contextinstanceid;
    e->courseid = courseid;
    e->relateduserid = relateduserid;
    e->now = now;
    if (!e->name || !e->component || !e->action || !e->target || !e->crud ||
        (objecttable && !e->objecttable)) {
        free_event(e);
        return moodle_fail(s, "out of memory");
    }
    s->nevents++;
    return 0;
}
