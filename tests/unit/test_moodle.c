/* Unit tests of core/moodle: passwords, event data encoding, and the rows written to a
 * small SQLite site (config, contexts, cache flags, log, preferences).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "tap.h"
#include "moodle/moodle.h"
#include "moodle/moodle_internal.h"

/* ---- passwords ---------------------------------------------------------------------- */

/* Events are buffered until moodle_flush (the batch runner flushes before commits). */
#define event_now(s, ...) (moodle_event(s, __VA_ARGS__) == 0 ? moodle_flush(s) : -1)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Hashes n copies of a password; prints the rate as a diagnostic. */
static double rate(const char *scheme, int cost, int threads, size_t n)
{
    const char **plain = calloc(n, sizeof *plain);
    char **out = calloc(n, sizeof *out);
    for (size_t i = 0; i < n; i++)
        plain[i] = "Secr3t!pass";
    double t0 = now_s();
    int r = moodle_hash_passwords_scheme(scheme, plain, out, n, cost, threads);
    double dt = now_s() - t0;
    for (size_t i = 0; i < n; i++)
        free(out[i]);
    free(plain);
    free(out);
    return r == 0 && dt > 0 ? n / dt : 0;
}

static void test_passwords(void)
{
    const char *one[] = { "Secr3t!" };
    char *h[1];
    TAP_OK(moodle_hash_passwords(one, h, 1, 4, 1) == 0, "bcrypt cost 4 hashes");
    TAP_OK(h[0] && strncmp(h[0], "$2y$04$", 7) == 0, "bcrypt hash starts with $2y$04$");
    TAP_OK(h[0] && strlen(h[0]) == 60, "bcrypt hash is 60 characters");
    TAP_OK(moodle_check_password("Secr3t!", h[0]) == 1, "check_password accepts the password");
    TAP_OK(moodle_check_password("Secr3t?", h[0]) == 0, "check_password refuses another one");
    TAP_OK(moodle_check_password("", h[0]) == 0, "check_password refuses the empty password");
    free(h[0]);

    /* Hashes printed by PHP (password_verify and crypt examples of the PHP manual). */
    TAP_OK(moodle_check_password("rasmuslerdorf",
           "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a") == 1,
           "verifies PHP password_hash() output ($2y$10$)");
    TAP_OK(moodle_check_password("rasmuslerdorf",
           "$2y$07$BCryptRequires22Chrcte/VlQH0piJtjXl.0t1XkA8pw9dMXTpOq") == 1,
           "verifies PHP crypt() bcrypt output ($2y$07$)");
    TAP_OK(moodle_check_password("rasmuslerdorf",
           "$6$rounds=5000$usesomesillystri$D4IrlXatmP7rx3P3InaxBeoomnAihCKRVQP22JZ6EY47Wc6BkroIuUUBOov1i.S5KPgErtP/EN5mcO.ChWQW21") == 1,
           "verifies PHP crypt() SHA-512 output ($6$rounds=5000$)");
    TAP_OK(moodle_check_password("rasmuslerdorF",
           "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a") == 0,
           "refuses a wrong password against a PHP hash");
    TAP_OK(moodle_check_password("x", "not cached") == 0 &&
           moodle_check_password("x", "*NOPASS*") == 0 &&
           moodle_check_password("x", "") == 0 && moodle_check_password("x", NULL) == 0,
           "non-hash password values never match");

    /* Moodle 4.3+ scheme. */
    TAP_OK(moodle_hash_passwords_scheme(MOODLE_HASH_SHA512, one, h, 1, 10000, 1) == 0,
           "SHA-512 rounds 10000 hashes");
    TAP_OK(h[0] && strncmp(h[0], "$6$rounds=10000$", 16) == 0 && strlen(h[0]) == 119 &&
           h[0][32] == '$', "SHA-512 hash is $6$rounds=10000$<16-char salt>$<86>");
    TAP_OK(h[0] && strspn(h[0] + 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                     "0123456789./") == 16, "SHA-512 salt alphabet");
    TAP_OK(moodle_check_password("Secr3t!", h[0]) == 1 &&
           moodle_check_password("secr3t!", h[0]) == 0, "SHA-512 hash checks");
    free(h[0]);

    /* Bulk on 2 threads, with a hole. */
    enum { N = 64 };
    const char *plain[N];
    char *out[N];
    char buf[N][16];
    for (int i = 0; i < N; i++) {
        snprintf(buf[i], sizeof buf[i], "Pw-%d!x", i);
        plain[i] = i == 17 ? NULL : buf[i];
    }
    TAP_OK(moodle_hash_passwords(plain, out, N, 4, 2) == 0, "64 passwords on 2 threads");
    int good = 0, distinct = 1;
    for (int i = 0; i < N; i++) {
        if (i == 17) {
            good += out[i] == NULL;
            continue;
        }
        good += out[i] && strncmp(out[i], "$2y$04$", 7) == 0 && strlen(out[i]) == 60 &&
                moodle_check_password(buf[i], out[i]) &&
                !moodle_check_password(buf[(i + 1) % N], out[i]);
        for (int k = 0; k < i; k++)
            if (out[k] && out[i] && strcmp(out[k], out[i]) == 0)
                distinct = 0;
    }
    TAP_OK(good == N, "all 64 hashes valid for their own password only (NULL kept NULL)");
    TAP_OK(distinct, "salts differ");
    for (int i = 0; i < N; i++)
        free(out[i]);
    TAP_OK(moodle_hash_passwords(plain, out, N, 3, 2) == -1 && out[0] == NULL,
           "invalid cost fails and leaves no hash");

    printf("# bcrypt cost 4, 2 threads: %.0f hashes/s\n", rate(MOODLE_HASH_BCRYPT, 4, 2, 256));
    printf("# bcrypt cost 10, 2 threads: %.1f hashes/s\n", rate(MOODLE_HASH_BCRYPT, 10, 2, 16));
    printf("# SHA-512 rounds 10000, 2 threads: %.1f hashes/s\n",
           rate(MOODLE_HASH_SHA512, 10000, 2, 64));
}

