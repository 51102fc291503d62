/* Unit test of the rows inserted later (core/db/later.c), part of test_db: each database
 * sees the rows as if they had been inserted one by one, where and when it matters.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <string.h>
#include "db/db.h"
#include "tap.h"

int test_later(db *d, const char *L);

static const char INS[] =
    "INSERT INTO {tsdb_t} (id, name, note, big) VALUES (?, ?, ?, ?)";
/* A literal in the tuple; every table of Moodle has an id (PostgreSQL could not even
 * prepare our INSERT ... RETURNING id inside a transaction otherwise). */
static const char INS_LIT[] = "INSERT INTO {tsdb_t} (id, name, big) VALUES (?, ?, 7)";

static int64_t count(db *d, const char *sql)
{
    db_stmt *st = db_prepare(d, sql);
    int64_t n = -1;
    if (st && db_exec(st, "") == 0 && db_next(st) == 1)
        n = db_col_int(st, 0);
    if (st)
        while (db_next(st) > 0)
            ;
    db_finalize(st);
    return n;
}

/* 300 rows: two full statements of 128 go while queuing, the rest before the SELECT. */
static void many_rows(db *d, const char *L)
{
    static const char odd[] = "tab\there, line\nbreak, back\\slash, 'quote', \xc3\xa9t\xc3\xa9";
    uint64_t w0 = db_write_count(d);
    int ok = db_begin(d) == 0;
    for (int i = 1; i <= 300 && ok; i++) {
        char name[32];
        snprintf(name, sizeof name, "later-%03d", i);
        ok = db_insert_later(d, INS, i % 7 ? "issi" : "issn", (int64_t)(100000 + i), name,
                             i == 5 ? odd : "plain", (int64_t)i) == 0;
    }
    TAP_OK(ok, "%s: 300 rows queued", L);
    TAP_OK(db_write_count(d) - w0 == 300, "%s: each queued row counts as a write", L);
    TAP_OK(db_later_rows(d) == 300 - 256, "%s: full statements sent while queuing (%zu left)",
           L, db_later_rows(d));
    TAP_OK(count(d, "SELECT COUNT(*) FROM {tsdb_t} WHERE name LIKE 'later-%'") == 300,
           "%s: a SELECT naming the table sees every row", L);
    TAP_OK(count(d, "SELECT COUNT(*) FROM {tsdb_t} WHERE name LIKE 'later-%' AND big IS NULL")
           == 42, "%s: NULL values stay NULL", L);
    db_stmt *st = db_prepare(d, "SELECT note, big FROM {tsdb_t} WHERE id = ?");
    int same = st && db_exec(st, "i", (int64_t)100005) == 0 && db_next(st) == 1 &&
               db_col_text(st, 0) && strcmp(db_col_text(st, 0), odd) == 0 &&
               db_col_int(st, 1) == 5;
    if (st)
        while (db_next(st) > 0)
            ;
    db_finalize(st);
    TAP_OK(same, "%s: tabs, newlines, backslashes, quotes and UTF-8 kept", L);
    TAP_OK(db_commit(d) == 0, "%s: commit", L);
}

/* Statements that do not name the table leave the rows queued; one that does sends them. */
static void only_when_named(db *d, const char *L)
{
    int ok = db_begin(d) == 0 && db_insert_later(d, INS_LIT, "is", (int64_t)300001, "k-later") == 0;
    TAP_OK(ok && count(d, "SELECT COUNT(*) FROM {tsdb_noid}") >= 0 && db_later_rows(d) == 1,
           "%s: a statement on another table leaves the row queued", L);
    TAP_OK(count(d, "SELECT COUNT(*) FROM {tsdb_t} WHERE name = 'k-later' AND big = 7") == 1 &&
           db_later_rows(d) == 0, "%s: one naming its table sends it (literal column too)", L);
    TAP_OK(db_commit(d) == 0, "%s: commit", L);
}

static void rollbacks(db *d, const char *L)
{
    int ok = db_begin(d) == 0 &&
             db_insert_later(d, INS_LIT, "is", (int64_t)300002, "k-kept") == 0 &&
             db_savepoint(d, "ts_row") == 0 && db_later_rows(d) == 0 &&
             db_insert_later(d, INS_LIT, "is", (int64_t)300003, "k-undone") == 0 &&
             db_rollback_to(d, "ts_row") == 0 && db_later_rows(d) == 0 &&
             db_release(d, "ts_row") == 0 && db_commit(d) == 0;
    TAP_OK(ok && count(d, "SELECT COUNT(*) FROM {tsdb_t} WHERE name = 'k-kept'") == 1 &&
           count(d, "SELECT COUNT(*) FROM {tsdb_t} WHERE name = 'k-undone'") == 0,
           "%s: a savepoint sends what came before; rolling back to it drops what came after",
           L);
    ok = db_begin(d) == 0 && db_insert_later(d, INS_LIT, "is", (int64_t)300004, "k-gone") == 0 &&
         db_rollback(d) == 0 && db_later_rows(d) == 0;
    TAP_OK(ok && count(d, "SELECT COUNT(*) FROM {tsdb_t} WHERE name = 'k-gone'") == 0,
           "%s: a rollback drops the queued rows", L);
}

/* A failing row (a duplicate name) fails the commit that sends it, not silently. */
static void failure(db *d, const char *L)
{
    int ok = db_begin(d) == 0 &&
             db_insert_later(d, INS, "issi", (int64_t)200001, "later-001", "dup", (int64_t)1) == 0;
    int rc = ok ? db_commit(d) : 0;
    TAP_OK(ok && rc != 0, "%s: a duplicate key among queued rows fails the commit", L);
    printf("# %s: %s\n", L, db_error(d));
    db_rollback(d);
    TAP_OK(count(d, "SELECT COUNT(*) FROM {tsdb_t} WHERE id = 200001") == 0,
           "%s: and nothing of it stays", L);
}

int test_later(db *d, const char *L)
{
    int failed0 = tap_failed_;
    many_rows(d, L);
    only_when_named(d, L);
    rollbacks(d, L);
    failure(d, L);
    return tap_failed_ - failed0;
}
