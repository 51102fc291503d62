/* Renames through the oldusername column (spec 20 §3.3, engine rules).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rename is done in the batch's store only: the account's new username is written
 * by the update of the same line (one UPDATE, one user_updated event), and undone with
 * the rest of the line when the line fails.
 */
#include <string.h>
#include "users.h"

static int is_deleted(const urec *r)
{
    return r->v[UC_DELETED] && strcmp(r->v[UC_DELETED], "0") != 0;
}

int rename_prepare(users_state *s, uline *l, urec **renamed)
{
    *renamed = NULL;
    if (!l->oldusername || strcmp(l->oldusername, l->username) == 0)
        return 0;
    urec *old = store_by_username(&s->store, l->host, l->oldusername);
    urec *holder = store_by_username(&s->store, l->host, l->username);
    if (old && is_deleted(old))
        old = NULL;
    if (!old) {
        if (holder && !is_deleted(holder)) {
            /* Renamed by an earlier run: the line goes on as a plain update, so that a
             * rename file can be run twice without errors. */
            ob_add(s, TS_SKIP, "useralreadyrenamed", "oldusername",
                   "%s is already named %s", l->oldusername, l->username);
            return 0;
        }
        ob_add(s, TS_ERROR, "usernotrenamedmissing", "oldusername", "%s %s",
               l->oldusername, l->username);
        return -1;
    }
    if (holder && holder != old) {
        ob_add(s, TS_ERROR, "usernotrenamedexists", "username", "%s %s", l->oldusername,
               l->username);
        return -1;
    }
    store_set(&s->store, old, UC_USERNAME, l->username);
    *renamed = old;
    ob_add(s, TS_OK, "userrenamed", NULL, "%s renamed to %s", l->oldusername, l->username);
    return 0;
}
