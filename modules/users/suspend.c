/* Suspension and restoration of accounts, and the three action files that name accounts
 * by their identity only: users-delete, users-suspend, users-restore (spec 20 §4-§6).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "users.h"

int kill_sessions(users_state *s, int64_t userid)
{
    /* \core\session\manager::kill_user_sessions(): the user's rows in {sessions}. */
    ts_stmt *st = Q(s, "DELETE FROM {sessions} WHERE userid = ?");
    return st && SQL->exec(st, "i", userid) == 0 ? 0 : -1;
}

/* user_update_user(['id'=>…, 'suspended'=>v]) (+ kill_user_sessions when suspending):
 * moodle-writes §1.3. */
int set_suspended(users_state *s, const urec *r, int value)
{
    char *nv[UC_COUNT] = { 0 };
    nv[UC_SUSPENDED] = value ? "1" : "0";
    char now[24];
    snprintf(now, sizeof now, "%lld", (long long)RT->now(s->run));
    nv[UC_TIMEMODIFIED] = now;
    if (users_write_columns(s, r, nv) != 0)
        return -1;
    int64_t ctx = user_context(s, r);
    if (ctx <= 0)
        return -1;
    if (value && kill_sessions(s, UID(r)) != 0)
        return -1;
    return users_event(s, "\\core\\event\\user_updated", "u", "user", UID(r), ctx, NULL);
}

/* --- the action files ---------------------------------------------------------------------- */

static const char *identity_name(int identity)
{
    switch (identity) {
    case ID_ID: return "id";
    case ID_USERNAME: return "username";
    case ID_EMAIL: return "email";
    default: return "idnumber";
    }
}

int actions_begin(users_state *s)
{
    switch (s->identity) {
    case ID_ID: s->c_identity = s->c_id; break;
    case ID_USERNAME: s->c_identity = s->ci[UC_USERNAME]; break;
    case ID_EMAIL: s->c_identity = s->ci[UC_EMAIL]; break;
    default: s->c_identity = s->ci[UC_IDNUMBER]; break;
    }
    if (s->c_identity < 0) {
        RT->file_outcome(s->run, TS_ERROR, "fieldrequired", identity_name(s->identity),
                   "the column %s (users.primaryidentity) is required",
                   identity_name(s->identity));
        return -1;
    }
    return 0;
}

static const char *identity_value(users_state *s, ts_row *row)
{
    const char *v = RT->value_at(row, (size_t)s->c_identity);
    return v ? v : "";
}

static int prefetch(users_state *s, ts_by by, int64_t host, char **keys, size_t n)
{
    return R->user_prefetch(s->run, by, host, (const char *const *)keys, n);
}

int actions_prefetch(ts_run *run, void *state, ts_row *const *rows, size_t n)
{
    users_state *s = state;
    (void)run;
    char **keys = calloc(n ? n : 1, sizeof *keys);
    char **owned = calloc(n ? n : 1, sizeof *owned);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const char *v = identity_value(s, rows[i]);
        if (!*v)
            continue;
        char *k = NULL;
        if (s->identity == ID_USERNAME) {
            if (users_clean_username(v, s->extendedchars, &k) != 0) {
                free(k);
                continue;
            }
        } else {
            k = strdup(v);
        }
        owned[m] = k;
        keys[m++] = k;
    }
    int rc;
    switch (s->identity) {
    case ID_USERNAME: rc = prefetch(s, TS_BY_USERNAME, s->mnet_local, keys, m); break;
    case ID_ID: rc = prefetch(s, TS_BY_ID, TS_ANY_HOST, keys, m); break;
    case ID_EMAIL: rc = prefetch(s, TS_BY_EMAIL, TS_ANY_HOST, keys, m); break;
    default: rc = prefetch(s, TS_BY_IDNUMBER, TS_ANY_HOST, keys, m); break;
    }
    for (size_t i = 0; i < m; i++)
        free(owned[i]);
    free(owned);
    free(keys);
    return rc == 0 ? TS_DONE : TS_ERR;
}

