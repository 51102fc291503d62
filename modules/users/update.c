/* Update of an existing account as user_update_user() does (moodle-writes §1.2-1.3):
 * only the file's columns and timemodified, nothing at all when nothing changes.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One UPDATE text serves every file: each column is written as COALESCE(?, column), a
 * NULL parameter keeping the stored value (Moodle never writes NULL on update), so the
 * statement is prepared once and columns absent from the file are never touched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "users.h"


/* Writes the non-NULL values of nv (timemodified included by the caller), in the
 * site's columns only (usersql.c). */
static int write_user(users_state *s, int64_t id, char *const nv[UC_COUNT])
{
    char types[UC_COUNT + 1];
    memset(types, 's', (size_t)s->nsitecols);
    types[s->nsitecols] = 'i';
    types[s->nsitecols + 1] = '\0';
    ts_value a[UC_COUNT + 1];            /* the site's columns, then the id */
    size_t k = users_sql_values(s, nv, a);
    a[k].i = id;
    ts_stmt *st = Q(s, s->update_sql);
    return st && SQL->exec_array(st, types, a) == 0 ? 0 : -1;
}

/* Shared by suspend/restore and deletion: writes nv and keeps the store right. */
int users_write_columns(users_state *s, const urec *r, char *const nv[UC_COUNT])
{
    if (write_user(s, UID(r), nv) != 0)
        return -1;
    for (int c = 1; c < UC_COUNT; c++)
        if (nv[c])
            users_changed(s, r, c, nv[c]);
    return 0;
}

static int pref_is(users_state *s, int64_t userid, const char *name, const char *value)
{
    ts_stmt *st = Q(s, "SELECT value FROM {user_preferences} WHERE userid = ? AND name = ?");
    if (!st || SQL->exec(st, "is", userid, name) != 0)
        return -1;
    int rc = SQL->next(st), same = 0;
    if (rc < 0)
        return -1;
    if (rc > 0) {
        same = streq_null(SQL->col_text(st, 0), value);
        while (SQL->next(st) > 0)
            ;
    }
    return same;
}

int update_account(users_state *s, uline *l, const urec *r, int revived, int renamed)
{
    char *nv[UC_COUNT] = { 0 };
    int ret = -1, changed = renamed || revived;
    int64_t now = RT->now(s->run);

    for (int c = 1; c < UC_COUNT; c++)
        if (l->given[c] && l->val[c] && !(UCOLS[c].flags & (UF_NOFILE | UF_IGNORED)))
            nv[c] = strdup(l->val[c]);
    free(nv[UC_USERNAME]);
    nv[UC_USERNAME] = strdup(l->username);
    free(nv[UC_DELETED]);
    nv[UC_DELETED] = revived ? strdup("0") : NULL;
    /* protectemails keeps a non-empty stored e-mail; an empty one is completed. */
    if (nv[UC_EMAIL] && s->protectemails && UV(s, r, UC_EMAIL) && *UV(s, r, UC_EMAIL) && !revived) {
        free(nv[UC_EMAIL]);
        nv[UC_EMAIL] = NULL;
    }
    int pwkind = 0;
    nv[UC_PASSWORD] = password_value(s, l, r, &pwkind);
    if (users_row_failed(s))
        goto done;

    for (int c = 1; c < UC_COUNT && !changed; c++)
        if (nv[c] && !streq_null(nv[c], UV(s, r, c)))
            changed = 1;
    int pchanged = profile_differs(s, l, r);
    changed |= pchanged;

    /* Empty password with createpasswords: Moodle's cron will make and mail one. */
    int setpref = 0;
    if (s->createpasswords && l->has_password && !*l->password) {
        int is = pref_is(s, UID(r), "create_password", "1");
        if (is < 0)
            goto done;
        setpref = !is;
    }

    if (!changed) {
        if (setpref) {
            if (M->set_user_preference(s->run, UID(r), "create_password", "1") != 0)
                goto done;
            say(s, TS_OK, "passwordtobecreated", "password",
                   "[%s]: a new password will be generated and mailed by Moodle",
                   l->username);
        } else {
            say(s, TS_SKIP, "useraccountuptodate", NULL, "[%s] (%s) already up to date",
                   l->username, UV(s, r, UC_IDNUMBER) ? UV(s, r, UC_IDNUMBER) : "");
        }
        ret = 0;
        goto done;
    }

    int wassuspended = UV(s, r, UC_SUSPENDED) && strcmp(UV(s, r, UC_SUSPENDED), "0") != 0;
    if (!wassuspended && nv[UC_SUSPENDED] && strcmp(nv[UC_SUSPENDED], "1") == 0 &&
        (users_is_siteadmin(s, UID(r)) || users_is_guest(s, r))) {
        /* Moodle refuses to suspend them (admin/user.php); so does the engine. */
        say(s, TS_ERROR, "usernotupdatedadmin", "suspended",
               "[%s]: site administrators and the guest account cannot be suspended",
               l->username);
        goto done;
    }
    nv[UC_TIMEMODIFIED] = xprintf("%lld", (long long)now);
    if (users_write_columns(s, r, nv) != 0)
        goto done;
    int64_t ctx = user_context(s, r);
    if (ctx <= 0)
        goto done;
    if (pwkind == 2 && password_changed(s, UID(r), ctx, UV(s, r, UC_AUTH)) != 0)
        goto done;
    if (setpref && M->set_user_preference(s->run, UID(r), "create_password", "1") != 0)
        goto done;
    int suspended = UV(s, r, UC_SUSPENDED) && strcmp(UV(s, r, UC_SUSPENDED), "0") != 0;
    if (suspended && !wassuspended && kill_sessions(s, UID(r)) != 0)
        goto done;
    if (pchanged && profile_save(s, l, r) != 0)
        goto done;
    if (users_event(s, "\\core\\event\\user_updated", "u", "user", UID(r), ctx, NULL) != 0)
        goto done;
    if (revived)
        say(s, TS_OK, "userrevived", NULL, "%s (%s)", l->username,
               UV(s, r, UC_IDNUMBER) ? UV(s, r, UC_IDNUMBER) : "");
    say(s, TS_OK, "useraccountupdated", NULL, "%s %s as [%s] (%s)",
           UV(s, r, UC_FIRSTNAME) ? UV(s, r, UC_FIRSTNAME) : "", UV(s, r, UC_LASTNAME) ? UV(s, r, UC_LASTNAME) : "",
           l->username, UV(s, r, UC_IDNUMBER) ? UV(s, r, UC_IDNUMBER) : "");
    ret = 0;
done:
    for (int c = 0; c < UC_COUNT; c++)
        free(nv[c]);
    return ret;
}
