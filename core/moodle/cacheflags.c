/* Volatile flags ({cache_flags}): how logged-in sessions learn that something changed.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Moodle's set_cache_flag() keeps one row per (flagtype, name) and rewrites value,
 * timemodified and expiry in place.  We try the UPDATE first (the row usually exists
 * for flags that matter: users with a session) and insert when it touched nothing.
 * On PostgreSQL both go in one statement, so that it can be pipelined like the other
 * writes instead of waiting for the UPDATE's row count.
 */
#include <stdio.h>
#include "moodle/moodle_internal.h"

int moodle_cache_flag(moodle_site *s, int64_t now, const char *flagtype, const char *name)
{
    s->err[0] = '\0';
    int64_t expiry = now + s->sessiontimeout;
    /* set_cache_flag() replaces an expiry in the past by a day from now. */
    if (expiry < now)
        expiry = now + 24 * 60 * 60;
    if (moodle_flag_set_before(s, flagtype, name, now))
        return 0;

    if (db_kind(s->d) == TS_DB_POSTGRES) {
        db_stmt *st = moodle_prepared(s, "WITH u AS (UPDATE {cache_flags} SET value = ?, timemodified = ?, expiry = ? "
            "WHERE flagtype = ? AND name = ? RETURNING 1) "
            "INSERT INTO {cache_flags} (flagtype, name, timemodified, value, expiry) "
            "SELECT CAST(? AS VARCHAR(255)), CAST(? AS VARCHAR(255)), CAST(? AS BIGINT), "
            "CAST(? AS TEXT), CAST(? AS BIGINT) WHERE NOT EXISTS (SELECT 1 FROM u)");
        if (!st)
            return -1;
        if (db_exec(st, "siissssisi", "1", now, expiry, flagtype, name,
                    flagtype, name, now, "1", expiry) != 0)
            return moodle_fail_db(s, "cannot set a cache flag");
        return 0;
    }

    db_stmt *up = moodle_prepared(s, "UPDATE {cache_flags} SET value = ?, timemodified = ?, expiry = ? "
        "WHERE flagtype = ? AND name = ?");
    if (!up)
        return -1;
    if (db_exec(up, "siiss", "1", now, expiry, flagtype, name) != 0)
        return moodle_fail_db(s, "cannot update a cache flag");
    int64_t changed = db_changes(up);
    if (changed < 0)
        return moodle_fail_db(s, "cannot update a cache flag");
    if (changed > 0)
        return 0;

    /* MariaDB counts rows *changed*, not matched: a row already holding exactly these
     * values (same second) reads as 0.  Look before inserting a second row. */
    if (db_kind(s->d) == TS_DB_MARIADB) {
        db_stmt *f = moodle_prepared(s, "SELECT id FROM {cache_flags} WHERE flagtype = ? AND name = ?");
        if (!f)
            return -1;
        if (db_exec(f, "ss", flagtype, name) != 0)
            return moodle_fail_db(s, "cannot read cache flags");
        int r = db_next(f);
        if (r < 0)
            return moodle_fail_db(s, "cannot read cache flags");
        if (r > 0) {
            moodle_drain(f);
            return 0;
        }
    }

    db_stmt *ins = moodle_prepared(s, "INSERT INTO {cache_flags} (flagtype, name, timemodified, value, expiry) "
        "VALUES (?, ?, ?, ?, ?)");
    if (!ins)
        return -1;
    if (db_exec(ins, "ssisi", flagtype, name, now, "1", expiry) != 0)
        return moodle_fail_db(s, "cannot insert a cache flag");
    return 0;
}
