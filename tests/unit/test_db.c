/* Unit test of the SQL layer (core/db) against SQLite and, when reachable, PostgreSQL
 * and MariaDB servers (tests/lib/dbservers.sh).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PostgreSQL runs when TS_PG_HOST/PORT/USER/PASSWORD and TS_PG_DB (an empty database
 * the test may fill) are set; MariaDB with TS_MY_* and TS_MY_DB.  Otherwise a
 * "# skip" line says so.  TS_DB_BENCH=N sets the number of rows of the timing check
 * (default 20000; its rates are printed as # lines).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "db/db.h"
#include "tap.h"

static const char *L;   /* label of the database under test */

int test_later(db *d, const char *L);   /* test_db_later.c: its failures */

/* A check whose failure also shows the connection's last error. */
#define CHECK(d, cond, ...) do {                                                 \
        int c_ = (cond);                                                         \
        TAP_OK(c_, __VA_ARGS__);                                                 \
        if (!c_)                                                                 \
            printf("# db error: %s\n", db_error(d));                             \
    } while (0)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int contains(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle) != NULL;
}

/* Number of rows of {tsdb_t} with that name (-1 on error). */
static int64_t count_name(db *d, const char *name)
{
    db_stmt *st = db_prepare(d, "SELECT COUNT(*) FROM {tsdb_t} WHERE name = ?");
    int64_t n = -1;
    if (st && db_exec(st, "s", name) == 0 && db_next(st) == 1)
        n = db_col_int(st, 0);
    db_finalize(st);
    return n;
}

static int64_t id_of(db *d, const char *name)
{
    db_stmt *st = db_prepare(d, "SELECT id FROM {tsdb_t} WHERE name = ?");
    int64_t id = -1;
    if (st && db_exec(st, "s", name) == 0 && db_next(st) == 1)
        id = db_col_int(st, 0);
    db_finalize(st);
    return id;
}

static const char *ddl(ts_db_kind k)
{
    switch (k) {
    case TS_DB_SQLITE:
        return "DROP TABLE IF EXISTS {tsdb_t}; DROP TABLE IF EXISTS {tsdb_noid};"
               "CREATE TABLE {tsdb_t} (id INTEGER PRIMARY KEY AUTOINCREMENT,"
               " name VARCHAR(100) NOT NULL, note TEXT, big BIGINT, UNIQUE (name));"
               "CREATE TABLE {tsdb_noid} (k VARCHAR(20), v INTEGER);";
    case TS_DB_POSTGRES:
        return "DROP TABLE IF EXISTS {tsdb_t}; DROP TABLE IF EXISTS {tsdb_noid};"
               "CREATE TABLE {tsdb_t} (id BIGSERIAL PRIMARY KEY,"
               " name VARCHAR(100) NOT NULL UNIQUE, note TEXT, big BIGINT);"
               "CREATE TABLE {tsdb_noid} (k VARCHAR(20), v INTEGER);";
    default:
        return "DROP TABLE IF EXISTS {tsdb_t}; DROP TABLE IF EXISTS {tsdb_noid};"
               "CREATE TABLE {tsdb_t} (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
               " name VARCHAR(100) NOT NULL, note LONGTEXT, big BIGINT, UNIQUE KEY (name))"
               " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;"
               "CREATE TABLE {tsdb_noid} (k VARCHAR(20), v INTEGER) ENGINE=InnoDB;";
    }
}

/* ------------------------------------------------------------------------------------
 * Pure text checks: no database.
 * ---------------------------------------------------------------------------------- */
