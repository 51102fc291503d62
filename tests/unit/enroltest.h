/* What the unit tests of the enrolment writers share: a site on SQLite, PostgreSQL and
 * MariaDB, queries that flush the buffered events first, the log rows since a mark, and
 * the purge requests.  Static functions: each test program includes it once.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef TS_TEST_ENROLTEST_H
#define TS_TEST_ENROLTEST_H

/* Not every program uses every helper. */
#pragma GCC diagnostic ignored "-Wunused-function"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "moodle/moodle.h"
#include "moodle/enrol.h"
#include "tap.h"

#ifndef TS_TOP_SRCDIR
#define TS_TOP_SRCDIR "."
#endif

static db *d;
static moodle_site *s;
static const char *kind_name;
static const int64_t NOW = 1800000000;

/* ---- query helpers ------------------------------------------------------------------- */

/* First column of the first row as an integer; -1 when there is no row, -2 on error. */
static int64_t q_int(const char *sql, const char *types, ...)
{
    moodle_flush(s);   /* events are buffered until a commit point */
    db_stmt *st = db_prepare(d, sql);
    if (!st) {
        printf("# prepare failed: %s\n", db_error(d));
        return -2;
    }
    va_list ap;
    va_start(ap, types);
    int rc = db_execv(st, types, ap);
    va_end(ap);
    int64_t v = -2;
    if (rc == 0) {
        int r = db_next(st);
        v = r > 0 ? db_col_int(st, 0) : r == 0 ? -1 : -2;
        while (r > 0)
            r = db_next(st);
    }
    if (v == -2)
        printf("# query failed: %s\n", db_error(d));
    db_finalize(st);
    return v;
}

/* First column of the first row as text (static buffer); "(none)" / "(null)". */
static const char *q_text(const char *sql, const char *types, ...)
{
    moodle_flush(s);   /* events are buffered until a commit point */
    static char buf[2048];
    snprintf(buf, sizeof buf, "(none)");
    db_stmt *st = db_prepare(d, sql);
    if (!st)
        return "(error)";
    va_list ap;
    va_start(ap, types);
    int rc = db_execv(st, types, ap);
    va_end(ap);
    if (rc == 0) {
        int r = db_next(st);
        if (r > 0) {
            const char *t = db_col_text(st, 0);
            snprintf(buf, sizeof buf, "%s", t ? t : "(null)");
        }
        while (r > 0)
            r = db_next(st);
    }
    db_finalize(st);
    return buf;
}

/* Prepares and runs `sql`; NULL when it cannot be prepared, *rc the run's status. */
static db_stmt *run_sql(const char *sql, const char *types, va_list ap, int *rc)
{
    db_stmt *st = db_prepare(d, sql);
    *rc = -1;
    if (!st) {
        printf("# prepare failed: %s\n", db_error(d));
        return NULL;
    }
    *rc = db_execv(st, types, ap);
    return st;
}

static int exec_sql(const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int rc;
    db_stmt *st = run_sql(sql, types, ap, &rc);
    va_end(ap);
    if (st && rc != 0)
        printf("# exec failed: %s\n", db_error(d));
    db_finalize(st);
    return rc;
}

static int64_t insert_sql(const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int rc;
    db_stmt *st = run_sql(sql, types, ap, &rc);
    va_end(ap);
    int64_t id = st && rc == 0 ? db_last_id(st) : -1;
    if (id <= 0)
        printf("# insert failed: %s\n", db_error(d));
    db_finalize(st);
    return id;
}

/* The log rows written since `mark` (a log id), as "eventname|other" lines. */
typedef struct {
    char name[64];
    char other[1024];
    int64_t objectid, courseid, relateduserid, contextid;
    char crud[4];
    char objecttable[32];
} logrow;