/* ---- event data ----------------------------------------------------------------------- */

static void other_is(const char *in, int json, const char *want, const char *what)
{
    char err[200] = "";
    char *got = moodle_php_other(in, json, err, sizeof err);
    TAP_STREQ(got, want, "other %s: %s", json ? "json" : "serialize", what);
    if (!got)
        printf("# %s\n", err);
    free(got);
}

static void test_other(void)
{
    other_is(NULL, 1, "null", "no data");
    other_is(NULL, 0, "N;", "no data");
    other_is("{\"forgottenreset\":false}", 1, "{\"forgottenreset\":false}", "bool");
    other_is("{\"forgottenreset\":false}", 0, "a:1:{s:14:\"forgottenreset\";b:0;}", "bool");
    other_is("{ \"shortname\" : \"a/b\", \"fullname\":\"Caf\xc3\xa9 \\\"x\\\"\" }", 1,
             "{\"shortname\":\"a\\/b\",\"fullname\":\"Caf\\u00e9 \\\"x\\\"\"}",
             "slash and non-ASCII escaped like json_encode");
    other_is("{\"shortname\":\"a/b\",\"fullname\":\"Caf\\u00e9\"}", 0,
             "a:2:{s:9:\"shortname\";s:3:\"a/b\";s:8:\"fullname\";s:5:\"Caf\xc3\xa9\";}",
             "string lengths in bytes");
    other_is("{\"id\":5,\"component\":\"enrol_cohort\",\"itemid\":\"7\"}", 0,
             "a:3:{s:2:\"id\";i:5;s:9:\"component\";s:12:\"enrol_cohort\";s:6:\"itemid\";s:1:\"7\";}",
             "int and numeric string kept apart");
    other_is("{}", 1, "[]", "empty array");
    other_is("{}", 0, "a:0:{}", "empty array");
    other_is("{\"0\":\"a\",\"1\":\"b\"}", 1, "[\"a\",\"b\"]", "keys 0..n-1 make a list");
    other_is("{\"5\":\"x\",\"05\":1}", 1, "{\"5\":\"x\",\"05\":1}", "integer key in object");
    other_is("{\"5\":\"x\",\"05\":1}", 0, "a:2:{i:5;s:1:\"x\";s:2:\"05\";i:1;}",
             "integer key becomes i:");
    other_is("[1,[true,null],{\"a\":{\"b\":-2}}]", 0,
             "a:3:{i:0;i:1;i:1;a:2:{i:0;b:1;i:1;N;}i:2;a:1:{s:1:\"a\";a:1:{s:1:\"b\";i:-2;}}}",
             "nesting");
    other_is("\"\xf0\x9f\x98\x80\\n\\u0001\"", 1, "\"\\ud83d\\ude00\\n\\u0001\"",
             "astral and control characters");
    other_is("[0.5,1.0,1e25,0.00001]", 1, "[0.5,1.0,1.0e+25,1.0e-5]", "floats");
    other_is("[0.5,1.0,1e25,0.00001]", 0, "a:4:{i:0;d:0.5;i:1;d:1;i:2;d:1.0E+25;i:3;d:1.0E-5;}",
             "floats");
    other_is("{\"a\":1,\"a\":2}", 1, "{\"a\":2}", "repeated key keeps the last value");
    char err[200];
    char *bad = moodle_php_other("{\"a\":}", 1, err, sizeof err);
    TAP_OK(bad == NULL && strstr(err, "not valid JSON"), "invalid JSON refused");
    free(bad);
    bad = moodle_php_other("\"\xff\"", 1, err, sizeof err);
    TAP_OK(bad == NULL, "invalid UTF-8 refused");
    free(bad);
}

/* ---- SQLite site ---------------------------------------------------------------------- */