static void test_dialect(void)
{
    char *x;
    L = "dialect";
    x = dialect_expand(TS_DB_POSTGRES, "mdl_",
                       "SELECT * FROM {user} u JOIN {user_enrolments} e ON e.userid = u.id "
                       "WHERE u.a = ? AND u.b = '?' AND u.c = ? AND u.d = 'it''s ?' AND u.e = ?");
    TAP_STREQ(x, "SELECT * FROM mdl_user u JOIN mdl_user_enrolments e ON e.userid = u.id "
                 "WHERE u.a = $1 AND u.b = '?' AND u.c = $2 AND u.d = 'it''s ?' AND u.e = $3",
              "dialect: pgsql {table} and ? -> $n, literals untouched");
    free(x);
    x = dialect_expand(TS_DB_MARIADB, "mdl_", "SELECT '{a}?', \"?\", ? FROM {config} -- ?\n");
    TAP_STREQ(x, "SELECT 'mdl_a?', \"?\", ? FROM mdl_config -- ?\n",
              "dialect: mariadb keeps ?, expands {name} also in literals");
    free(x);
    x = dialect_expand(TS_DB_POSTGRES, "p_", "SELECT nextval('{user}_id_seq'), E'\\'?', $$?$$, "
                                              "? /* ? */, {User}, {a-b}, {}");
    TAP_STREQ(x, "SELECT nextval('p_user_id_seq'), E'\\'?', $$?$$, $1 /* ? */, {User}, {a-b}, {}",
              "dialect: E'' and $$ literals, comments, only {[a-z0-9_]+} expanded");
    free(x);
    x = dialect_expand(TS_DB_SQLITE, "", "INSERT INTO {t} VALUES (?, '?')");
    TAP_STREQ(x, "INSERT INTO t VALUES (?, '?')", "dialect: empty prefix, sqlite keeps ?");
    free(x);
}

/* ------------------------------------------------------------------------------------
 * The same checks on every database.
 * ---------------------------------------------------------------------------------- */
