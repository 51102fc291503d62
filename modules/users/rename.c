/* Renames through the oldusername column (spec 20 §3.3, engine rules).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rename is done in the resolver's record only: the account's new username is written
 * by the update of the same line (one UPDATE, one user_updated event), and undone with
 * the rest of the line when the line fails.
 */
#include <string.h>
#include "users.h"

int rename_prepare(users_state *s, uline *l, const urec **renamed)
{
    *renamed = NULL;
    if (!l->oldusername || strcmp(l->oldusername, l->username) == 0)
        return 0;
    const urec *old = users_by_username(s, l->host, l->oldusername);
    const urec *holder = users_by_username(s, l->host, l->username);
    if (old && users_is_deleted(s, old))
        old = NULL;
    if (!old) {
        if (holder && !users_is_deleted(s, holder)) {
            /* Renamed by an earlier run: the line goes on as a plain update, so that a
             * rename file can be run twice without errors. */
            say(s, TS_SKIP, "useralreadyrenamed", "oldusername",
                   "%s is already named %s", l->oldusername, l->username);
            return 0;
        }
        say(s, TS_ERROR, "usernotrenamedmissing", "oldusername", "%s %s",
               l->oldusername, l->username);
        return -1;
    }
    if (holder && holder != old) {
        say(s, TS_ERROR, "usernotrenamedexists", "username", "%s %s", l->oldusername,
               l->username);
        return -1;
    }
    users_changed(s, old, UC_USERNAME, l->username);
    *renamed = old;
    say(s, TS_OK, "userrenamed", NULL, "%s renamed to %s", l->oldusername, l->username);
    return 0;
}
