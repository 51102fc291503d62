/* User preferences, as set_user_preference() / unset_user_preference() write them.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "moodle/moodle_internal.h"

/* Characters, not bytes: core_text::strlen() counts UTF-8 characters. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int mark_changed(moodle_site *s, int64_t now, int64_t userid)
{
    char name[24];
    snprintf(name, sizeof name, "%lld", (long long)userid);
    return moodle_cache_flag(s, now, "userpreferenceschanged", name);
}

int moodle_set_user_preference(moodle_site *s, int64_t now, int64_t userid,
                               const char *name, const char *value)
{
    s->err[0] = '\0';
    if (!name || !*name || strcmp(name, "_lastloaded") == 0 ||
        strspn(name, "0123456789.-+") == strlen(name))
        return moodle_fail(s, "invalid preference name '%s'", name ? name : "");
    if (value && utf8_chars(value) > 1333)
        return moodle_fail(s, "preference %s: value longer than 1333 characters", name);
    /* Moodle keeps no stored preferences for "nobody" and the guest user. */
    if (userid <= 0 || userid == s->guest_id)
        return 0;

    if (!value) {
        db_stmt *del = moodle_prepared(s, "DELETE FROM {user_preferences} WHERE userid = ? AND name = ?");
        if (!del)
            return -1;
        if (db_exec(del, "is", userid, name) != 0)
            return moodle_fail_db(s, "cannot delete a user preference");
        return mark_changed(s, now, userid);
    }

    db_stmt *f = moodle_prepared(s, "SELECT id, value FROM {user_preferences} WHERE userid = ? AND name = ?");
    if (!f)
        return -1;
    if (db_exec(f, "is", userid, name) != 0)
        return moodle_fail_db(s, "cannot read user preferences");
    int r = db_next(f);
    if (r < 0)
        return moodle_fail_db(s, "cannot read user preferences");
    if (r > 0) {
        int64_t id = db_col_int(f, 0);
        const char *old = db_col_text(f, 1);
        int same = old && strcmp(old, value) == 0;
        moodle_drain(f);
        if (same)
            return 0;   /* already set: Moodle writes nothing, raises no flag */
        db_stmt *up = moodle_prepared(s, "UPDATE {user_preferences} SET value = ? WHERE id = ?");
        if (!up)
            return -1;
        if (db_exec(up, "si", value, id) != 0)
            return moodle_fail_db(s, "cannot update a user preference");
    } else {
        db_stmt *ins = moodle_prepared(s, "INSERT INTO {user_preferences} (userid, name, value) VALUES (?, ?, ?)");
        if (!ins)
            return -1;
        if (db_exec(ins, "iss", userid, name, value) != 0)
            return moodle_fail_db(s, "cannot insert a user preference");
    }
    return mark_changed(s, now, userid);
}
