/* toolsync SDK, service "bridge": operations only Moodle's PHP can do faithfully, run
 * inside the site's Moodle after the batch that needs them has committed.
 *
 * Copyright (C) 2026 the toolsync developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   const ts_bridge_api *B = rt->get_api(TS_BRIDGE_API, TS_BRIDGE_API_VERSION);
 *
 * The core runs the project's PHP script (`moodle { dirroot = ...; php = ... }` in
 * toolsync.conf) once per batch that queued operations, right after its commit (PHP on
 * its own connection cannot see uncommitted rows), with all of them; each answers on its
 * own.  An operation's failure becomes an ERROR outcome of the row that queued it (that
 * line goes to the tryback; its SQL writes stay committed, so re-running it must be
 * harmless); a bridge that is not configured, hangs or crashes fails each pending
 * operation the same way, and the rest of the file still runs.  A dry run queues and
 * reports, but runs nothing.
 */
#ifndef TOOLSYNC_BRIDGE_H
#define TOOLSYNC_BRIDGE_H

#include "module.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TS_BRIDGE_API "bridge"
#define TS_BRIDGE_API_VERSION 1

typedef struct ts_bridge_api {
    ts_api api;
    /* Is a Moodle code tree configured?  (Lets a handler fail a line early, with a clear
     * reason, instead of queueing what cannot run.) */
    int (*configured)(ts_run *run);
    /* Queues operation `op` of the PHP script ("course_cacherev", "delete_course" ...)
     * with its arguments as a JSON object text ("{}" when none; copied), for `row` (its
     * outcome), or for the file when row is NULL.  0, or -1 (bad arguments). */
    int (*queue)(ts_run *run, ts_row *row, const char *op, const char *args_json);
    /* Asks for a Moodle cache to be purged once at the end of the run: a definition
     * "core/groupdata", "core/coursecat" ..., or an event "changesincoursecat".
     * Repeated requests are merged; the report says whether it was done. */
    void (*purge)(ts_run *run, const char *what);
} ts_bridge_api;

#ifdef __cplusplus
}
#endif
#endif