static void test_basic(db *d)
{
    ts_db_kind k = db_kind(d);
    int r;

    CHECK(d, db_exec_script(d, ddl(k)) == 0, "%s: create tables", L);
    TAP_OK(db_table_exists(d, "tsdb_t") == 1, "%s: table_exists finds {tsdb_t}", L);
    TAP_OK(db_table_exists(d, "tsdb_nope") == 0, "%s: table_exists misses {tsdb_nope}", L);

    db_stmt *ins = db_prepare(d, "INSERT INTO {tsdb_t} (name, note, big) VALUES (?, ?, ?)");
    CHECK(d, ins != NULL, "%s: prepare insert", L);
    if (!ins)
        return;

    /* UTF-8, empty string, int64 above 2^32 */
    r = db_exec(ins, "ssi", "Günter", "", (int64_t)5000000000LL);
    int64_t id1 = db_last_id(ins);
    CHECK(d, r == 0 && id1 > 0, "%s: insert Günter, last_id > 0", L);
    r = db_exec(ins, "sni", "Ana", (int64_t)-7);
    int64_t id2 = db_last_id(ins);
    CHECK(d, r == 0 && id2 > id1, "%s: insert with NULL, last_id grows", L);
    TAP_OK(db_changes(ins) == 1, "%s: changes after insert = 1", L);

    /* Two queued inserts: last_id is the second's. */
    r = db_exec(ins, "sss", "Bo", NULL, "12");
    r |= db_exec(ins, "sss", "Cy", "x", NULL);
    int64_t id4 = db_last_id(ins);
    TAP_OK(r == 0 && id4 == id_of(d, "Cy") && id_of(d, "Bo") < id4,
           "%s: two inserts then last_id = the second's", L);

    db_stmt *sel = db_prepare(d, "SELECT id, name, note, big FROM {tsdb_t} WHERE name = ?");
    TAP_OK(sel != NULL, "%s: prepare select", L);
    if (sel) {
        r = db_exec(sel, "s", "Günter");
        TAP_OK(r == 0 && db_next(sel) == 1, "%s: select Günter", L);
        TAP_OK(db_ncols(sel) == 4, "%s: 4 columns", L);
        TAP_OK(db_col_int(sel, 0) == id1, "%s: id read back", L);
        TAP_STREQ(db_col_text(sel, 1), "Günter", "%s: UTF-8 text read back", L);
        TAP_OK(!db_col_null(sel, 2) && db_col_text(sel, 2) && !*db_col_text(sel, 2),
               "%s: empty string stays '' (not NULL)", L);
        TAP_OK(db_col_int(sel, 3) == 5000000000LL, "%s: int64 > 2^32 read back", L);
        TAP_STREQ(db_col_text(sel, 3), "5000000000", "%s: int64 as text", L);
        TAP_OK(db_next(sel) == 0, "%s: one row only", L);

        r = db_exec(sel, "s", "Ana");
        TAP_OK(r == 0 && db_next(sel) == 1 && db_col_null(sel, 2) &&
                   db_col_text(sel, 2) == NULL && db_col_int(sel, 3) == -7,
               "%s: NULL stays NULL, negative int", L);
        TAP_OK(db_next(sel) == 0, "%s: end of rows", L);
        r = db_exec(sel, "s", "Bo");
        TAP_OK(r == 0 && db_next(sel) == 1 && db_col_int(sel, 3) == 12,
               "%s: int column bound from text", L);
        r = db_exec(sel, "s", "nobody");
        TAP_OK(r == 0 && db_next(sel) == 0, "%s: no row", L);
    }

    /* UPDATE counts matched rows. */
    db_stmt *upd = db_prepare(d, "UPDATE {tsdb_t} SET big = big + 1 WHERE big > ?");
    r = upd ? db_exec(upd, "i", (int64_t)0) : -1;
    CHECK(d, r == 0 && db_changes(upd) == 2, "%s: update changes = 2", L);
    r = upd ? db_exec(upd, "i", (int64_t)1LL << 40) : -1;
    TAP_OK(r == 0 && db_changes(upd) == 0, "%s: update of nothing changes 0", L);
    db_finalize(upd);
    TAP_OK(db_exec(ins, "ssi", "Ana", "dup", (int64_t)0) != 0 || db_sync(d) != 0,
           "%s: duplicate insert outside a transaction fails", L);
    CHECK(d, contains(db_error(d), "uplicate") || contains(db_error(d), "UNIQUE"),
          "%s: duplicate error message", L);
    printf("# %s: %s\n", L, db_error(d));
    TAP_OK(count_name(d, "Ana") == 1, "%s: still one Ana", L);

    /* A long value (more than any first buffer). */
    static char big[20001];
    for (int i = 0; i < 20000; i++)
        big[i] = (char)('a' + i % 26);
    big[20000] = '\0';
    r = db_exec(ins, "ssn", "Long", big);
    db_stmt *sl = db_prepare(d, "SELECT note, name FROM {tsdb_t} WHERE name = ?");
    r |= sl ? db_exec(sl, "s", "Long") : -1;
    TAP_OK(r == 0 && db_next(sl) == 1 && db_col_text(sl, 0) &&
               strcmp(db_col_text(sl, 0), big) == 0,
           "%s: 20000-byte text round trip", L);
    TAP_STREQ(sl ? db_col_text(sl, 1) : NULL, "Long", "%s: column after a long one", L);
    db_finalize(sl);

    /* ? in a literal is not a parameter; {table} in FROM is expanded. */
    db_stmt *lit = db_prepare(d, "SELECT 'a?b', ?, COUNT(*) FROM {tsdb_t} WHERE name <> '?'");
    r = lit ? db_exec(lit, "s", "x") : -1;
    TAP_OK(r == 0 && db_next(lit) == 1, "%s: select with ? in a literal", L);
    TAP_STREQ(lit ? db_col_text(lit, 0) : NULL, "a?b", "%s: literal kept its ?", L);
    TAP_STREQ(lit ? db_col_text(lit, 1) : NULL, "x", "%s: the one parameter", L);
    TAP_OK(lit && db_col_int(lit, 2) == 5, "%s: {tsdb_t} expanded", L);
    db_finalize(lit);
    TAP_OK(db_exec(ins, "ss", "a", "b") == -1 && contains(db_error(d), "parameter"),
           "%s: wrong parameter count refused", L);

    /* An INSERT into a table without id. */
    db_stmt *noid = db_prepare(d, "INSERT INTO {tsdb_noid} (k, v) VALUES (?, ?)");
    r = noid ? db_exec(noid, "si", "k1", (int64_t)1) : -1;
    CHECK(d, r == 0 && db_sync(d) == 0, "%s: insert into a table without id", L);
    r = noid ? db_exec(noid, "si", "k2", (int64_t)2) : -1;
    TAP_OK(r == 0 && db_sync(d) == 0, "%s: again", L);
    db_finalize(noid);

    /* Write counter */
    db_write_count_reset(d);
    db_exec(sel, "s", "Ana");
    db_next(sel);
    TAP_OK(db_write_count(d) == 0, "%s: a SELECT is no write", L);
    db_exec(ins, "ssi", "Wc", "", (int64_t)1);
    TAP_OK(db_write_count(d) == 1, "%s: an INSERT is a write", L);
    db_sync(d);

    db_finalize(sel);
    db_finalize(ins);
}