static int log_since(int64_t mark, logrow *rows, int max)
{
    moodle_flush(s);   /* events are buffered until a commit point */
    db_stmt *st = db_prepare(d,
        "SELECT eventname, other, objectid, courseid, relateduserid, contextid, crud, "
        "objecttable FROM {logstore_standard_log} WHERE id > ? ORDER BY id");
    if (!st)
        return -1;
    int n = 0;
    if (db_exec(st, "i", mark) == 0) {
        int r;
        while ((r = db_next(st)) > 0) {
            if (n == max)
                continue;
            logrow *l = &rows[n++];
            const char *e = db_col_text(st, 0);
            /* "\core\event\user_enrolment_created" -> "user_enrolment_created" */
            const char *b = e ? strrchr(e, '\\') : NULL;
            snprintf(l->name, sizeof l->name, "%s", b ? b + 1 : e ? e : "");
            const char *o = db_col_text(st, 1);
            snprintf(l->other, sizeof l->other, "%s", o ? o : "(null)");
            l->objectid = db_col_null(st, 2) ? -1 : db_col_int(st, 2);
            l->courseid = db_col_null(st, 3) ? -1 : db_col_int(st, 3);
            l->relateduserid = db_col_null(st, 4) ? -1 : db_col_int(st, 4);
            l->contextid = db_col_int(st, 5);
            snprintf(l->crud, sizeof l->crud, "%s", db_col_text(st, 6));
            const char *t = db_col_text(st, 7);
            snprintf(l->objecttable, sizeof l->objecttable, "%s", t ? t : "(null)");
        }
    }
    db_finalize(st);
    return n;
}

static int64_t log_mark(void)
{
    moodle_flush(s);   /* events are buffered until a commit point */
    int64_t m = q_int("SELECT MAX(id) FROM {logstore_standard_log}", "");
    return m < 0 ? 0 : m;
}

static int64_t count_rows(const char *sql, const char *types, ...)
{
    moodle_flush(s);   /* events are buffered until a commit point */
    db_stmt *st = db_prepare(d, sql);
    if (!st)
        return -2;
    va_list ap;
    va_start(ap, types);
    int rc = db_execv(st, types, ap);
    va_end(ap);
    int64_t n = -2;
    if (rc == 0 && db_next(st) > 0)
        n = db_col_int(st, 0);
    while (rc == 0 && db_next(st) > 0)
        ;
    db_finalize(st);
    return n;
}

#define UE_COUNT(enrolid, userid) count_rows( \
    "SELECT COUNT(*) FROM {user_enrolments} WHERE enrolid = ? AND userid = ?", "ii", \
    (int64_t)(enrolid), (int64_t)(userid))
#define RA_COUNT(userid) count_rows( \
    "SELECT COUNT(*) FROM {role_assignments} WHERE userid = ?", "i", (int64_t)(userid))
#define GM_COUNT(groupid, userid) count_rows( \
    "SELECT COUNT(*) FROM {groups_members} WHERE groupid = ? AND userid = ?", "ii", \
    (int64_t)(groupid), (int64_t)(userid))
#define LOG_COUNT() count_rows("SELECT COUNT(*) FROM {logstore_standard_log}", "")

/* The purges the writers asked for, as the run's sink would collect them. */
static char purges[1024];
static void purge_sink(void *ctx, const char *what)
{
    (void)ctx;
    if (strlen(purges) + strlen(what) + 2 < sizeof purges) {
        if (*purges)
            strcat(purges, ",");
        strcat(purges, what);
    }
}
static void purges_reset(void)
{
    purges[0] = '\0';
    moodle_set_purge_sink(s, purge_sink, NULL);
}

