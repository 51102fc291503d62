/* A test module for the core's journey: handler "echo" applies each row as one INSERT
 * into {config_plugins} (plugin 'toolsync_echo', name = key column, value = value column);
 * a value "fail-after-write" inserts then reports ERROR, so that the batch must be
 * replayed and only that row rolled back; "fail" reports ERROR without writing.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include "toolsync/toolsync.h"

static const ts_host *host;
static int prefetches, rollbacks;

static const ts_column columns[] = {
    { "key", TS_COL_REQUIRED, "name of the row" },
    { "value", TS_COL_OPTIONAL, "its value" },
    { "extra", TS_COL_INDEXED, "extra<N>" },
    { NULL, 0, NULL },
};

static int prefetch(ts_run *run, void *state, ts_row *const *rows, size_t n)
{
    prefetches++;
    return TS_DONE;
}

static void rollback(ts_run *run, void *state) { rollbacks++; }

static int row(ts_run *run, void *state, ts_row *r)
{
    const char *key = host->value(r, "key"), *value = host->value(r, "value");
    if (!value)
        value = "";
    if (!*key) {
        host->outcome(r, TS_ERROR, "missingfield", "key", "empty key");
        return TS_DONE;
    }
    if (strcmp(value, "fail") == 0) {
        host->outcome(r, TS_ERROR, "refused", "value", "refused before writing");
        return TS_DONE;
    }
    ts_stmt *sel = host->prepare(run, "SELECT value FROM {config_plugins} WHERE plugin = ? AND name = ?");
    if (host->exec(sel, "ss", "toolsync_echo", key) != 0)
        return TS_ERR;
    if (host->next(sel) == 1 && strcmp(host->col_text(sel, 0), value) == 0) {
        host->outcome(r, TS_SKIP, "unchanged", NULL, "%s already %s", key, value);
        return TS_DONE;
    }
    ts_stmt *ins = host->prepare(run, "INSERT INTO {config_plugins} (plugin, name, value) VALUES (?, ?, ?)");
    if (host->exec(ins, "sss", "toolsync_echo", key, value) != 0)
        return TS_ERR;
    if (strcmp(value, "fail-after-write") == 0) {
        host->outcome(r, TS_ERROR, "refused", "value", "refused after writing");
        return TS_DONE;
    }
    host->outcome(r, TS_OK, "added", NULL, "%s = %s", key, value);
    return TS_DONE;
}

static int end_file(ts_run *run, void *state)
{
    host->log(TS_LOG_INFO, "echo: %d prefetches, %d rollbacks", prefetches, rollbacks);
    return TS_DONE;
}

static const ts_handler echo = {
    .name = "echo", .summary = "test handler", .default_file = "echo.csv",
    .location_option = "filelocation", .columns = columns, .prefetch = prefetch,
    .row = row, .rollback = rollback, .end_file = end_file,
};

static const ts_option options[] = {
    { "filelocation", TS_OPT_STRING, "", NULL, "where echo.csv is" },
    { "mode", TS_OPT_CHOICE, "a", (const char *const[]){ "a", "b", NULL }, "a choice" },
    { NULL, 0, NULL, NULL, NULL },
};

static int init(const ts_host *h)
{
    host = h;
    return host->register_handler(&echo);
}

TOOLSYNC_MODULE("echo", "1.0", "test module for the core", options, init, NULL);
