/* toolsync SDK, service "resolve": from the identifiers of a file to Moodle ids.
 *
 * Copyright (C) 2026 the toolsync developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   const ts_resolve_api *R = rt->get_api(TS_RESOLVE_API, TS_RESOLVE_API_VERSION);
 *
 * Every lookup of a module goes through here, so that each is done once:
 *  - filled per batch in one query: call the prefetch functions from your handler's
 *    prefetch() with the keys of the batch's rows; a later lookup of a key not
 *    prefetched still works (one query);
 *  - cached for the run (accounts: for the batch, they are many, unless the module
 *    reads only a few of their columns: see user_read_columns);
 *  - kept right when the run itself creates, renames or deletes the object (the core's
 *    writers of enrol.h, groups.h, cohorts.h tell the resolver; a module that writes
 *    accounts itself says so with user_created/user_changed);
 *  - transactional: what the core learns or is told during a row that fails, or a batch
 *    that is rolled back, is forgotten with it.  You never clear these caches.
 *
 * Lookups answer an id (> 0), or one of the TS_R_* values below; on TS_R_ERROR the
 * reason is recorded on the current row.
 */
#ifndef TOOLSYNC_RESOLVE_H
#define TOOLSYNC_RESOLVE_H

#include "module.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TS_RESOLVE_API "resolve"
#define TS_RESOLVE_API_VERSION 2   /* 2: user_read_columns */

#define TS_R_NOTFOUND   0
#define TS_R_ERROR    (-1)
#define TS_R_AMBIGUOUS (-2)   /* several objects match the key */

/* Which field a key is. */
typedef enum {
    TS_BY_ID = 1,       /* the numeric id                                          */
    TS_BY_IDNUMBER,     /* user, course, category, group, grouping, cohort         */
    TS_BY_USERNAME,     /* user                                                    */
    TS_BY_EMAIL,        /* user                                                    */
    TS_BY_SHORTNAME,    /* course, role                                            */
    TS_BY_NAME,         /* category (one level), group, grouping, cohort           */
    TS_BY_PATH          /* category: "Faculty/Department/Year" (a '/' inside a name
                           is written "\/")                                        */
} ts_by;

/* Flags of lookups. */
#define TS_R_DELETED  0x1u   /* users: a deleted account answers when no live one does
                                (to revive it); without it deleted accounts are ignored */
#define TS_R_CREATE   0x2u   /* category by path, group, grouping, cohort by name:
                                create what is missing, as Moodle's API would         */
#define TS_ANY_HOST   (-1)   /* users: accounts of every mnet host                      */

/* An account as the site holds it (or as this run changed it).  Owned by the resolver:
 * valid until the end of the batch; never keep one across batches (the resolver may
 * keep it longer, or not). */
typedef struct ts_user ts_user;