static const char *DDL =
    "CREATE TABLE mdl_config (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " name VARCHAR(255) NOT NULL DEFAULT '', value TEXT NOT NULL);"
    "CREATE UNIQUE INDEX mdl_conf_nam_uix ON mdl_config (name);"
    "CREATE TABLE mdl_config_plugins (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " plugin VARCHAR(100) NOT NULL DEFAULT 'core', name VARCHAR(100) NOT NULL DEFAULT '',"
    " value TEXT NOT NULL);"
    "CREATE TABLE mdl_context (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " contextlevel BIGINT NOT NULL DEFAULT 0, instanceid BIGINT NOT NULL DEFAULT 0,"
    " path VARCHAR(255), depth SMALLINT NOT NULL DEFAULT 0, locked SMALLINT NOT NULL DEFAULT 0);"
    "CREATE UNIQUE INDEX mdl_cont_conins_uix ON mdl_context (contextlevel, instanceid);"
    "CREATE TABLE mdl_cache_flags (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " flagtype VARCHAR(255) NOT NULL DEFAULT '', name VARCHAR(255) NOT NULL DEFAULT '',"
    " timemodified BIGINT NOT NULL DEFAULT 0, value TEXT NOT NULL, expiry BIGINT NOT NULL);"
    "CREATE TABLE mdl_user_preferences (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " userid BIGINT NOT NULL DEFAULT 0, name VARCHAR(255) NOT NULL DEFAULT '',"
    " value VARCHAR(1333) NOT NULL DEFAULT '');"
    "CREATE UNIQUE INDEX mdl_userpref_usenam_uix ON mdl_user_preferences (userid, name);"
    "CREATE TABLE mdl_logstore_standard_log (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " eventname VARCHAR(255) NOT NULL DEFAULT '', component VARCHAR(100) NOT NULL DEFAULT '',"
    " action VARCHAR(100) NOT NULL DEFAULT '', target VARCHAR(100) NOT NULL DEFAULT '',"
    " objecttable VARCHAR(50), objectid BIGINT, crud VARCHAR(1) NOT NULL DEFAULT '',"
    " edulevel SMALLINT NOT NULL, contextid BIGINT NOT NULL, contextlevel BIGINT NOT NULL,"
    " contextinstanceid BIGINT NOT NULL, userid BIGINT NOT NULL, courseid BIGINT,"
    " relateduserid BIGINT, anonymous SMALLINT NOT NULL DEFAULT 0, other TEXT,"
    " timecreated BIGINT NOT NULL, origin VARCHAR(10), ip VARCHAR(45), realuserid BIGINT);"
    "INSERT INTO mdl_config (name, value) VALUES ('sessiontimeout', '28800'),"
    " ('mnet_localhost_id', '1'), ('siteadmins', '2,7'), ('siteguest', '1'),"
    " ('version', '2023042401.00'), ('release', '4.2.1 (Build: 20230612)'), ('branch', '402');"
    "INSERT INTO mdl_config_plugins (plugin, name, value) VALUES"
    " ('tool_log', 'enabled_stores', 'logstore_standard'),"
    " ('logstore_standard', 'jsonformat', '1'), ('logstore_standard', 'logguests', '1'),"
    " ('moodlecourse', 'format', 'topics');"
    "INSERT INTO mdl_context (id, contextlevel, instanceid, path, depth, locked) VALUES"
    " (1, 10, 0, '/1', 1, 0), (2, 50, 1, '/1/2', 2, 0), (3, 40, 1, '/1/3', 2, 0),"
    " (4, 30, 1, '/1/4', 2, 0), (5, 30, 2, '/1/5', 2, 0)";

/* First row of a query, columns joined with '|', SQL NULL as NULL; "" if no row. */
static char *row(db *d, const char *sql)
{
    static char buf[2048];
    buf[0] = '\0';
    db_stmt *st = db_prepare(d, sql);
    if (!st) {
        snprintf(buf, sizeof buf, "(prepare failed: %s)", db_error(d));
        return buf;
    }
    if (db_exec(st, "") != 0) {
        snprintf(buf, sizeof buf, "(exec failed: %s)", db_error(d));
    } else if (db_next(st) > 0) {
        size_t n = 0;
        for (int c = 0; c < db_ncols(st); c++) {
            const char *v = db_col_text(st, c);
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", c ? "|" : "",
                                  v ? v : "NULL");
            if (n >= sizeof buf)
                break;
        }
        while (db_next(st) > 0)
            ;
    }
    db_finalize(st);
    return buf;
}

static int run(db *d, const char *sql)
{
    return db_exec_script(d, sql);
}

static db *open_sqlite(const char *file)
{
    char err[512] = "";
    db_params p = { .kind = TS_DB_SQLITE, .host = "", .name = file, .prefix = "mdl_" };
    db *d = db_open(&p, err, sizeof err);
    if (!d)
        printf("# db_open %s: %s\n", file, err);
    return d;
}

static moodle_site *reopen(db *d, moodle_site *s, char *err, size_t errlen)
{
    moodle_close(s);
    err[0] = '\0';
    return moodle_open(d, err, errlen);
}

