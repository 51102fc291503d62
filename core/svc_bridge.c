/* Service "bridge": Moodle operations queued for the project's PHP script, and the cache
 * purges asked for during the run (kept on the run, purged once at its end).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <string.h>
#include "run.h"
#include "svc.h"

/* The purges of the run: writers (core/moodle, through the site's sink) and modules. */
void run_request_purge(void *ctx, const char *what)
{
    ts_run *r = ctx;
    if (!what || !*what)
        return;
    for (size_t i = 0; i < r->npurges; i++)
        if (strcmp(r->purges[i], what) == 0)
            return;
    if (r->npurges < RUN_MAX_PURGES)
        snprintf(r->purges[r->npurges++], sizeof r->purges[0], "%s", what);
}

const char *run_purge_list(ts_run *r, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < r->npurges && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "," : "", r->purges[i]);
    return buf;
}

static int b_configured(ts_run *r) { return run_bridge_configured(r); }

static int b_queue(ts_run *r, ts_row *row, const char *op, const char *args)
{
    return run_ops_queue(r, row, op, args);
}

static void b_purge(ts_run *r, const char *what) { run_request_purge(r, what); }

const ts_bridge_api svc_bridge = {
    .api = { sizeof(ts_bridge_api), TS_BRIDGE_API_VERSION, TS_BRIDGE_API },
    .configured = b_configured,
    .queue = b_queue,
    .purge = b_purge,
};