static void test_transactions(db *d)
{
    ts_db_kind k = db_kind(d);
    int r;
    db_stmt *ins = db_prepare(d, "INSERT INTO {tsdb_t} (name, note, big) VALUES (?, ?, ?)");
    if (!ins) {
        CHECK(d, 0, "%s: prepare for transactions", L);
        return;
    }

    r = db_begin(d);
    r |= db_exec(ins, "ssi", "Tx1", "", (int64_t)1);
    r |= db_rollback(d);
    TAP_OK(r == 0 && count_name(d, "Tx1") == 0, "%s: rollback discards", L);

    r = db_begin(d);
    r |= db_exec(ins, "ssi", "Tx2", "", (int64_t)1);
    r |= db_commit(d);
    TAP_OK(r == 0 && count_name(d, "Tx2") == 1, "%s: commit keeps", L);

    r = db_begin(d);
    r |= db_exec(ins, "ssi", "Keep", "", (int64_t)1);
    r |= db_savepoint(d, "sp1");
    r |= db_exec(ins, "ssi", "Drop", "", (int64_t)1);
    r |= db_rollback_to(d, "sp1");
    r |= db_release(d, "sp1");
    r |= db_commit(d);
    CHECK(d, r == 0 && count_name(d, "Keep") == 1 && count_name(d, "Drop") == 0,
          "%s: rollback_to savepoint keeps earlier rows", L);
    TAP_OK(db_savepoint(d, "Bad name") == -1, "%s: bad savepoint name refused", L);

    /* Commit while a SELECT has rows left unread. */
    db_stmt *all = db_prepare(d, "SELECT name FROM {tsdb_t} ORDER BY id");
    r = db_begin(d);
    r |= db_exec(ins, "ssi", "Tx4", "", (int64_t)1);
    r |= all ? db_exec(all, "") : -1;
    r |= db_next(all) == 1 ? 0 : -1;
    CHECK(d, r == 0 && db_commit(d) == 0 && count_name(d, "Tx4") == 1,
          "%s: commit with a half-read SELECT", L);
    db_finalize(all);

    /* A failing insert in a transaction, recovered through a savepoint. */
    r = db_begin(d);
    r |= db_exec(ins, "ssi", "Before", "", (int64_t)1);
    r |= db_savepoint(d, "row");
    TAP_OK(r == 0, "%s: begin + savepoint", L);
    int re = db_exec(ins, "ssi", "Günter", "dup", (int64_t)1);
    if (k == TS_DB_POSTGRES) {
        TAP_OK(re == 0, "%s: pipelined duplicate insert is queued", L);
        r = db_release(d, "row");
        TAP_OK(r == -1, "%s: ... and fails at the next sync (release)", L);
    } else {
        TAP_OK(re == -1, "%s: duplicate insert fails at once", L);
        r = -1;
    }
    CHECK(d, contains(db_error(d), "uplicate") || contains(db_error(d), "UNIQUE"),
          "%s: error says duplicate", L);
    TAP_OK(!db_connection_lost(d), "%s: not a lost connection", L);
    r = db_rollback_to(d, "row");
    CHECK(d, r == 0, "%s: rollback_to after the failure", L);
    r = db_exec(ins, "ssi", "After", "", (int64_t)1);
    r |= db_release(d, "row");
    r |= db_commit(d);
    CHECK(d, r == 0 && count_name(d, "Before") == 1 && count_name(d, "After") == 1,
          "%s: transaction goes on after the savepoint rollback", L);

    /* A failure surfaces at commit; rollback then cleans up. */
    r = db_begin(d);
    r |= db_exec(ins, "ssi", "Lost1", "", (int64_t)1);
    int rd = db_exec(ins, "ssi", "Günter", "dup", (int64_t)1);
    if (k == TS_DB_POSTGRES) {
        r |= db_exec(ins, "ssi", "Lost2", "", (int64_t)1);
        TAP_OK(r == 0 && rd == 0 && db_commit(d) == -1,
               "%s: a failed queued write makes commit fail", L);
    } else {
        TAP_OK(r == 0 && rd == -1, "%s: a failed write fails at once", L);
    }
    r = db_rollback(d);
    CHECK(d, r == 0 && count_name(d, "Lost1") == 0 && count_name(d, "Lost2") == 0,
          "%s: rollback after failure leaves nothing", L);

    if (k == TS_DB_POSTGRES) {
        /* The failure of a queued write surfaces at db_next of an unrelated SELECT. */
        db_stmt *sel = db_prepare(d, "SELECT COUNT(*) FROM {tsdb_t}");
        r = db_begin(d);
        r |= db_exec(sel, "");
        TAP_OK(r == 0 && db_next(sel) == 1, "%s: select in transaction", L);
        TAP_OK(db_exec(ins, "ssi", "Günter", "dup", (int64_t)1) == 0, "%s: dup queued", L);
        TAP_OK(db_next(sel) == -1 && contains(db_error(d), "uplicate"),
               "%s: error surfaces at db_next", L);
        TAP_OK(db_exec(sel, "") == -1, "%s: transaction is failed until rollback", L);
        TAP_OK(db_rollback(d) == 0 && db_exec(sel, "") == 0 && db_next(sel) == 1,
               "%s: usable again after rollback", L);
        /* ... and at db_last_id */
        TAP_OK(db_exec(ins, "ssi", "Günter", "dup", (int64_t)1) == 0 && db_last_id(ins) == -1,
               "%s: error surfaces at db_last_id", L);
        db_finalize(sel);

        /* A statement prepared while the transaction has failed is prepared later. */
        r = db_begin(d);
        TAP_OK(r == 0 && db_exec(ins, "ssi", "Günter", "dup", (int64_t)1) == 0,
               "%s: dup queued again", L);
        db_stmt *late = db_prepare(d, "SELECT name FROM {tsdb_t} WHERE name = ?");
        db_stmt *late2 = db_prepare(d, "INSERT INTO {tsdb_noid} (k, v) VALUES (?, ?)");
        CHECK(d, late && late2, "%s: prepare while a queued write failed", L);
        TAP_OK(db_sync(d) == -1 && contains(db_error(d), "uplicate"),
               "%s: sync reports the failed write", L);
        CHECK(d, db_rollback(d) == 0, "%s: rollback", L);
        CHECK(d, late && db_exec(late, "s", "Günter") == 0 && db_next(late) == 1,
              "%s: that select works after the rollback", L);
        TAP_STREQ(late ? db_col_text(late, 0) : NULL, "Günter", "%s: and reads", L);
        CHECK(d, late2 && db_exec(late2, "si", "k3", (int64_t)3) == 0 && db_sync(d) == 0,
              "%s: that insert into a table without id works too", L);
        db_finalize(late);
        db_finalize(late2);

        /* Finalizing a statement with unanswered executions. */
        db_stmt *tmp = db_prepare(d, "INSERT INTO {tsdb_t} (name) VALUES (?)");
        r = tmp ? db_exec(tmp, "s", "Tmp1") : -1;
        db_finalize(tmp);
        CHECK(d, r == 0 && db_sync(d) == 0 && count_name(d, "Tmp1") == 1,
              "%s: finalize with a queued execution", L);
        tmp = db_prepare(d, "INSERT INTO {tsdb_t} (name) VALUES (?)");
        r = tmp ? db_exec(tmp, "s", "Tmp1") : -1;
        db_finalize(tmp);
        TAP_OK(r == 0 && db_sync(d) == -1 && contains(db_error(d), "uplicate"),
               "%s: its failure still surfaces", L);
        /* An autocommit write's failure surfaces at the next BEGIN, not later. */
        TAP_OK(db_exec(ins, "ssi", "Günter", "dup", (int64_t)1) == 0 && db_begin(d) == -1 &&
                   contains(db_error(d), "uplicate"),
               "%s: failure of a write before BEGIN surfaces at BEGIN", L);
        CHECK(d, db_begin(d) == 0 && db_exec(ins, "ssi", "Tx3", "", (int64_t)1) == 0 &&
                     db_commit(d) == 0 && count_name(d, "Tx3") == 1,
              "%s: next transaction fine", L);

        /* ids taken ahead */
        int64_t a = db_reserve_id(d, "tsdb_t"), b = db_reserve_id(d, "tsdb_t");
        CHECK(d, a > 0 && b > a, "%s: reserve_id gives growing ids", L);
        db_stmt *ex = db_prepare(d, "INSERT INTO {tsdb_t} (id, name) VALUES (?, ?)");
        r = ex ? db_exec(ex, "is", b, "Reserved") : -1;
        TAP_OK(r == 0 && db_last_id(ex) == b && id_of(d, "Reserved") == b,
               "%s: insert with a reserved id", L);
        TAP_OK(db_exec(ins, "ssi", "AfterReserved", "", (int64_t)1) == 0 &&
                   db_last_id(ins) > b,
               "%s: sequence moved past the reserved id", L);
        int64_t prev = b, ok = 1;
        for (int i = 0; i < 100; i++) {
            int64_t id = db_reserve_id(d, "tsdb_t");
            if (id <= prev)
                ok = 0;
            prev = id;
        }
        TAP_OK(ok, "%s: 100 more reserved ids, all growing", L);
        TAP_OK(db_reserve_id(d, "tsdb_nope") == -1, "%s: reserve_id on a missing sequence "
                                                     "fails", L);
        printf("# %s: %s\n", L, db_error(d));
        db_finalize(ex);
    } else {
        TAP_OK(db_reserve_id(d, "tsdb_t") == 0, "%s: reserve_id answers 0", L);
    }
    db_finalize(ins);
}

