/* toolsync SDK, service "moodle": what every module needs to know about the Moodle site
 * and write the way Moodle's own API writes it.
 *
 * Copyright (C) 2026 the toolsync developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   const ts_moodle_api *M = rt->get_api(TS_MOODLE_API, TS_MOODLE_API_VERSION);
 *
 * Rows follow ../shared/spec/moodle-writes.md: contexts with path and depth, cache
 * flags, log store events in the site's format, preferences, passwords in the scheme of
 * the site's version.  Functions returning int answer 0 on success and -1 on error; on
 * error the reason (the database's message, the missing object) is recorded on the
 * current row, so a report never says only "failed".
 */
#ifndef TOOLSYNC_MOODLE_H
#define TOOLSYNC_MOODLE_H

#include "module.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TS_MOODLE_API "moodle"
#define TS_MOODLE_API_VERSION 2   /* 2: column_exists */

/* Context levels (CONTEXT_* in Moodle). */
typedef enum {
    TS_CTX_SYSTEM = 10,
    TS_CTX_USER = 30,
    TS_CTX_COURSECAT = 40,
    TS_CTX_COURSE = 50,
    TS_CTX_MODULE = 70,
    TS_CTX_BLOCK = 80
} ts_ctx_level;

#define TS_SYSTEM_CONTEXT_ID 1   /* the system context's id on every Moodle site      */
#define TS_SITE_COURSE_ID 1      /* the front page course (SITEID)                     */

/* Event education levels (\core\event\base::LEVEL_*). */
enum { TS_EDU_OTHER = 0, TS_EDU_TEACHING = 1, TS_EDU_PARTICIPATING = 2 };

/* One event for the standard log store.  Versioned by `size`: use TS_EVENT_HEADER. */
typedef struct ts_event {
    uint32_t size;
    const char *name;          /* "\\core\\event\\user_created" (or just "user_created") */
    const char *crud;          /* "c", "r", "u" or "d"                                   */
    int edulevel;              /* TS_EDU_*                                               */
    const char *objecttable;   /* NULL: no object (objectid then written NULL)           */
    int64_t objectid;
    int64_t contextid;
    int contextlevel;          /* ts_ctx_level                                           */
    int64_t contextinstanceid;
    int64_t courseid;          /* 0 when the context is above course level              */
    int64_t relateduserid;     /* <= 0: NULL                                             */
    const char *other_json;    /* the event's `other` as JSON; NULL: no data             */
} ts_event;
#define TS_EVENT_HEADER .size = sizeof(ts_event)

typedef struct ts_moodle_api {
    ts_api api;
    /* --- the site ------------------------------------------------------------------- */
    /* A setting of {config}, NULL when absent.  Read once per run; valid for the run. */
    const char *(*config)(ts_run *run, const char *name);
    /* A setting of {config_plugins} ("enrol_manual", "status"), NULL when absent. */
    const char *(*plugin_config)(ts_run *run, const char *plugin, const char *name);
    /* The site's version number from {config} (e.g. 2023042401). */
    int64_t (*version)(ts_run *run);
    /* The acting user written into modifierid / log userid (the first site admin). */
    int64_t (*acting_user)(ts_run *run);
    /* config `mnet_localhost_id` (1 on most sites), `siteguest` (0 when absent). */
    int64_t (*mnet_localhost)(ts_run *run);
    int64_t (*guest_user)(ts_run *run);
    /* Is the id one of config `siteadmins`? */
    int (*is_siteadmin)(ts_run *run, int64_t userid);

    /* --- contexts ------------------------------------------------------------------- */
    /* Creates the context of an object below `parent_contextid` (TS_SYSTEM_CONTEXT_ID for
     * users and top categories) with path and depth.  The new id, or -1. */
    int64_t (*context_create)(ts_run *run, ts_ctx_level level, int64_t instanceid,
                              int64_t parent_contextid);
    /* The id of an object's context: > 0, 0 none, -1 error.  Cached per run. */
    int64_t (*context_id)(ts_run *run, ts_ctx_level level, int64_t instanceid);

    /* --- caches, events, preferences -------------------------------------------------- */
    /* Inserts or refreshes a {cache_flags} row ("accesslib/dirtyusers", "<userid>"). */
    int (*cache_flag)(ts_run *run, const char *flagtype, const char *name);
    /* Logs an event when the site logs to the standard store (nothing otherwise).
     * Target and action come from the name as Moodle's event base splits it. */
    int (*event)(ts_run *run, const ts_event *ev);
    /* set_user_preference(): insert, update, or delete when value is NULL; flags
     * userpreferenceschanged; nothing for user 0 or the guest. */
    int (*set_user_preference)(ts_run *run, int64_t userid, const char *name,
                               const char *value);

    /* --- passwords ------------------------------------------------------------------ */
    /* Hashes n passwords on every core in the scheme the site's version writes (bcrypt
     * up to 4.2 at `passwordhashcost`, SHA-512 crypt from 4.3 at `passwordrounds`,
     * Moodle's own 10000 by default).
     * out[i] receives a malloc'd hash the caller frees (NULL for a NULL plain[i]).
     * 0, or -1 (then every out[i] is NULL). */
    int (*hash_passwords)(ts_run *run, const char *const *plain, char **out, size_t n);
    /* 1 when plain matches the stored hash, 0 otherwise. */
    int (*check_password)(const char *plain, const char *hash);

    /* --- values Moodle's own upload checks (1 valid, 0 not) ------------------------------ */
    int (*email_valid)(const char *email);            /* validate_email()           */
    int (*country_valid)(const char *code);           /* ISO 3166-1 alpha-2, "FR"   */
    /* A language pack: 1 installed, 0 not, -1 cannot tell (moodle.dataroot unset). */
    int (*lang_installed)(ts_run *run, const char *code);
    /* An authentication plugin: 2 enabled, 1 installed but disabled, 0 none. */
    int (*auth_plugin)(ts_run *run, const char *name);

    /* --- version 2 ---------------------------------------------------------------------- */
    /* Does this site's table (no prefix) have the column?  1 yes, 0 no, -1 error.  Read
     * from the live schema once per run: write per-version columns only where they exist. */
    int (*column_exists)(ts_run *run, const char *table, const char *column);
} ts_moodle_api;

#ifdef __cplusplus
}
#endif
#endif