/* The live account the identity value names: 0 (found or *r NULL), -1 ambiguous. */
static int find(users_state *s, const char *v, const urec **r)
{
    *r = NULL;
    const urec *c[32];
    size_t n = 0;
    switch (s->identity) {
    case ID_USERNAME: {
        char *u = NULL;
        if (users_clean_username(v, s->extendedchars, &u) == 0)
            *r = users_by_username(s, s->mnet_local, u);
        free(u);
        break;
    }
    case ID_ID: {
        n = users_by_key(s, TS_BY_ID, TS_ANY_HOST, v, c, 32);
        break;
    }
    case ID_EMAIL:
        n = users_by_key(s, TS_BY_EMAIL, s->mnet_local, v, c, 32);
        break;
    default:
        n = users_by_key(s, TS_BY_IDNUMBER, s->mnet_local, v, c, 32);
        break;
    }
    size_t live = 0;
    for (size_t i = 0; i < n && i < 32; i++)
        if (!users_is_deleted(s, c[i])) {
            *r = c[i];
            live++;
        }
    if (live > 1 || n > 32) {
        *r = NULL;
        return -1;
    }
    if (*r && users_is_deleted(s, *r))
        *r = NULL;
    return 0;
}

static int action(users_state *s, ts_row *row)
{
    const char *col = identity_name(s->identity);
    const char *v = identity_value(s, row);
    if (!*v) {
        say(s, TS_ERROR, "missingfield", col, "required value missing");
        return -1;
    }
    const urec *r;
    if (find(s, v, &r) != 0) {
        say(s, TS_ERROR, "ambiguous", col, "several accounts have %s '%s'", col, v);
        return -1;
    }
    if (!r)
        return users_missing(s, s->identity == ID_ID ? TS_BY_ID
                              : s->identity == ID_USERNAME ? TS_BY_USERNAME
                              : s->identity == ID_EMAIL ? TS_BY_EMAIL : TS_BY_IDNUMBER, col, v);
    char name[256];
    snprintf(name, sizeof name, "%s", UV(s, r, UC_USERNAME) ? UV(s, r, UC_USERNAME) : "");
    int protected_ = users_is_siteadmin(s, UID(r)) || users_is_guest(s, r);
    int suspended = UV(s, r, UC_SUSPENDED) && strcmp(UV(s, r, UC_SUSPENDED), "0") != 0;

    switch (s->kind) {
    case HK_DELETE:
        /* delete_account refuses site administrators and the guest account */
        if (delete_account(s, r) != 0)
            return -1;
        say(s, TS_OK, "userdeleted", NULL, "[%s] (id %lld) deleted", name, (long long)UID(r));
        return 0;
    case HK_SUSPEND:
        if (suspended) {
            say(s, TS_SKIP, "useralreadysuspended", NULL, "[%s] already suspended", name);
            return 0;
        }
        if (protected_) {
            say(s, TS_ERROR, "usernotupdatedadmin", NULL,
                   "[%s]: site administrators and the guest account cannot be suspended",
                   name);
            return -1;
        }
        if (set_suspended(s, r, 1) != 0)
            return -1;
        say(s, TS_OK, "usersuspended", NULL, "[%s] suspended", name);
        return 0;
    default:
        if (!suspended) {
            say(s, TS_SKIP, "usernotsuspended", NULL, "[%s] is not suspended", name);
            return 0;
        }
        if (set_suspended(s, r, 0) != 0)
            return -1;
        say(s, TS_OK, "userrestored", NULL, "[%s] restored", name);
        return 0;
    }
}

int actions_row(ts_run *run, void *state, ts_row *row)
{
    users_state *s = state;
    (void)run;
    s->row = row;
    return users_row_done(s, action(s, row));
}
