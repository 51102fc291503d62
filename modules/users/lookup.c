/* How the users module finds accounts and tells the core what it changed: thin uses of
 * the resolver (which fills itself per batch, keeps itself right and forgets failed rows).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "users.h"

ts_stmt *Q(users_state *s, const char *sql)
{
    return SQL->prepare(s->run, sql);
}

int users_is_deleted(const users_state *s, const urec *r)
{
    const char *d = UV(s, r, UC_DELETED);
    return d && strcmp(d, "0") != 0;
}

int users_row_failed(const users_state *s)
{
    return RT->row_status(s->row) == TS_ERROR;
}

int users_row_done(users_state *s, int rc)
{
    /* A failure without an ERROR of ours is a database error: the core reports it with
     * its reason.  A line that did nothing says so. */
    if (rc != 0 || users_row_failed(s))
        return TS_ERR;
    if (RT->row_status(s->row) < 0)
        RT->outcome(s->row, TS_SKIP, "nothing", NULL, "nothing to do");
    return TS_DONE;
}

const urec *users_by_username(users_state *s, int64_t host, const char *username)
{
    const urec *r = NULL;
    if (!username || R->user_find_all(s->run, TS_BY_USERNAME, username, host, &r, 1) == 0)
        return NULL;
    return r;
}

size_t users_by_key(users_state *s, ts_by by, int64_t host, const char *v, const urec **out,
                    size_t max)
{
    return R->user_find_all(s->run, by, v, host, out, max);
}

int resolve_identity(users_state *s, int64_t host, const char *username,
                     const char *idnumber, const char *email, const urec **found)
{
    ts_by by = TS_BY_USERNAME;
    const char *key = username;
    *found = NULL;
    /* The users file cannot carry an id (spec 20 §3.4): id identity reads the username. */
    if (s->identity == ID_IDNUMBER && idnumber && *idnumber) {
        by = TS_BY_IDNUMBER;
        key = idnumber;
    } else if (s->identity == ID_EMAIL && email && *email) {
        by = TS_BY_EMAIL;
        key = email;
    }
    if (!key)
        return 0;
    if (by == TS_BY_USERNAME) {
        /* Usernames are unique per host: a deleted account holding it is the account. */
        *found = users_by_username(s, host, key);
        return 0;
    }
    int rc = R->user_find(s->run, by, key, host, TS_R_DELETED, found);
    return rc == TS_R_AMBIGUOUS || rc == TS_R_ERROR ? -1 : 0;
}

void users_changed(users_state *s, const urec *r, int c, const char *value)
{
    R->user_changed(s->run, r, s->uix[c], value);
}

int users_event(users_state *s, const char *name, const char *crud, const char *objecttable,
                int64_t userid, int64_t ctxid, const char *other_json)
{
    ts_event ev = { TS_EVENT_HEADER, .name = name, .crud = crud, .edulevel = TS_EDU_OTHER,
                    .objecttable = objecttable, .objectid = objecttable ? userid : 0,
                    .contextid = ctxid, .contextlevel = TS_CTX_USER,
                    .contextinstanceid = userid, .relateduserid = userid,
                    .other_json = other_json };
    return M->event(s->run, &ev);
}