static int has_purge(const char *what)
{
    const char *l = purges;
    size_t n = strlen(what);
    for (const char *p = l; (p = strstr(p, what)); p += n)
        if ((p == l || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

/* ---- fixtures ------------------------------------------------------------------------- */

/* A course in category 1 with its context (its path into `path`): its id, or -1. */
__attribute__((unused)) static int64_t new_course_path(const char *shortname, char *path)
{
    int64_t id = insert_sql(
        "INSERT INTO {course} (category, sortorder, fullname, shortname, idnumber, summary, "
        "format, lang, calendartype, theme, timecreated, timemodified, cacherev) "
        "VALUES (1, 10001, ?, ?, ?, '', 'topics', '', '', '', ?, ?, ?)",
        "sssiii", shortname, shortname, shortname, NOW, NOW, NOW);
    int64_t ctx = id > 0 ? moodle_context_create(s, NOW, 50, id, "/1/3", path) : -1;
    return ctx > 0 ? id : -1;
}

__attribute__((unused)) static int64_t new_course(const char *shortname)
{
    char path[256];
    return new_course_path(shortname, path);
}

/* A manual account: its id, or -1. */
__attribute__((unused)) static int64_t new_user(const char *name)
{
    return insert_sql("INSERT INTO {user} (auth, confirmed, mnethostid, username, password, "
                      "timecreated, timemodified) VALUES ('manual', 1, 1, ?, 'x', ?, ?)",
                      "sii", name, NOW, NOW);
}

/* ---- sites ---------------------------------------------------------------------------- */

static void (*the_scenario)(void);

static int run_site(const db_params *p, const char *name)
{
    char err[512];
    kind_name = name;
    d = db_open(p, err, sizeof err);
    TAP_OK(d != NULL, "%s: database opened", name);
    if (!d) {
        printf("# %s\n", err);
        return -1;
    }
    s = moodle_open(d, err, sizeof err);
    TAP_OK(s != NULL, "%s: site opened", name);
    if (!s) {
        printf("# %s\n", err);
        db_close(d);
        return -1;
    }
    the_scenario();
    moodle_close(s);
    db_close(d);
    return 0;
}

/* Opens the site again: settings are read once per moodle_open (tests that change
 * {config} or {config_plugins} call this). */
static void reopen_site(void)
{
    char err[512];
    moodle_close(s);
    s = moodle_open(d, err, sizeof err);
    if (!s) {
        printf("# %s\n", err);
        exit(1);
    }
}

static int mksite(const char *kind, const char *target)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "sh '%s/tests/lib/mksite.sh' %s '%s'", TS_TOP_SRCDIR, kind,
             target);
    int rc = system(cmd);
    TAP_OK(rc == 0, "%s: mksite.sh", kind);
    return rc == 0 ? 0 : -1;
}

/* Runs `scenario` on a fresh SQLite site, then on the servers TS_PG_* / TS_MY_* name
 * (database `dbname`, dropped and created), and with TS_UNIT_DUMPS=1 on the real Moodle
 * 4.2 dumps loaded there. */
static int run_sites(const char *dbname, void (*scenario)(void))
{
    the_scenario = scenario;
    char file[] = "/tmp/ts-test-site-XXXXXX";
    int fd = mkstemp(file);
    if (fd < 0) {
        perror("mkstemp");
        return 2;
    }
    close(fd);
    if (mksite("sqlite", file) == 0) {
        db_params p = { .kind = TS_DB_SQLITE, .name = file, .prefix = "mdl_" };
        run_site(&p, "sqlite");
    }
    unlink(file);

    const char *h = getenv("TS_PG_HOST");
    if (h && *h && mksite("pgsql", dbname) == 0) {
        const char *port = getenv("TS_PG_PORT");
        db_params p = { .kind = TS_DB_POSTGRES, .host = h, .port = port ? atoi(port) : 0,
                        .name = dbname, .user = getenv("TS_PG_USER"),
                        .password = getenv("TS_PG_PASSWORD"), .prefix = "mdl_" };
        run_site(&p, "pgsql");
    }

    h = getenv("TS_MY_HOST");
    const char *sock = getenv("TS_MY_SOCKET");
    if (((h && *h) || (sock && *sock)) && mksite("mariadb", dbname) == 0) {
        const char *port = getenv("TS_MY_PORT");
        db_params p = { .kind = TS_DB_MARIADB, .host = h ? h : "",
                        .port = port ? atoi(port) : 0, .name = dbname,
                        .user = getenv("TS_MY_USER"), .password = getenv("TS_MY_PASSWORD"),
                        .socket = sock, .prefix = "mdl_" };
        run_site(&p, "mariadb");
    }
    /* The real Moodle 4.2 sites too (tests/lib/mksite.sh *-dump), when asked. */
    const char *dumps = getenv("TS_UNIT_DUMPS");
    h = getenv("TS_PG_HOST");
    if (dumps && *dumps && h && *h && mksite("pgsql-dump", dbname) == 0) {
        const char *port = getenv("TS_PG_PORT");
        db_params p = { .kind = TS_DB_POSTGRES, .host = h, .port = port ? atoi(port) : 0,
                        .name = dbname, .user = getenv("TS_PG_USER"),
                        .password = getenv("TS_PG_PASSWORD"), .prefix = "mdl_" };
        run_site(&p, "pgsql-dump");
    }
    h = getenv("TS_MY_HOST");
    if (dumps && *dumps && ((h && *h) || (sock && *sock)) &&
        mksite("mariadb-dump", dbname) == 0) {
        const char *port = getenv("TS_MY_PORT");
        db_params p = { .kind = TS_DB_MARIADB, .host = h ? h : "",
                        .port = port ? atoi(port) : 0, .name = dbname,
                        .user = getenv("TS_MY_USER"), .password = getenv("TS_MY_PASSWORD"),
                        .socket = sock, .prefix = "mdl_" };
        run_site(&p, "mariadb-dump");
    }
    return tap_done();
}

#endif
