/* The Moodle bridge: operations only Moodle's PHP can do, queued and run in one php call.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Some things cannot be done faithfully with SQL: purging MUC caches (moodle-writes
 * §2.3), and later deleting or resetting a course with its content.  The engine queues
 * them while it applies a batch and runs them once the batch has committed (PHP, on its
 * own database connection, cannot see uncommitted rows).  bridge_run() starts
 *
 *     <php> <script> --dirroot=<dirroot>
 *
 * once, writes one request per line on its stdin ({"id":N,"op":"…","args":{…}}), reads
 * one answer per line on its stdout ({"id":N,"status":"ok"|"error","key":"…",
 * "message":"…","result":…}) and keeps the last lines of its stderr for the error
 * messages.  The script is contrib/moodle/toolsync_bridge.php, installed in
 * $(pkgdatadir).  This library knows nothing of the database or of the run: the caller
 * puts each result on its report line through the tag it queued.
 *
 * Message keys of the results: the key the script gave ("bridgedone" when ok;
 * "coursenotfound", "cachedefinitionunknown", "bridgeunknownop", "bridgebadargs", a
 * moodle_exception's errorcode... when not), or, when it gave none, "bridgedone" / "bridgeerror";
 * for an op without an answer: "bridgenotconfigured" (no dirroot, no config.php there, php
 * or the script not found), "bridgetimeout" (the call took longer than timeout and was
 * killed), "bridgecrashed" (the process ended, or could not start, before answering the
 * op), "bridgeprotocol" (the process wrote a line that is not an answer, or answered an
 * id it was not given).  Messages quote php's last error line on stderr, cut after any
 * word holding "pass".  toolsync must not reap children behind the bridge's back (no
 * SIGCHLD handler calling wait()).
 */
#ifndef TS_BRIDGE_H
#define TS_BRIDGE_H
#include <stddef.h>

typedef struct bridge bridge;

typedef struct {
    const char *php;        /* php CLI executable, e.g. "/usr/bin/php" ("" or NULL = "php" in PATH) */
    const char *dirroot;    /* the Moodle root holding config.php ("" or NULL = not configured);
                               for 5.1+, its public/ is taken as the root above it */
    const char *script;     /* path of toolsync_bridge.php */
    int timeout;            /* seconds for one call before the process is killed (<= 0: 300) */
} bridge_config;

typedef enum { BRIDGE_OK = 0, BRIDGE_FAILED } bridge_status;

typedef struct {
    bridge_status status;
    const char *key;        /* message key, never NULL (see the list above) */
    const char *message;    /* human text, never NULL (never a password) */
    const char *result_json;/* the op's "result" value as JSON text, or NULL */
} bridge_result;            /* every pointer valid only during the callback */

/* A bridge for one configuration; copies the strings.  NULL when out of memory. */
bridge *bridge_new(const bridge_config *c);
/* Frees the bridge and its queue (queued ops are dropped without a callback). */
void bridge_free(bridge *b);
/* 1 when a dirroot is configured (whether it holds a Moodle is seen at the first call). */
int bridge_configured(const bridge *b);

/* Queues an op.  op: a name made of [a-z0-9_] ("purge_caches"); args_json: a JSON object
 * ("{}" ok; NULL = "{}"), copied; tag: the caller's, handed back to done() (e.g. a row,
 * or NULL for a file-level op).  0 when queued, -1 when op or args_json is malformed
 * (errno EINVAL) or memory is short (ENOMEM). */
int bridge_queue(bridge *b, const char *op, const char *args_json, void *tag);
size_t bridge_pending(const bridge *b);

/* Runs every queued op in one php process, then empties the queue; calls done(ctx, tag,
 * &result) exactly once per queued op, in queue order (done may queue ops for a next
 * call).  Returns 0 when every op reported ok (or none was queued), 1 when some failed,
 * -1 when the process could not run at all (every op then got a failed result). */
int bridge_run(bridge *b, void (*done)(void *ctx, void *tag, const bridge_result *r), void *ctx);

/* Writes "php <script> in <dirroot>" (the resolved executable) into buf for reports and
 * `toolsync check`; returns what snprintf returns. */
int bridge_describe(const bridge *b, char *buf, size_t len);

/* Runs the script's "ping" op alone (the queue is left as it is) and writes the site's
 * release and version ("4.2.1 (Build: 20230612) (2023042401)") into version.  0 on
 * success; -1 with a reason in err otherwise. */
int bridge_ping(bridge *b, char *version, size_t len, char *err, size_t errlen);

#endif
