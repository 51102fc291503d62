/* toolsync SDK, service "groups": groups and their members as Moodle's API writes them
 * (moodle-writes.md §1.10-1.11).
 *
 * Copyright (C) 2026 the toolsync developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   const ts_groups_api *G = rt->get_api(TS_GROUPS_API, TS_GROUPS_API_VERSION);
 *
 * Answers as enrol.h: 1 wrote, 0 already so, -1 error (reason on the current row).
 * After a run that changed groups, the groups caches (groupdata, user_group_groupings)
 * are purged through the bridge, or the report says what to purge.
 */
#ifndef TOOLSYNC_GROUPS_H
#define TOOLSYNC_GROUPS_H

#include "module.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TS_GROUPS_API "groups"
#define TS_GROUPS_API_VERSION 1

/* A new group.  Versioned by `size`: use TS_GROUP_HEADER. */
typedef struct ts_group {
    uint32_t size;
    int64_t courseid;
    const char *name;           /* required                                            */
    const char *idnumber;       /* NULL or "": none                                    */
    const char *description;    /* NULL: none                                          */
} ts_group;
#define TS_GROUP_HEADER .size = sizeof(ts_group)

typedef struct ts_groups_api {
    ts_api api;
    /* Creates the group (the resolver learns it): its id (> 0) or -1. */
    int64_t (*group_create)(ts_run *run, const ts_group *g);
    /* Adds a member; component/itemid name the plugin owning the membership ("" / 0). */
    int (*add_member)(ts_run *run, int64_t groupid, int64_t userid, const char *component,
                      int64_t itemid);
    int (*remove_member)(ts_run *run, int64_t groupid, int64_t userid);
} ts_groups_api;

#ifdef __cplusplus
}
#endif
#endif