static void bench(db *d, const db_params *p, int n)
{
    db_stmt *ins = db_prepare(d, "INSERT INTO {tsdb_t} (name, note, big) VALUES (?, ?, ?)");
    char name[32];
    int r = 0;
    double t0 = now_s();
    r |= db_begin(d);
    for (int i = 0; i < n && r == 0; i++) {
        snprintf(name, sizeof name, "bench%d", i);
        r |= db_exec(ins, "ssi", name, "some note", (int64_t)i);
    }
    r |= db_commit(d);
    double t1 = now_s();
    CHECK(d, r == 0, "%s: %d inserts in one transaction", L, n);
    printf("# %s: %d inserts%s: %.3f s, %.0f/s, %.1f us each\n", L, n,
           p->kind == TS_DB_POSTGRES ? " (pipelined)" : "", t1 - t0, n / (t1 - t0),
           (t1 - t0) * 1e6 / n);
    if (p->kind == TS_DB_POSTGRES) {
        int m = n / 10 > 0 ? n / 10 : 1;
        db_set_pipeline(d, 0);
        t0 = now_s();
        r = db_begin(d);
        for (int i = 0; i < m && r == 0; i++) {
            snprintf(name, sizeof name, "sync%d", i);
            r |= db_exec(ins, "ssi", name, "some note", (int64_t)i);
        }
        r |= db_commit(d);
        t1 = now_s();
        db_set_pipeline(d, 1);
        TAP_OK(r == 0, "%s: %d inserts without pipelining", L, m);
        printf("# %s: %d inserts (one round trip each): %.3f s, %.0f/s, %.1f us each\n", L,
               m, t1 - t0, m / (t1 - t0), (t1 - t0) * 1e6 / m);
    }
    db_stmt *cnt = db_prepare(d, "SELECT COUNT(*) FROM {tsdb_t} WHERE name LIKE 'bench%'");
    TAP_OK(cnt && db_exec(cnt, "") == 0 && db_next(cnt) == 1 && db_col_int(cnt, 0) == n,
           "%s: all %d rows are there", L, n);
    db_finalize(cnt);
    db_finalize(ins);
}

