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

/* Build for an older version of this service (fields of ts_group appended later). */
#ifndef TS_GROUPS_API_TARGET
#define TS_GROUPS_API_TARGET 2
#endif

#define TS_GROUPS_API "groups"
#define TS_GROUPS_API_VERSION 3   /* 2: groupings, updates, deletions, empty ones;
                                     3: is_member */

/* A new group.  Versioned by `size`: use TS_GROUP_HEADER. */
typedef struct ts_group {
    uint32_t size;
    int64_t courseid;
    const char *name;           /* required                                            */
    const char *idnumber;       /* NULL or "": none                                    */
    const char *description;    /* NULL: none                                          */
#if TS_GROUPS_API_TARGET >= 2
    /* Version 2, Moodle 4.2+ (ignored on older sites).  Zero is Moodle's default, so
     * that a module built for version 1 (fields read as 0) creates what it did. */
    int visibility;             /* GROUPS_VISIBILITY_*: 0 all, 1 members, 2 own
                                   membership, 3 none; group_update: -1 unchanged       */
    int participation;          /* TS_GROUP_PARTICIPATION_*                              */
#endif
} ts_group;
#define TS_GROUP_HEADER .size = sizeof(ts_group)
#define TS_GROUP_PARTICIPATION_DEFAULT 0   /* create: 1 (shown); group_update: unchanged */
#define TS_GROUP_PARTICIPATION_YES 1       /* participation 1                            */
#define TS_GROUP_PARTICIPATION_NO 2        /* participation 0                            */

/* A new grouping, or the fields of an update (version 2).  Use TS_GROUPING_HEADER. */
typedef struct ts_grouping {
    uint32_t size;
    int64_t courseid;
    const char *name;           /* required to create; update: NULL = unchanged         */
    const char *idnumber;       /* create: NULL or "" none; update: NULL = unchanged    */
    const char *description;    /* create: NULL none; update: NULL = unchanged          */
} ts_grouping;
#define TS_GROUPING_HEADER .size = sizeof(ts_grouping)

typedef struct ts_groups_api {
    ts_api api;
    /* Creates the group (the resolver learns it): its id (> 0) or -1. */
    int64_t (*group_create)(ts_run *run, const ts_group *g);
    /* Adds a member; component/itemid name the plugin owning the membership ("" / 0). */
    int (*add_member)(ts_run *run, int64_t groupid, int64_t userid, const char *component,
                      int64_t itemid);
    int (*remove_member)(ts_run *run, int64_t groupid, int64_t userid);

    /* --- version 2 ---------------------------------------------------------------------
     * group_create reads visibility and participation (Moodle 4.2+ sites).  The resolver
     * learns what these create and rename.  Nothing they answer needs freeing: ids are
     * written into the caller's arrays. */

    /* groups_update_group(): the fields of `g` that are not NULL (visibility when >= 0,
     * participation when not DEFAULT); `courseid` must be the group's.  An idnumber held by
     * another group of the course is refused.  1 changed, 0 already so, -1. */
    int (*group_update)(ts_run *run, int64_t groupid, const ts_group *g);
    /* groups_create_grouping(): its id (> 0) or -1 (an idnumber already used in the
     * course is refused). */
    int64_t (*grouping_create)(ts_run *run, const ts_grouping *g);
    /* groups_update_grouping(), as group_update. */
    int (*grouping_update)(ts_run *run, int64_t groupingid, const ts_grouping *g);
    /* groups_assign_grouping() / groups_unassign_grouping(): both of one course. */
    int (*grouping_add_group)(ts_run *run, int64_t groupingid, int64_t groupid);
    int (*grouping_remove_group)(ts_run *run, int64_t groupingid, int64_t groupid);
    /* groups_delete_group(): its grouping links, members, calendar events, then the
     * group.  A group with a picture, description files or a conversation is left for
     * Moodle to delete (-1, with that reason).  1 deleted, 0 no such group, -1. */
    int (*group_delete)(ts_run *run, int64_t groupid);
    /* groups_delete_grouping(): its links, the course and module references to it,
     * then the grouping (description files: as group_delete).  1, 0, -1. */
    int (*grouping_delete)(ts_run *run, int64_t groupingid);
    /* The course's groups without any member / groupings without any group, by id.
     * Their number (the first `max` go to ids), or -1. */
    long (*empty_groups)(ts_run *run, int64_t courseid, int64_t *ids, size_t max);
    long (*empty_groupings)(ts_run *run, int64_t courseid, int64_t *ids, size_t max);

    /* --- version 3 ---------------------------------------------------------------------- */
    /* Is the user a member of the group (component NULL: whoever owns the membership,
     * else only one owned by that component, "" for manual ones)?  1, 0, -1.  Answered
     * from the memory of the course's state that the enrol service keeps (enrol.h
     * version 3): no round trip once the course has been asked about. */
    int (*is_member)(ts_run *run, int64_t groupid, int64_t userid, const char *component);
} ts_groups_api;

#ifdef __cplusplus
}
#endif
#endif