typedef struct ts_resolve_api {
    ts_api api;

    /* --- accounts ---------------------------------------------------------------------- */
    /* Index of a {user} column in this site's version (for user_value), or -1. */
    int (*user_column)(ts_run *run, const char *name);
    /* Also read these custom profile fields ({user_info_field} ids) with every account:
     * user_profile(u, i) then answers field i.  Call in begin_file. */
    int (*user_profile_fields)(ts_run *run, const int64_t *fieldids, size_t n);
    /* Reads the accounts whose `by` field is one of keys[0..n) (NULL and "" skipped),
     * restricted to mnet host `mnethostid` unless TS_ANY_HOST.  0 or -1. */
    int (*user_prefetch)(ts_run *run, ts_by by, int64_t mnethostid,
                         const char *const *keys, size_t n);
    /* The account a key designates: 1 found (*out set), TS_R_NOTFOUND,
     * TS_R_AMBIGUOUS (several live accounts, or no live and several deleted ones with
     * TS_R_DELETED), TS_R_ERROR.  Usernames are unique per host. */
    int (*user_find)(ts_run *run, ts_by by, const char *key, int64_t mnethostid,
                     unsigned flags, const ts_user **out);
    /* Every known account (live or deleted) with that key: their number; the first
     * `max` go to out.  Only what was prefetched or found: prefetch first. */
    size_t (*user_find_all)(ts_run *run, ts_by by, const char *key, int64_t mnethostid,
                            const ts_user **out, size_t max);
    int64_t (*user_id)(const ts_user *u);
    /* Column text (NULL for SQL NULL, and for an index out of range). */
    const char *(*user_value)(const ts_user *u, int column);
    /* Data of the i-th profile field of user_profile_fields (NULL: no row). */
    const char *(*user_profile)(const ts_user *u, size_t i);
    /* The user's context id (read with the account; 0 when it has none yet). */
    int64_t (*user_contextid)(const ts_user *u);
    /* Was the account created by this batch? */
    int (*user_is_new)(const ts_user *u);
    /* The run wrote an account: column names[i] holds values[i] (NULL = SQL NULL); names
     * the site lacks are ignored, columns not named are NULL.  Answers the record,
     * valid as above. */
    const ts_user *(*user_created)(ts_run *run, int64_t id, const char *const *names,
                                   const char *const *values, size_t n, int64_t contextid);
    /* The run changed a column, a profile field, or the context of an account. */
    void (*user_changed)(ts_run *run, const ts_user *u, int column, const char *value);
    void (*user_profile_changed)(ts_run *run, const ts_user *u, size_t i,
                                 const char *value);
    void (*user_context_created)(ts_run *run, const ts_user *u, int64_t contextid);

    /* --- other objects (cached for the run) -------------------------------------------- */
    /* Course by TS_BY_ID, TS_BY_IDNUMBER or TS_BY_SHORTNAME. */
    int64_t (*course)(ts_run *run, ts_by by, const char *key);
    int (*course_prefetch)(ts_run *run, ts_by by, const char *const *keys, size_t n);
    /* Category by TS_BY_ID, TS_BY_IDNUMBER or TS_BY_PATH (names from the top; with
     * TS_R_CREATE the missing levels are created visible, as core_course_category::
     * create() does, and the report's end asks for the category caches to be purged). */
    int64_t (*category)(ts_run *run, ts_by by, const char *key, unsigned flags);
    /* Role by TS_BY_ID or TS_BY_SHORTNAME. */
    int64_t (*role)(ts_run *run, ts_by by, const char *key);
    /* The first enrol instance of `method` ("manual", "self", "cohort" ...) of a course,
     * by sortorder; only enabled ones unless `any_status`. */
    int64_t (*enrol_instance)(ts_run *run, int64_t courseid, const char *method,
                              int any_status);
    /* Group / grouping of a course by TS_BY_ID, TS_BY_IDNUMBER or TS_BY_NAME; with
     * TS_R_CREATE (by name or idnumber) a missing one is created with that name. */
    int64_t (*group)(ts_run *run, int64_t courseid, ts_by by, const char *key,
                     unsigned flags);
    int64_t (*grouping)(ts_run *run, int64_t courseid, ts_by by, const char *key,
                        unsigned flags);
    /* Cohort by TS_BY_ID, TS_BY_IDNUMBER or TS_BY_NAME (any context); with TS_R_CREATE
     * (by name) a missing one is created in the system context. */
    int64_t (*cohort)(ts_run *run, ts_by by, const char *key, unsigned flags);

    /* --- version 2 ---------------------------------------------------------------------- */
    /* This run needs only these {user} columns of an account, besides id, username,
     * mnethostid, idnumber, email and deleted (names the site lacks are ignored).  Call
     * it in begin_file, before any lookup; user_value then answers NULL for the columns
     * not named.  In return accounts are read once per run instead of once per batch
     * (up to a bound): modules that only need to find accounts, as enrolments or cohort
     * members, should call it with n = 0. */
    int (*user_read_columns)(ts_run *run, const char *const *names, size_t n);
} ts_resolve_api;

#ifdef __cplusplus
}
#endif
#endif