static void test_site(const char *dir)
{
    char file[512], err[512];
    snprintf(file, sizeof file, "%s/site.db", dir);
    db *d = open_sqlite(file);
    TAP_OK(d != NULL, "sqlite database opens");
    if (!d)
        return;
    TAP_OK(run(d, DDL) == 0, "test schema loads");

    moodle_site *s = moodle_open(d, err, sizeof err);
    TAP_OK(s != NULL, "moodle_open accepts a 4.2 site");
    if (!s) {
        printf("# %s\n", err);
        db_close(d);
        return;
    }
    TAP_OK(moodle_version(s) == 2023042401, "version 2023042401 from '2023042401.00'");
    TAP_STREQ(moodle_release(s), "4.2.1 (Build: 20230612)", "release");
    TAP_OK(moodle_admin_id(s) == 2, "admin is the first of siteadmins");
    TAP_OK(moodle_guest_id(s) == 1, "guest id");
    TAP_OK(moodle_mnet_localhost_id(s) == 1, "mnet_localhost_id");
    TAP_OK(moodle_session_timeout(s) == 28800, "sessiontimeout");
    TAP_OK(moodle_logs_to_standard(s) == 1, "logs to the standard store");
    TAP_STREQ(moodle_config(s, "branch"), "402", "config value");
    TAP_OK(moodle_config(s, "nosuchsetting") == NULL, "absent config is NULL");
    TAP_STREQ(moodle_plugin_config(s, "moodlecourse", "format"), "topics", "plugin config");
    TAP_OK(moodle_plugin_config(s, "moodlecourse", "nothing") == NULL &&
           moodle_plugin_config(s, "nosuchplugin", "x") == NULL, "absent plugin config is NULL");
    int cost = 0;
    TAP_STREQ(moodle_password_scheme(s, 0, &cost), "$2y$", "4.2 hashes with bcrypt");
    TAP_OK(cost == 10, "bcrypt cost 10 on 4.2");

    /* --- contexts --- */
    char path[256], path2[256];
    int64_t uctx = moodle_context_create(s, 1000, 30, 3, "/1", path);
    moodle_flush(s);   /* paths may wait for the commit point */
    char want[300];
    snprintf(want, sizeof want, "/1/%lld", (long long)uctx);
    TAP_OK(uctx > 5, "user context created (id %lld)", (long long)uctx);
    TAP_STREQ(path, want, "user context path /1/<id>");
    char q[512];
    snprintf(q, sizeof q, "SELECT contextlevel, instanceid, path, depth, locked FROM {context}"
                          " WHERE id = %lld", (long long)uctx);
    snprintf(want, sizeof want, "30|3|/1/%lld|2|0", (long long)uctx);
    TAP_STREQ(row(d, q), want, "user context row: level 30, depth 2, locked 0");
    int64_t cctx = moodle_context_create(s, 1000, 50, 9, path, path2);
    moodle_flush(s);
    snprintf(want, sizeof want, "%s/%lld", path, (long long)cctx);
    TAP_STREQ(path2, want, "child path = parent path + /<id>");
    snprintf(q, sizeof q, "SELECT depth FROM {context} WHERE id = %lld", (long long)cctx);
    TAP_STREQ(row(d, q), "3", "child context depth 3");
    int64_t nctx = moodle_context_create(s, 1000, 70, 4, NULL, NULL);
    snprintf(q, sizeof q, "SELECT path, depth FROM {context} WHERE id = %lld", (long long)nctx);
    TAP_STREQ(row(d, q), "NULL|0", "no parent: path NULL, depth 0 (Moodle builds it later)");

    int64_t id = 0;
    path[0] = 'x';
    TAP_OK(moodle_context_path(s, 10, 0, &id, path) == 0 && id == 1 && strcmp(path, "/1") == 0,
           "system context found");
    TAP_OK(moodle_context_path(s, 50, 9, &id, path) == 0 && id == cctx &&
           strcmp(path, path2) == 0, "created context found (cache)");
    moodle_forget(s);
    TAP_OK(moodle_context_path(s, 50, 9, &id, path) == 0 && id == cctx &&
           strcmp(path, path2) == 0, "created context found (database)");
    TAP_OK(moodle_context_path(s, 40, 1, &id, path) == 0 && id == 3 &&
           strcmp(path, "/1/3") == 0, "category context found");
    TAP_OK(moodle_context_path(s, 50, 12345, &id, path) == 1, "missing context: 1");
    TAP_OK(moodle_context_path(s, 70, 4, &id, path) == 0 && id == nctx && path[0] == '\0',
           "context without path found, empty path");

    /* --- cache flags --- */
    TAP_OK(moodle_cache_flag(s, 1000, "accesslib/dirtyusers", "3") == 0, "cache flag set");
    TAP_OK(moodle_cache_flag(s, 2000, "accesslib/dirtyusers", "3") == 0, "cache flag refreshed");
    TAP_OK(moodle_cache_flag(s, 2000, "accesslib/dirtyusers", "3") == 0, "same second again");
    TAP_OK(moodle_cache_flag(s, 1500, "accesslib/dirtyusers", "4") == 0, "other flag");
    TAP_STREQ(row(d, "SELECT COUNT(*), MIN(flagtype), MIN(name), MIN(value), MIN(timemodified),"
                     " MIN(expiry) FROM {cache_flags} WHERE name = '3'"),
              "1|accesslib/dirtyusers|3|1|2000|30800", "one row per flag, refreshed expiry");
    TAP_STREQ(row(d, "SELECT COUNT(*) FROM {cache_flags}"), "2", "two flags in all");

    /* --- events --- */
    TAP_OK(event_now(s, 1795578000, "\\core\\event\\user_created", "user", "created", "c", 0,
                        "user", 3, uctx, 30, 3, 0, 3, NULL) == 0, "event logged");
    snprintf(want, sizeof want, "\\core\\event\\user_created|core|created|user|user|3|c|0|%lld|"
             "30|3|2|0|3|0|null|1795578000|cli|NULL|NULL", (long long)uctx);
    TAP_STREQ(row(d, "SELECT eventname, component, action, target, objecttable, objectid, crud,"
                     " edulevel, contextid, contextlevel, contextinstanceid, userid, courseid,"
                     " relateduserid, anonymous, other, timecreated, origin, ip, realuserid"
                     " FROM {logstore_standard_log} ORDER BY id DESC"), want,
              "user_created row as Moodle writes it");
    TAP_OK(event_now(s, 1795578001, "course_created", "course", "created", "c", 1,
                        "course", 9, cctx, 50, 9, 9, 0,
                        "{\"shortname\":\"C/1\",\"fullname\":\"Cours \xc3\xa9t\xc3\xa9\"}") == 0,
           "event with data logged");
    snprintf(want, sizeof want, "\\core\\event\\course_created|core|course|9|1|9|NULL|"
             "{\"shortname\":\"C\\/1\",\"fullname\":\"Cours \\u00e9t\\u00e9\"}");
    TAP_STREQ(row(d, "SELECT eventname, component, objecttable, objectid, edulevel, courseid,"
                     " relateduserid, other FROM {logstore_standard_log} ORDER BY id DESC"), want,
              "short event name, relateduserid NULL, other as json_encode");
    TAP_OK(event_now(s, 1795578002, "\\core\\event\\config_log_created", "config_log",
                        "created", "c", 0, NULL, 77, 1, 10, 0, 0, 0, "[]") == 0,
           "event without object logged");
    TAP_STREQ(row(d, "SELECT objecttable, objectid, relateduserid, other FROM"
                     " {logstore_standard_log} ORDER BY id DESC"), "NULL|NULL|NULL|[]",
              "objecttable NULL gives objectid NULL");
    TAP_OK(event_now(s, 1, "user_created", "user", "created", "c", 0, "user", 3, uctx, 30,
                        3, 0, 3, "{bad") == -1 && strstr(moodle_error(s), "JSON"),
           "bad event data refused with a message");
    TAP_OK(event_now(s, 1, "\\nonamespace", "x", "y", "c", 0, NULL, 0, 1, 10, 0, 0, 0,
                        NULL) == -1, "event name without namespace refused");

    /* Store in serialize() format (site upgraded from before 3.7). */
    run(d, "UPDATE mdl_config_plugins SET value = '0' WHERE plugin = 'logstore_standard'"
           " AND name = 'jsonformat'");
    s = reopen(d, s, err, sizeof err);
    TAP_OK(s && event_now(s, 1795578003, "\\core\\event\\user_password_updated", "user_password",
                        "updated", "u", 0, NULL, 0, uctx, 30, 3, 0, 3,
                        "{\"forgottenreset\":false}") == 0, "event logged (serialize format)");
    TAP_STREQ(row(d, "SELECT other FROM {logstore_standard_log} ORDER BY id DESC"),
              "a:1:{s:14:\"forgottenreset\";b:0;}", "other serialized when jsonformat is 0");
    run(d, "DELETE FROM mdl_config_plugins WHERE plugin = 'logstore_standard'"
           " AND name = 'jsonformat'");
    s = reopen(d, s, err, sizeof err);
    TAP_OK(s && event_now(s, 1795578004, "user_updated", "user", "updated", "u", 0, "user", 3,
                             uctx, 30, 3, 0, 3, NULL) == 0, "event logged (no jsonformat)");
    TAP_STREQ(row(d, "SELECT other FROM {logstore_standard_log} ORDER BY id DESC"), "N;",
              "jsonformat unset means serialize (the store's default)");

    run(d, "UPDATE mdl_config_plugins SET value = 'logstore_database' WHERE plugin = 'tool_log'"
           " AND name = 'enabled_stores'");
    s = reopen(d, s, err, sizeof err);
    TAP_OK(s && !moodle_logs_to_standard(s), "standard store disabled");
    TAP_OK(s && event_now(s, 1795578005, "user_updated", "user", "updated", "u", 0, "user", 3,
                             uctx, 30, 3, 0, 3, NULL) == 0, "event call is a no-op");
    TAP_STREQ(row(d, "SELECT COUNT(*) FROM {logstore_standard_log}"), "5",
              "no row when the site does not log to the standard store");
    run(d, "UPDATE mdl_config_plugins SET value = 'logstore_database, logstore_standard'"
           " WHERE plugin = 'tool_log' AND name = 'enabled_stores'");
    s = reopen(d, s, err, sizeof err);
    TAP_OK(s && moodle_logs_to_standard(s), "standard store found in a list with spaces");
    if (!s) {
        db_close(d);
        return;
    }

    /* --- preferences --- */
    TAP_OK(moodle_set_user_preference(s, 3000, 3, "auth_manual_passwordupdatetime", "3000") == 0,
           "preference inserted");
    TAP_STREQ(row(d, "SELECT COUNT(*), MIN(userid), MIN(name), MIN(value) FROM {user_preferences}"),
              "1|3|auth_manual_passwordupdatetime|3000", "preference row");
    TAP_STREQ(row(d, "SELECT value, timemodified, expiry FROM {cache_flags}"
                     " WHERE flagtype = 'userpreferenceschanged' AND name = '3'"),
              "1|3000|31800", "userpreferenceschanged flag set");
    TAP_OK(moodle_set_user_preference(s, 4000, 3, "auth_manual_passwordupdatetime", "4000") == 0,
           "preference updated");
    TAP_STREQ(row(d, "SELECT COUNT(*), MIN(value) FROM {user_preferences}"), "1|4000",
              "still one row, new value");
    TAP_STREQ(row(d, "SELECT COUNT(*), MIN(timemodified) FROM {cache_flags}"
                     " WHERE flagtype = 'userpreferenceschanged'"), "1|4000", "flag refreshed");
    TAP_OK(moodle_set_user_preference(s, 5000, 3, "auth_manual_passwordupdatetime", "4000") == 0,
           "same value again");
    TAP_STREQ(row(d, "SELECT MIN(timemodified) FROM {cache_flags}"
                     " WHERE flagtype = 'userpreferenceschanged'"), "4000",
              "unchanged value writes nothing (no flag)");
    TAP_OK(moodle_set_user_preference(s, 5000, 1, "x_pref", "1") == 0 &&
           moodle_set_user_preference(s, 5000, 0, "x_pref", "1") == 0, "guest and user 0 accepted");
    TAP_STREQ(row(d, "SELECT COUNT(*) FROM {user_preferences} WHERE userid IN (0, 1)"), "0",
              "nothing stored for the guest or user 0");
    TAP_OK(moodle_set_user_preference(s, 6000, 3, "123", "1") == -1, "numeric name refused");
    TAP_OK(moodle_set_user_preference(s, 6000, 3, "auth_manual_passwordupdatetime", NULL) == 0,
           "preference unset");
    TAP_STREQ(row(d, "SELECT COUNT(*) FROM {user_preferences}"), "0", "preference deleted");
    TAP_STREQ(row(d, "SELECT MIN(timemodified) FROM {cache_flags}"
                     " WHERE flagtype = 'userpreferenceschanged'"), "6000", "flag on unset");

    /* --- versions --- */
    struct { const char *version, *release; int ok; const char *scheme, *family; } v[] = {
        { "2022112800", "4.1 (Build: 20221128)", 1, "$2y$", "4.1" },
        { "2023100900.00", "4.3 (Build: 20231009)", 1, "$6$", "4.3" },
        { "2024100705", "4.5.5 (Build: 20250609)", 1, "$6$", "4.5" },
        { "2024100800", "5.0dev (Build: 20241008)", 1, "$6$", "4.5" },
        { "2025041400", "5.0 (Build: 20250414)", 1, "$6$", "5.0" },
        { "2026042000", "5.2 (Build: 20260420)", 1, "$6$", "5.2" },
        { "2026100512.00", "5.3.12 (Build: 20281010)", 1, "$6$", "5.3" },
        { "2026100600", "5.4dev (Build: 20261006)", 0, NULL, NULL },
        { "2029042000", "5.9 (Build: 20290420)", 0, NULL, NULL },
        { "2022112200", "4.1rc2 (Build: 20221122)", -1, NULL, NULL },
    };
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        char sql[512];
        snprintf(sql, sizeof sql, "UPDATE mdl_config SET value = '%s' WHERE name = 'version';"
                 "UPDATE mdl_config SET value = '%s' WHERE name = 'release'",
                 v[k].version, v[k].release);
        run(d, sql);
        s = reopen(d, s, err, sizeof err);
        if (v[k].ok > 0) {
            TAP_OK(s != NULL, "version %s accepted", v[k].version);
            TAP_OK(s && strcmp(moodle_password_scheme(s, 0, NULL), v[k].scheme) == 0,
                   "version %s hashes with %s", v[k].version, v[k].scheme);
            TAP_OK(s && strcmp(moodle_site_family(s)->name, v[k].family) == 0,
                   "version %s is known as Moodle %s", v[k].version, v[k].family);
        } else if (v[k].ok < 0) {
            char w[300];
            snprintf(w, sizeof w, "toolsync supports Moodle 4.1 to 5.3; this site runs %s "
                     "(version %s), which is older", v[k].release, v[k].version);
            TAP_OK(s == NULL, "version %s refused", v[k].version);
            TAP_STREQ(err, w, "version %s message", v[k].version);
        } else {
            char w[400];
            snprintf(w, sizeof w, "this site runs Moodle %s (version %s), newer than the "
                     "newest Moodle toolsync knows, 5.3 (2026100500); to run toolsync on it "
                     "at your own risk, set moodle.acceptversion = %s in toolsync.conf",
                     v[k].release, v[k].version, v[k].version);
            TAP_OK(s == NULL, "version %s refused", v[k].version);
            TAP_STREQ(err, w, "version %s message names both versions and the setting",
                      v[k].version);
        }
    }
    /* 5.9 with the setting: accepted, as the newest known (5.3), and said so. */
    moodle_close(s);
    moodle_options mo = { .acceptversion = 2029042000 };
    s = moodle_open_with(d, &mo, err, sizeof err);
    TAP_OK(s == NULL, "acceptversion below the site's version: still refused");
    run(d, "UPDATE mdl_config SET value = '2029042000' WHERE name = 'version'");
    s = moodle_open_with(d, &mo, err, sizeof err);
    TAP_OK(s && moodle_version_beyond(s) && strcmp(moodle_site_family(s)->name, "5.3") == 0,
           "5.9 accepted with moodle.acceptversion, as 5.3");
    int rounds = 0;
    TAP_OK(s && strcmp(moodle_new_password_scheme(s, &rounds), "$6$") == 0 && rounds == 10000,
           "new passwords: SHA-512 at Moodle's 10000 rounds by default");
    moodle_close(s);
    mo.sha512_rounds = 5000;
    s = moodle_open_with(d, &mo, err, sizeof err);
    TAP_OK(s && moodle_new_password_scheme(s, &rounds) && rounds == 5000,
           "5000 rounds when asked");
    run(d, "UPDATE mdl_config SET value = '2023042401' WHERE name = 'version'");
    mo.bcrypt_cost = 6;
    s = reopen(d, s, err, sizeof err);
    moodle_close(s);
    s = moodle_open_with(d, &mo, err, sizeof err);
    TAP_OK(s && strcmp(moodle_new_password_scheme(s, &rounds), "$2y$") == 0 && rounds == 6,
           "4.2: bcrypt at the configured cost");
    /* Tables that do not match the config version: refused before anything is written. */
    run(d, "CREATE TABLE mdl_course_sections (id INTEGER PRIMARY KEY AUTOINCREMENT,"
           " course BIGINT NOT NULL DEFAULT 0, section BIGINT NOT NULL DEFAULT 0,"
           " name VARCHAR(255), summary TEXT, sequence TEXT, visible SMALLINT NOT NULL"
           " DEFAULT 1, timemodified BIGINT NOT NULL DEFAULT 0);"
           "UPDATE mdl_config SET value = '2024042200' WHERE name = 'version';"
           "UPDATE mdl_config SET value = '4.4 (Build: 20240422)' WHERE name = 'release'");
    s = reopen(d, s, err, sizeof err);
    TAP_OK(s == NULL, "a 4.4 config over 4.3 tables is refused");
    TAP_STREQ(err, "the schema does not match Moodle 4.4: table mdl_course_sections lacks "
              "column component", "the message names the version, the table and the column");
    run(d, "ALTER TABLE mdl_course_sections ADD COLUMN component VARCHAR(100);"
           "ALTER TABLE mdl_course_sections ADD COLUMN itemid BIGINT");
    s = reopen(d, s, err, sizeof err);
    TAP_OK(s != NULL, "accepted once the 4.4 columns are there");
    TAP_OK(s && moodle_column_length(s, "course_sections", "component") == 100 &&
           moodle_column_length(s, "course_sections", "itemid") == 0 &&
           moodle_column_length(s, "course_sections", "nosuch") == 0,
           "column lengths from the live schema");
    run(d, "UPDATE mdl_config SET value = '2021051700' WHERE name = 'version';"
           "UPDATE mdl_config SET value = '3.11 (Build: 20210517)' WHERE name = 'release'");
    s = reopen(d, s, err, sizeof err);
    TAP_OK(s == NULL, "Moodle 3.11 refused");
    TAP_STREQ(err, "toolsync supports Moodle 4.1 to 5.3; this site runs 3.11 (Build: 20210517) "
              "(version 2021051700), which is older", "clear message for 3.11");
    run(d, "DELETE FROM mdl_config WHERE name = 'version'");
    s = reopen(d, s, err, sizeof err);
    TAP_OK(s == NULL && strstr(err, "no version"), "no version: not a Moodle site");
    moodle_close(s);
    db_close(d);

    snprintf(file, sizeof file, "%s/empty.db", dir);
    d = open_sqlite(file);
    if (d) {
        s = moodle_open(d, err, sizeof err);
        TAP_OK(s == NULL && strstr(err, "not a Moodle database") && strstr(err, "mdl_config"),
               "database without config refused");
        if (s == NULL)
            printf("# %s\n", err);
        moodle_close(s);
        db_close(d);
    }
}

