/* A test module for the core's journey: handler "echo" applies each row as one INSERT
 * into {config_plugins} (plugin 'toolsync_echo', name = key column, value = value column);
 * a value "fail-after-write" inserts then reports ERROR, so that the batch must be
 * replayed and only that row rolled back; "fail" reports ERROR without writing.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <string.h>
#include "toolsync/toolsync.h"

/* Built twice: as "echo" against this SDK, and as "echo20" for ABI 2.0
 * (-DTOOLSYNC_ABI_TARGET_MINOR=0 -DECHO_NAME=...), whose ts_handler lacks the fields
 * 2.1 appended: the loader must read no byte past what the module built. */
#ifndef ECHO_NAME
#define ECHO_NAME "echo"
#endif

static const ts_runtime *host;
static const ts_sql_api *sql;
#if TOOLSYNC_ABI_TARGET_MINOR >= 1
static const ts_bridge_api *bridge;
static const ts_archive_api *archive;
#endif
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
    ts_stmt *sel = sql->prepare(run, "SELECT value FROM {config_plugins} WHERE plugin = ? AND name = ?");
    if (sql->exec(sel, "ss", "toolsync_echo", key) != 0)
        return TS_ERR;
    if (sql->next(sel) == 1 && strcmp(sql->col_text(sel, 0), value) == 0) {
        host->outcome(r, TS_SKIP, "unchanged", NULL, "%s already %s", key, value);
        return TS_DONE;
    }
    ts_stmt *ins = sql->prepare(run, "INSERT INTO {config_plugins} (plugin, name, value) VALUES (?, ?, ?)");
    if (sql->exec(ins, "sss", "toolsync_echo", key, value) != 0)
        return TS_ERR;
#if TOOLSYNC_ABI_TARGET_MINOR >= 1
    /* "bridge<x>": Moodle's PHP is asked to check the row (op check_row), after the
     * commit; "purge": a cache purge is asked for the end of the run. */
    if (strncmp(value, "bridge", 6) == 0) {
        char args[300];
        snprintf(args, sizeof args, "{\"key\":\"%.200s\",\"value\":\"%.40s\"}", key, value);
        bridge->queue(run, r, "check_row", args);
    }
    if (strcmp(value, "purge") == 0)
        bridge->purge(run, "core/groupdata");
#endif
    /* "ok-then-fail": says what it did, then fails: what it said is no longer true. */
    if (strcmp(value, "ok-then-fail") == 0) {
        host->outcome(r, TS_OK, "added", NULL, "%s = %s (id 4242)", key, value);
        host->outcome(r, TS_ERROR, "refused", "value", "refused after writing");
        return TS_DONE;
    }
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
    TS_HANDLER_HEADER,
    .name = ECHO_NAME, .summary = "test handler", .default_file = ECHO_NAME ".csv",
    .location_option = "filelocation", .columns = columns, .prefetch = prefetch,
    .row = row, .rollback = rollback, .end_file = end_file,
#if TOOLSYNC_ABI_TARGET_MINOR >= 1
    .description = "Applies each line as a row of config_plugins (ABI 2.1 handler).",
#endif
};

/* A headerless file: one key per line, stored with the value "listed". */
static const ts_column list_columns[] = {
    { "key", TS_COL_REQUIRED, "one key per line" },
    { NULL, 0, NULL },
};

static int list_row(ts_run *run, void *state, ts_row *r)
{
    const char *key = host->value(r, "key");
    if (strcmp(key, "fail") == 0) {
        host->outcome(r, TS_ERROR, "refused", "key", "refused before writing");
        return TS_DONE;
    }
    ts_stmt *ins = sql->prepare(run, "INSERT INTO {config_plugins} (plugin, name, value) "
                                     "VALUES ('toolsync_echo', ?, 'listed')");
    if (sql->exec(ins, "s", key) != 0)
        return TS_ERR;
    host->outcome(r, TS_OK, "listed", NULL, "%s listed", key);
    return TS_DONE;
}

static const ts_handler echolist = {
    TS_HANDLER_HEADER,
    .name = ECHO_NAME "list", .summary = "headerless test handler",
    .default_file = ECHO_NAME "list.txt", .columns = list_columns, .flags = TS_H_NO_HEADER,
    .row = list_row,
};

