/* An out-of-tree toolsync module: a handler "hello" that counts the users it is given
 * and reports whether each exists.  A starting point for sites' own modules.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <toolsync/toolsync.h>

static const ts_host *host;

static const ts_option options[] = {
    { "filelocation", TS_OPT_STRING, "", NULL, "where hello.csv is" },
    { NULL, 0, NULL, NULL, NULL },
};

static const ts_column columns[] = {
    { "username", TS_COL_REQUIRED, "the account to look for" },
    { NULL, 0, NULL },
};

static int row(ts_run *run, void *state, ts_row *r)
{
    (void)state;
    const char *username = host->value(r, "username");
    ts_stmt *st = host->prepare(run, "SELECT id FROM {user} WHERE username = ? AND deleted = 0");
    if (!st || host->exec(st, "s", username) != 0)
        return TS_ERR;
    if (host->next(st) == 1)
        host->outcome(r, TS_SKIP, "userexists", NULL, "%s has id %lld", username,
                      (long long)host->col_int(st, 0));
    else
        host->outcome(r, TS_ERROR, "usernotfound", "username", "no user '%s'", username);
    return TS_DONE;
}

static const ts_handler hello = {
    .name = "hello",
    .summary = "says whether each username exists",
    .default_file = "hello.csv",
    .location_option = "filelocation",
    .columns = columns,
    .row = row,
};

static int init(const ts_host *h)
{
    host = h;
    return host->register_handler(&hello);
}

TOOLSYNC_MODULE("hello", "1.0", "example out-of-tree module", options, init, NULL);