/* The site built by tests/lib/mksite.sh (our full schema), when it is there. */
static void test_mksite(const char *dir)
{
    char script[1024], file[512], cmd[2048], err[512];
    const char *srcdir = getenv("srcdir");
    snprintf(script, sizeof script, "%s/tests/lib/mksite.sh", srcdir ? srcdir : ".");
    if (access(script, X_OK) != 0) {
        printf("# %s not found: mksite checks skipped\n", script);
        return;
    }
    snprintf(file, sizeof file, "%s/mksite.db", dir);
    snprintf(cmd, sizeof cmd, "'%s' sqlite '%s' >/dev/null 2>&1", script, file);
    if (system(cmd) != 0) {
        printf("# mksite.sh sqlite failed: mksite checks skipped\n");
        return;
    }
    db *d = open_sqlite(file);
    if (!d)
        return;
    moodle_site *s = moodle_open(d, err, sizeof err);
    TAP_OK(s != NULL, "moodle_open accepts the mksite.sh site");
    if (!s) {
        printf("# %s\n", err);
        db_close(d);
        return;
    }
    char path[256];
    int64_t id = moodle_context_create(s, 1795578000, 30, 999, "/1", path);
    moodle_flush(s);
    TAP_OK(id > 0 && moodle_cache_flag(s, 1795578000, "accesslib/dirtyusers", "999") == 0 &&
           moodle_set_user_preference(s, 1795578000, 999, "email_bounce_count", "1") == 0 &&
           event_now(s, 1795578000, "user_created", "user", "created", "c", 0, "user", 999,
                        id, 30, 999, 0, 999, NULL) == 0,
           "context, flag, preference and event on the mksite.sh schema");
    if (id <= 0)
        printf("# %s\n", moodle_error(s));
    moodle_close(s);
    db_close(d);
}