/* Kills the connection from a second one, as a server restart would. */
static void test_lost(db *d, const db_params *p)
{
    char err[512];
    db *killer = db_open(p, err, sizeof err);
    db_stmt *me = db_prepare(d, p->kind == TS_DB_POSTGRES ? "SELECT pg_backend_pid()"
                                                          : "SELECT CONNECTION_ID()");
    int64_t id = -1;
    if (me && db_exec(me, "") == 0 && db_next(me) == 1)
        id = db_col_int(me, 0);
    char sql[64];
    snprintf(sql, sizeof sql, p->kind == TS_DB_POSTGRES ? "SELECT pg_terminate_backend(%lld)"
                                                        : "KILL CONNECTION %lld", (long long)id);
    int r = killer ? db_exec_script(killer, sql) : -1;
    TAP_OK(id > 0 && r == 0, "%s: connection killed from another one", L);
    if (!(id > 0 && r == 0))
        printf("# %s\n", killer ? db_error(killer) : err);
    db_close(killer);
    usleep(200 * 1000);
    r = db_exec(me, "");
    if (r == 0)
        r = db_next(me) < 0 ? -1 : 0;
    CHECK(d, r == -1 && db_connection_lost(d), "%s: db_connection_lost after the kill", L);
    printf("# %s: %s\n", L, db_error(d));
    TAP_OK(!contains(db_error(d), p->password), "%s: no password in the message", L);
    TAP_OK(db_begin(d) == -1 && db_connection_lost(d), "%s: later calls fail too", L);
    db_finalize(me);
}

