/* The run's side of the Moodle bridge: operations the rows of a batch queue are run by
 * the project's PHP script right after the batch commits, each answer put on its row;
 * the cache purges asked for during the run go in one call at its end.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The queue lives on the run, not in the bridge, so that a rolled-back batch (or a row
 * that failed in a replay) takes its operations with it: only what committed runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "run.h"
#include "bridge/bridge.h"

/* The engine's bridge, made on first use from the `moodle { }` settings. */
static bridge *engine_bridge(engine *e)
{
    if (!e->bridge) {
        char script[4200];
        const char *conf = config_module_str(e->cfg, "moodle", "bridgescript");
        snprintf(script, sizeof script, "%s", conf);
        bridge_config c = {
            .php = config_module_str(e->cfg, "moodle", "php"),
            .dirroot = config_module_str(e->cfg, "moodle", "dirroot"),
            .script = *script ? script : NULL,
            .timeout = (int)config_module_int(e->cfg, "moodle", "bridgetimeout"),
        };
        e->bridge = bridge_new(&c);
    }
    return e->bridge;
}

int run_bridge_configured(ts_run *r)
{
    bridge *b = engine_bridge(r->e);
    return b && bridge_configured(b);
}

int run_ops_queue(ts_run *r, ts_row *row, const char *op, const char *args)
{
    if (!op || !*op)
        return -1;
    if (r->nops == r->capops) {
        r->capops = r->capops ? r->capops * 2 : 8;
        r->ops = realloc(r->ops, r->capops * sizeof *r->ops);
    }
    run_op *o = &r->ops[r->nops++];
    o->row = row;
    o->op = strdup(op);
    o->args = strdup(args && *args ? args : "{}");
    return 0;
}

static void op_free(run_op *o)
{
    free(o->op);
    free(o->args);
}

void run_ops_drop_row(ts_run *r, const ts_row *row)
{
    size_t k = 0;
    for (size_t i = 0; i < r->nops; i++) {
        if (r->ops[i].row == row)
            op_free(&r->ops[i]);
        else
            r->ops[k++] = r->ops[i];
    }
    r->nops = k;
}

void run_ops_drop_all(ts_run *r)
{
    for (size_t i = 0; i < r->nops; i++)
        op_free(&r->ops[i]);
    r->nops = 0;
}

/* One answer: a failure is an ERROR of its row (its line goes to the tryback) or of the
 * file; success says nothing more than the row already did. */
static void op_done(void *ctx, void *tag, const bridge_result *res)
{
    ts_run *r = ctx;
    ts_row *row = tag;
    if (res->status == BRIDGE_OK)
        return;
    if (row)
        row_add_msg(row, TS_ERROR, res->key, NULL, res->message);
    else
        report_file(r->rep, TS_ERROR, res->key, res->message);
}

void run_ops_after_commit(ts_run *r)
{
    if (r->nops == 0)
        return;
    if (r->e->flags.dry_run) {
        for (size_t i = 0; i < r->nops; i++)
            if (r->ops[i].row)
                row_add_msg(r->ops[i].row, TS_OK, "bridgesimulated", NULL,
                            "Moodle's PHP would run it after the commit");
        run_ops_drop_all(r);
        return;
    }
    bridge *b = engine_bridge(r->e);
    for (size_t i = 0; b && i < r->nops; i++)
        bridge_queue(b, r->ops[i].op, r->ops[i].args, r->ops[i].row);
    run_ops_drop_all(r);
    if (b)
        bridge_run(b, op_done, r);
}

/* "changesincoursecat" is an event; "core/groupdata" a definition; a bare name is a
 * definition of core. */
static void purge_args(ts_run *r, char *buf, size_t len)
{
    size_t o = (size_t)snprintf(buf, len, "{\"definitions\":[");
    int first = 1;
    for (size_t i = 0; i < r->npurges; i++)
        if (strncmp(r->purges[i], "changes", 7) != 0) {
            o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s\"%s%s\"", first ? "" : ",",
                                  strchr(r->purges[i], '/') ? "" : "core/", r->purges[i]);
            first = 0;
        }
    o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "],\"events\":[");
    first = 1;
    for (size_t i = 0; i < r->npurges; i++)
        if (strncmp(r->purges[i], "changes", 7) == 0) {
            o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s\"%s\"", first ? "" : ",",
                                  r->purges[i]);
            first = 0;
        }
    snprintf(buf + o, o < len ? len - o : 0, "]}");
}

static void purge_done(void *ctx, void *tag, const bridge_result *res)
{
    ts_run *r = ctx;
    char msg[1200], list[RUN_MAX_PURGES * 49];
    (void)tag;
    snprintf(msg, sizeof msg, "Moodle caches %s (%s)%s%s",
             res->status == BRIDGE_OK ? "purged" : "not purged",
             run_purge_list(r, list, sizeof list), res->status == BRIDGE_OK ? "" : ": ",
             res->status == BRIDGE_OK ? "" : res->message);
    report_file(r->rep, res->status == BRIDGE_OK ? TS_OK : TS_WARN,
                res->status == BRIDGE_OK ? "cachepurged" : res->key, msg);
}

void run_purges(ts_run *r)
{
    char list[RUN_MAX_PURGES * 49], args[RUN_MAX_PURGES * 60], msg[RUN_MAX_PURGES * 49 + 200];
    if (r->npurges == 0 || r->e->flags.dry_run)
        return;
    if (!run_bridge_configured(r)) {
        snprintf(msg, sizeof msg, "Moodle caches to purge: %s (set moodle.dirroot for the "
                 "bridge to do it, or run admin/cli/purge_caches.php)",
                 run_purge_list(r, list, sizeof list));
        report_file(r->rep, TS_WARN, "cachepurgeneeded", msg);
        return;
    }
    bridge *b = engine_bridge(r->e);
    purge_args(r, args, sizeof args);
    if (bridge_queue(b, "purge_caches", args, NULL) == 0)
        bridge_run(b, purge_done, r);
}

/* `toolsync check`: is the bridge configured, and does Moodle answer through it? */
int engine_bridge_check(engine *e)
{
    bridge *b = engine_bridge(e);
    char what[1200], version[256], err[1024];
    if (!b || !bridge_configured(b)) {
        printf("bridge: not configured (moodle.dirroot empty): cache purges are listed in "
               "reports, lines that need Moodle's PHP fail\n");
        return 0;
    }
    bridge_describe(b, what, sizeof what);
    if (bridge_ping(b, version, sizeof version, err, sizeof err) != 0) {
        printf("bridge: %s: FAILED: %s\n", what, err);
        return -1;
    }
    printf("bridge: %s: ok, Moodle %s\n", what, version);
    return 0;
}

void engine_bridge_free(engine *e)
{
    bridge_free(e->bridge);
    e->bridge = NULL;
}