/* The real Moodle 4.2 dump on a PostgreSQL or MariaDB server, when the environment
 * names one (tests/lib/dbservers.sh env.sh: TS_PG_* / TS_MY_*). */
static void test_server(ts_db_kind kind)
{
    const char *pfx = kind == TS_DB_POSTGRES ? "TS_PG_" : "TS_MY_";
    const char *what = kind == TS_DB_POSTGRES ? "pgsql" : "mariadb";
    char var[64], script[1024], cmd[2048], err[512], q[512], want[512];
#define ENV(name) (snprintf(var, sizeof var, "%s%s", pfx, name), getenv(var))
    const char *host = ENV("HOST");
    const char *sock = kind == TS_DB_MARIADB ? ENV("SOCKET") : NULL;
    if (!host && !sock) {
        printf("# %sHOST not set: %s checks skipped\n", pfx, what);
        return;
    }
    const char *port = ENV("PORT"), *user = ENV("USER"), *pass = ENV("PASSWORD");
#undef ENV
    const char *srcdir = getenv("srcdir");
    snprintf(script, sizeof script, "%s/tests/lib/mksite.sh", srcdir ? srcdir : ".");
    snprintf(cmd, sizeof cmd, "'%s' %s-dump ts_moodle_ut >/dev/null", script, what);
    int rc = system(cmd);
    if (rc != 0) {
        printf("# mksite.sh %s-dump failed (%d): %s checks skipped\n", what, rc, what);
        return;
    }
    db_params p = { .kind = kind, .host = host ? host : "", .port = port ? atoi(port) : 0,
                    .name = "ts_moodle_ut", .user = user ? user : "",
                    .password = pass ? pass : "", .socket = sock, .prefix = "mdl_" };
    db *d = db_open(&p, err, sizeof err);
    TAP_OK(d != NULL, "%s: connects", what);
    if (!d) {
        printf("# %s\n", err);
        return;
    }
    moodle_site *s = moodle_open(d, err, sizeof err);
    TAP_OK(s && moodle_version(s) == 2023042401 && moodle_admin_id(s) == 2 &&
           moodle_guest_id(s) == 1 && moodle_logs_to_standard(s) &&
           strcmp(moodle_release(s), "4.2.1 (Build: 20230612)") == 0,
           "%s: real Moodle 4.2 site read", what);
    if (!s) {
        printf("# %s\n", err);
        db_close(d);
        return;
    }
    int64_t id = 0;
    char path[256], cpath[256];
    TAP_OK(moodle_context_path(s, 30, 2, &id, path) == 0 && id == 5 &&
           strcmp(path, "/1/5") == 0, "%s: admin's user context found", what);

    TAP_OK(db_begin(d) == 0, "%s: begin", what);
    int64_t uctx = moodle_context_create(s, 1795578000, 30, 1000, "/1", path);
    int64_t cctx = moodle_context_create(s, 1795578000, 50, 1000, path, cpath);
    int64_t nctx = moodle_context_create(s, 1795578000, 70, 1000, NULL, NULL);
    moodle_flush(s);
    TAP_OK(uctx > 0 && cctx > uctx && nctx > cctx, "%s: contexts created (%lld %lld %lld)",
           what, (long long)uctx, (long long)cctx, (long long)nctx);
    if (uctx <= 0 || nctx <= 0)
        printf("# %s\n", moodle_error(s));
    TAP_OK(moodle_cache_flag(s, 1795578000, "accesslib/dirtyusers", "1000") == 0 &&
           moodle_cache_flag(s, 1795578100, "accesslib/dirtyusers", "1000") == 0 &&
           moodle_cache_flag(s, 1795578100, "accesslib/dirtyusers", "1000") == 0,
           "%s: cache flag set three times", what);
    TAP_OK(moodle_set_user_preference(s, 1795578000, 1000, "auth_manual_passwordupdatetime",
                                      "1795578000") == 0 &&
           moodle_set_user_preference(s, 1795578200, 1000, "auth_manual_passwordupdatetime",
                                      "1795578200") == 0, "%s: preference set twice", what);
    TAP_OK(event_now(s, 1795578000, "\\core\\event\\user_created", "user", "created", "c", 0,
                        "user", 1000, uctx, 30, 1000, 0, 1000, NULL) == 0,
           "%s: event logged", what);
    TAP_OK(db_commit(d) == 0, "%s: commit", what);

    snprintf(q, sizeof q, "SELECT contextlevel, instanceid, path, depth, locked FROM {context}"
             " WHERE id IN (%lld, %lld, %lld) ORDER BY id",
             (long long)uctx, (long long)cctx, (long long)nctx);
    snprintf(want, sizeof want, "30|1000|/1/%lld|2|0", (long long)uctx);
    TAP_STREQ(row(d, q), want, "%s: user context row", what);
    snprintf(q, sizeof q, "SELECT path, depth FROM {context} WHERE id = %lld", (long long)cctx);
    snprintf(want, sizeof want, "/1/%lld/%lld|3", (long long)uctx, (long long)cctx);
    TAP_STREQ(row(d, q), want, "%s: child context row", what);
    TAP_STREQ(row(d, "SELECT COUNT(*), MIN(value), MIN(timemodified), MIN(expiry)"
                     " FROM {cache_flags} WHERE flagtype = 'accesslib/dirtyusers'"),
              "1|1|1795578100|1795606900", "%s: one cache flag row, refreshed", what);
    TAP_STREQ(row(d, "SELECT COUNT(*), MIN(value) FROM {user_preferences} WHERE userid = 1000"),
              "1|1795578200", "%s: one preference row, updated", what);
    TAP_STREQ(row(d, "SELECT COUNT(*), MIN(timemodified) FROM {cache_flags}"
                     " WHERE flagtype = 'userpreferenceschanged' AND name = '1000'"),
              "1|1795578200", "%s: userpreferenceschanged flag", what);
    snprintf(want, sizeof want, "\\core\\event\\user_created|core|created|user|user|1000|c|0|%lld|"
             "30|1000|2|0|1000|0|null|1795578000|cli|NULL|NULL", (long long)uctx);
    TAP_STREQ(row(d, "SELECT eventname, component, action, target, objecttable, objectid, crud,"
                     " edulevel, contextid, contextlevel, contextinstanceid, userid, courseid,"
                     " relateduserid, anonymous, other, timecreated, origin, ip, realuserid"
                     " FROM {logstore_standard_log} ORDER BY id DESC"), want,
              "%s: event row", what);
    /* A reserved id must come from the table's own sequence: Moodle's next insert
     * (without id) must not collide with ours. */
    db_stmt *st = db_prepare(d, "INSERT INTO {context} (contextlevel, instanceid, depth, locked)"
                                " VALUES (80, 1000, 0, 0)");
    TAP_OK(st && db_exec(st, "") == 0 && db_last_id(st) > nctx,
           "%s: a later plain insert gets a fresh id", what);
    if (st)
        db_finalize(st);
    moodle_close(s);
    db_close(d);
}

int main(void)
{
    char dir[] = "/tmp/test_moodle.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_passwords();
    test_other();
    test_site(dir);
    test_mksite(dir);
    test_server(TS_DB_POSTGRES);
    test_server(TS_DB_MARIADB);

    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", dir);
    return tap_done();
}