static void run(const char *label, const db_params *p, int nbench)
{
    char err[512];
    L = label;

    /* A wrong password is refused without being echoed. */
    if (p->kind != TS_DB_SQLITE) {
        db_params bad = *p;
        bad.password = "WrongSecret-xyzzy";
        db *x = db_open(&bad, err, sizeof err);
        TAP_OK(x == NULL && *err && !strstr(err, bad.password),
               "%s: wrong password refused, not echoed", L);
        printf("# %s: %s\n", L, err);
        db_close(x);
    }
    db_params badp = *p;
    badp.prefix = "x; DROP";
    TAP_OK(db_open(&badp, err, sizeof err) == NULL, "%s: bad prefix refused", L);

    db *d = db_open(p, err, sizeof err);
    TAP_OK(d != NULL, "%s: open", L);
    if (!d) {
        printf("# %s\n", err);
        return;
    }
    TAP_OK(db_kind(d) == p->kind && strcmp(db_prefix(d), p->prefix) == 0,
           "%s: kind and prefix", L);
    test_basic(d);
    test_transactions(d);
    tap_failed_ += test_later(d, L);
    if (nbench > 0)
        bench(d, p, nbench);
    TAP_OK(db_sync(d) == 0, "%s: final sync", L);
    TAP_OK(db_exec_script(d, "DROP TABLE {tsdb_t}; DROP TABLE {tsdb_noid}") == 0,
           "%s: drop tables", L);
    if (p->kind != TS_DB_SQLITE)
        test_lost(d, p);
    db_close(d);
}