#if TOOLSYNC_ABI_TARGET_MINOR >= 1
/* A zip: each entry's content is stored under its name; "fail" is refused. */
static const ts_column entry_columns[] = {
    { "name", TS_COL_REQUIRED, "entry name" },
    { "size", TS_COL_REQUIRED, "declared size" },
    { NULL, 0, NULL },
};

static int entry_row(ts_run *run, void *state, ts_row *r)
{
    const unsigned char *data;
    size_t len;
    if (archive->entry_data(r, &data, &len) != 0)
        return TS_ERR;
    if (len == 4 && memcmp(data, "fail", 4) == 0) {
        host->outcome(r, TS_ERROR, "refused", NULL, "content refused");
        return TS_DONE;
    }
    ts_stmt *ins = sql->prepare(run, "INSERT INTO {config_plugins} (plugin, name, value) "
                                     "VALUES ('toolsync_zip', ?, ?)");
    char value[256];
    snprintf(value, sizeof value, "%.*s", (int)(len < 200 ? len : 200), (const char *)data);
    if (sql->exec(ins, "ss", host->value(r, "name"), value) != 0)
        return TS_ERR;
    host->outcome(r, TS_OK, "stored", NULL, "%s: %zu bytes", host->value(r, "name"), len);
    return TS_DONE;
}

static const ts_handler echozip = {
    TS_HANDLER_HEADER,
    .name = "echozip", .summary = "archive test handler", .default_file = "echo_*.zip",
    .columns = entry_columns, .flags = TS_H_ARCHIVE, .row = entry_row,
};
#endif

#if TOOLSYNC_ABI_TARGET_MINOR >= 2
/* ABI 2.2: the command `echo-set KEY VALUE...` stores each pair in {config_plugins}
 * (plugin 'toolsync_cmd'); a value "fail" is an ERROR for that pair only, a key "abort"
 * fails the whole command (its writes undone). */
static int echo_set(ts_run *run, int argc, char *const *argv)
{
    if (argc == 0 || argc % 2) {
        host->file_outcome(run, TS_ERROR, "usage", NULL, "echo-set KEY VALUE...");
        return TS_ERR;
    }
    ts_stmt *ins = sql->prepare(run, "INSERT INTO {config_plugins} (plugin, name, value) "
                                     "VALUES ('toolsync_cmd', ?, ?)");
    for (int i = 0; i < argc; i += 2) {
        if (strcmp(argv[i], "abort") == 0) {
            host->file_outcome(run, TS_ERROR, "aborted", NULL, "abort asked");
            return TS_ERR;
        }
        if (strcmp(argv[i + 1], "fail") == 0) {
            host->file_outcome(run, TS_ERROR, "refused", NULL, "%s refused", argv[i]);
            continue;
        }
        if (!ins || sql->exec(ins, "ss", argv[i], argv[i + 1]) != 0)
            return TS_ERR;
        host->file_outcome(run, TS_OK, "set", NULL, "%s = %s (mode %s%s)", argv[i],
                           argv[i + 1], host->conf_str(run, "mode"),
                           host->dry_run(run) ? ", dry run" : "");
    }
    return TS_DONE;
}

static const ts_command echocmd = {
    TS_COMMAND_HEADER, .name = "echo-set", .usage = "KEY VALUE...",
    .summary = "test command", .run = echo_set,
};
#endif

static const ts_option options[] = {
    { "filelocation", TS_OPT_STRING, "", NULL, "where echo.csv is" },
    { "mode", TS_OPT_CHOICE, "a", (const char *const[]){ "a", "b", NULL }, "a choice" },
    { NULL, 0, NULL, NULL, NULL },
};

static int init(const ts_runtime *rt)
{
    host = rt;
    sql = rt->get_api(TS_SQL_API, TS_SQL_API_VERSION);
    if (!sql)
        return -1;
#if TOOLSYNC_ABI_TARGET_MINOR >= 1
    bridge = rt->get_api(TS_BRIDGE_API, TS_BRIDGE_API_VERSION);
    archive = rt->get_api(TS_ARCHIVE_API, TS_ARCHIVE_API_VERSION);
    if (!bridge || !archive || host->register_handler(&echozip) != 0)
        return -1;
#endif
#if TOOLSYNC_ABI_TARGET_MINOR >= 2
    if (host->register_command(&echocmd) != 0)
        return -1;
#endif
    return host->register_handler(&echo) || host->register_handler(&echolist) ? -1 : 0;
}

TOOLSYNC_MODULE(ECHO_NAME, "1.0", "test module for the core", options, init, NULL);
