/* A line whose account is not there: already deleted (SKIP, re-runs are harmless) or never
 * existed (WARN, counted, or ERROR with users.unknownaccount = error, so that a typo in a
 * delete file is seen).  Issue 6 #13.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Moodle's delete_user() keeps a trace of the keys it erases: the username becomes
 * "<email>.<time>" and the e-mail md5(<username>); the idnumber is emptied.  So an
 * account deleted by id, username or e-mail can be told from one that never was; by
 * idnumber it cannot (reported as not found).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "users.h"

/* "x_y%" -> "x!_y!%" for LIKE ... ESCAPE '!', the same on every database. */
static void like_escape(const char *in, char *out, size_t len)
{
    size_t o = 0;
    for (; *in && o + 3 < len; in++) {
        if (*in == '!' || *in == '%' || *in == '_')
            out[o++] = '!';
        out[o++] = *in;
    }
    out[o] = '\0';
}

/* 1 a deleted account had this key, 0 none, -1 error. */
static int was_deleted(users_state *s, ts_by by, const char *key)
{
    char arg[600];
    const char *sql;
    if (by == TS_BY_USERNAME) {
        sql = "SELECT id FROM {user} WHERE deleted = 1 AND email = ?";
        if (md5_hex(key, arg) != 0)
            return -1;
    } else if (by == TS_BY_EMAIL) {
        sql = "SELECT id FROM {user} WHERE deleted = 1 AND username LIKE ? ESCAPE '!'";
        like_escape(key, arg, sizeof arg - 2);
        strcat(arg, ".%");
    } else if (by == TS_BY_ID) {
        sql = "SELECT id FROM {user} WHERE deleted = 1 AND id = ?";
        snprintf(arg, sizeof arg, "%s", key);
    } else {
        return 0;
    }
    ts_stmt *st = Q(s, sql);
    if (!st || SQL->exec(st, "s", arg) != 0)
        return -1;
    int64_t id = SQL->single_id(st);
    return id < 0 && id != -2 ? -1 : id != 0;
}

int users_missing(users_state *s, ts_by by, const char *column, const char *key)
{
    int gone = was_deleted(s, by, key);
    if (gone < 0)
        return -1;
    if (gone) {
        say(s, TS_SKIP, "useralreadydeleted", column, "the account with %s '%s' was deleted",
            column ? column : "username", key);
        return 0;
    }
    int refuse = strcmp(RT->conf_str(s->run, "unknownaccount"), "error") == 0;
    say(s, refuse ? TS_ERROR : TS_WARN, "usernotfound", column, "no account with %s '%s'",
        column ? column : "username", key);
    return refuse ? -1 : 0;
}