/* A server set up without strict mode must still refuse an overlong value from us (it
 * would otherwise cut it and say nothing). */
static void test_strict(const db_params *p)
{
    char err[512];
    db *admin = db_open(p, err, sizeof err);
    if (!admin || db_exec_script(admin, "SET GLOBAL sql_mode = ''") != 0) {
        printf("# skip mariadb strict mode: cannot change the server's sql_mode\n");
        db_close(admin);
        return;
    }
    db *d = db_open(p, err, sizeof err);      /* a session opened under the lax server */
    TAP_OK(d && db_exec_script(d, "CREATE TABLE {tsdb_short} (id BIGINT AUTO_INCREMENT "
                               "PRIMARY KEY, v VARCHAR(5))") == 0, "%s: short table", L);
    db_stmt *st = d ? db_prepare(d, "INSERT INTO {tsdb_short} (v) VALUES (?)") : NULL;
    int rc = st ? db_exec(st, "s", "abcdefghij") : 0;
    if (rc == 0 && d)
        rc = db_sync(d);
    TAP_OK(st && rc != 0, "%s: an overlong value is an error under a lax server", L);
    if (st)
        db_finalize(st);
    if (d) {
        db_exec_script(d, "DROP TABLE {tsdb_short}");
        db_close(d);
    }
    db_exec_script(admin, "SET GLOBAL sql_mode = DEFAULT");
    db_close(admin);
}

static int env_params(db_params *p, const char *pfx, ts_db_kind kind)
{
    char k[32];
#define ENV(field, name) (snprintf(k, sizeof k, "%s_%s", pfx, name), p->field = getenv(k))
    memset(p, 0, sizeof *p);
    p->kind = kind;
    ENV(host, "HOST");
    ENV(user, "USER");
    ENV(password, "PASSWORD");
    ENV(name, "DB");
    ENV(socket, "SOCKET");
    snprintf(k, sizeof k, "%s_PORT", pfx);
    p->port = getenv(k) ? atoi(getenv(k)) : 0;
    p->prefix = "tst_";
#undef ENV
    return p->host && p->user && p->password && p->name;
}

int main(void)
{
    int nbench = getenv("TS_DB_BENCH") ? atoi(getenv("TS_DB_BENCH")) : 20000;
    db_params p;

    test_dialect();

    char path[] = "/tmp/test_db.XXXXXX";
    int fd = mkstemp(path);
    TAP_OK(fd >= 0, "sqlite: temporary file");
    if (fd >= 0) {
        close(fd);
        memset(&p, 0, sizeof p);
        p.kind = TS_DB_SQLITE;
        p.name = path;
        p.prefix = "tst_";
        run("sqlite", &p, nbench);
        char side[sizeof path + 8];
        unlink(path);
        snprintf(side, sizeof side, "%s-wal", path);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", path);
        unlink(side);
    }

    if (env_params(&p, "TS_PG", TS_DB_POSTGRES))
        run("pgsql", &p, nbench);
    else
        printf("# skip pgsql: no server\n");
    if (env_params(&p, "TS_MY", TS_DB_MARIADB)) {
        run("mariadb", &p, nbench);
        L = "mariadb";
        test_strict(&p);
        p.host = "";                    /* the same through the unix socket */
        if (p.socket) {
            char err[512];
            db *d = db_open(&p, err, sizeof err);
            L = "mariadb";
            TAP_OK(d && db_table_exists(d, "tsdb_t") == 0, "%s: connect by socket", L);
            if (!d)
                printf("# %s\n", err);
            db_close(d);
        }
    } else {
        printf("# skip mariadb: no server\n");
    }
    return tap_done();
}
