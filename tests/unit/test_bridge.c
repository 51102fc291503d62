/* Unit test of the Moodle bridge against stand-ins playing php (tests/unit/bridge-standins).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   test_bridge                          the contract: batches, errors, hang, crash, garbage…
 *   test_bridge --real-purge PHP SCRIPT DIR   the real toolsync_bridge.php in the Moodle at
 *   test_bridge --real PHP SCRIPT DIR         DIR: a purge alone, then a batch of every op
 *                                             (run by test_bridge_php.sh with TS_MOODLE_TREE)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bridge/bridge.h"
#include "bridge/bridge_internal.h"
#include "tap.h"

#ifndef TS_TOP_SRCDIR
#define TS_TOP_SRCDIR "."
#endif
#define STANDINS TS_TOP_SRCDIR "/tests/unit/bridge-standins/"
#define SCRIPT TS_TOP_SRCDIR "/contrib/moodle/toolsync_bridge.php"

/* What done() was given, one record per call. */
struct rec {
    void *tag;
    bridge_status status;
    char key[48];
    char message[600];
    char *result;
};
static struct rec recs[2100];
static size_t nrec;

static void done(void *ctx, void *tag, const bridge_result *r)
{
    if (nrec >= sizeof recs / sizeof recs[0]) return;
    struct rec *x = &recs[nrec++];
    x->tag = tag, x->status = r->status;
    snprintf(x->key, sizeof x->key, "%s", r->key ? r->key : "(null)");
    snprintf(x->message, sizeof x->message, "%s", r->message ? r->message : "(null)");
    x->result = r->result_json ? strdup(r->result_json) : NULL;
}

static void reset(void)
{
    for (size_t i = 0; i < nrec; i++) free(recs[i].result);
    memset(recs, 0, sizeof recs);
    nrec = 0;
}

static char dirroot[64];

static bridge *standin(const char *name, const char *dir, int timeout)
{
    char php[512];
    snprintf(php, sizeof php, STANDINS "%s", name);
    bridge_config c = { php, dir, SCRIPT, timeout };
    return bridge_new(&c);
}

static int all_keys(size_t from, size_t to, const char *key)
{
    for (size_t i = from; i < to; i++)
        if (recs[i].status != BRIDGE_FAILED || strcmp(recs[i].key, key)) return 0;
    return 1;
}

static int no_child_left(void)
{
    return waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_batch(void)
{
    bridge *b = standin("echo.sh", dirroot, 10);
    int t[3];
    TAP_OK(bridge_configured(b), "batch: configured");
    TAP_OK(bridge_queue(b, "purge_caches", "{\"definitions\":[\"core/groupdata\"]}", &t[0]) == 0
           && bridge_queue(b, "course_cacherev", "{\"courseid\":5}", &t[1]) == 0
           && bridge_queue(b, "noop", NULL, &t[2]) == 0, "batch: three ops queued");
    TAP_OK(bridge_pending(b) == 3, "batch: three pending");
    reset();
    int rc = bridge_run(b, done, NULL);
    TAP_OK(rc == 0, "batch: run returns 0 (rc %d)", rc);
    TAP_OK(nrec == 3 && recs[0].tag == &t[0] && recs[1].tag == &t[1] && recs[2].tag == &t[2],
           "batch: one callback per op, in queue order");
    TAP_OK(recs[0].status == BRIDGE_OK && recs[1].status == BRIDGE_OK && recs[2].status == BRIDGE_OK,
           "batch: every op ok");
    TAP_STREQ(recs[0].key, "bridgedone", "batch: key of the answer");
    TAP_STREQ(recs[1].message, "course_cacherev done", "batch: message of the answer");
    TAP_STREQ(recs[0].result, "{\"op\":\"purge_caches\",\"n\":1,\"args\":{\"definitions\":[\"core/groupdata\"]}}",
              "batch: result_json kept as the raw text (args reached php)");
    TAP_STREQ(recs[2].result, "{\"op\":\"noop\",\"n\":3,\"args\":{}}", "batch: NULL args sent as {}");
    TAP_OK(bridge_pending(b) == 0, "batch: queue emptied");
    TAP_OK(bridge_run(b, done, NULL) == 0 && nrec == 3, "batch: an empty queue runs nothing");
    TAP_OK(no_child_left(), "batch: no child left");
    bridge_free(b);
}

/* One op on a bridge whose php or dirroot is wrong. */
static void refused(const char *php, const char *dir, const char *says, const char *name)
{
    bridge_config c = { php, dir, SCRIPT, 10 };
    bridge *b = bridge_new(&c);
    bridge_queue(b, "purge_caches", "{}", NULL);
    reset();
    TAP_OK(bridge_run(b, done, NULL) == -1 && all_keys(0, 1, "bridgenotconfigured")
           && strstr(recs[0].message, says), "not configured: %s", name);
    if (nrec && !strstr(recs[0].message, says)) printf("# %s\n", recs[0].message);
    bridge_free(b);
}

static void test_not_configured(void)
{
    bridge *b = standin("echo.sh", "", 10);
    TAP_OK(!bridge_configured(b), "not configured: bridge_configured is 0");
    bridge_queue(b, "purge_caches", "{}", NULL);
    bridge_queue(b, "purge_caches", "{}", NULL);
    reset();
    TAP_OK(bridge_run(b, done, NULL) == -1, "not configured: run returns -1");
    TAP_OK(nrec == 2 && all_keys(0, 2, "bridgenotconfigured"), "not configured: every op bridgenotconfigured");
    TAP_OK(strstr(recs[0].message, "dirroot") && strstr(recs[0].message, "php =")
           && strstr(recs[0].message, "toolsync.conf"), "not configured: the message names the keys to set");
    bridge_free(b);

    refused(STANDINS "echo.sh", "/nonexistent", "config.php", "a dirroot without config.php");
    refused("/nonexistent/php", dirroot, "not an executable", "a php that is not there");
    refused("no-such-php-in-path", dirroot, "not found in PATH", "php searched in PATH");
}

static void test_error_op(void)
{
    bridge *b = standin("echo.sh", dirroot, 10);
    bridge_queue(b, "noop", "{}", NULL);
    bridge_queue(b, "fail", "{}", NULL);
    bridge_queue(b, "noop", "{}", NULL);
    reset();
    TAP_OK(bridge_run(b, done, NULL) == 1, "error op: run returns 1");
    TAP_OK(nrec == 3 && recs[0].status == BRIDGE_OK && recs[2].status == BRIDGE_OK,
           "error op: the others are ok");
    TAP_OK(recs[1].status == BRIDGE_FAILED && !strcmp(recs[1].key, "boom")
           && !strcmp(recs[1].message, "it failed") && !recs[1].result,
           "error op: failed with the key and message php gave, no result");
    bridge_free(b);
}

/* The pid in the file is gone or a zombie waiting for init: killed either way. */
static int killed(pid_t pid)
{
    char path[64], st[256];
    for (int i = 0; i < 50; i++) {
        if (kill(pid, 0) < 0 && errno == ESRCH) return 1;
        snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
        FILE *f = fopen(path, "r");
        if (!f) return 1;
        int z = fgets(st, sizeof st, f) && strstr(st, ") Z");
        fclose(f);
        if (z) return 1;
        usleep(20000);
    }
    return 0;
}

static void test_hang(void)
{
    char pidfile[128];
    snprintf(pidfile, sizeof pidfile, "%s/pids", dirroot);
    setenv("TS_STANDIN_PIDFILE", pidfile, 1);
    bridge *b = standin("hang.sh", dirroot, 1);
    bridge_queue(b, "noop", "{}", NULL);
    bridge_queue(b, "noop", "{}", NULL);
    reset();
    double t0 = now_s();
    int rc = bridge_run(b, done, NULL);
    double took = now_s() - t0;
    TAP_OK(rc == 1 && nrec == 2 && all_keys(0, 2, "bridgetimeout"), "hang: every op bridgetimeout");
    TAP_OK(took >= 0.9 && took < 5, "hang: stopped after the timeout (%.1f s)", took);
    TAP_OK(strstr(recs[0].message, "within 1 s") && strstr(recs[0].message, "hanging on purpose"),
           "hang: the message tells the timeout and the last stderr line");
    TAP_OK(no_child_left(), "hang: the process was reaped (no zombie)");
    int sh = 0, sleeper = 0;
    FILE *f = fopen(pidfile, "r");
    if (f) { if (fscanf(f, "%d %d", &sh, &sleeper) != 2) sh = 0; fclose(f); }
    TAP_OK(sh > 0 && killed(sh) && killed(sleeper), "hang: php and its child were killed (group)");
    unsetenv("TS_STANDIN_PIDFILE");
    bridge_free(b);
}

static void test_crash(int by_signal)
{
    const char *name = by_signal ? "crash by signal" : "crash";
    if (by_signal) setenv("TS_STANDIN_SIGNAL", "1", 1);
    bridge *b = standin("crash.sh", dirroot, 10);
    for (int i = 0; i < 3; i++) bridge_queue(b, "noop", "{}", NULL);
    reset();
    TAP_OK(bridge_run(b, done, NULL) == 1, "%s: run returns 1", name);
    TAP_OK(nrec == 3 && recs[0].status == BRIDGE_OK, "%s: the answered op keeps its result", name);
    TAP_OK(all_keys(1, 3, "bridgecrashed"), "%s: the two others bridgecrashed", name);
    TAP_OK(strstr(recs[1].message, by_signal ? "signal 9" : "exit status 255")
           && strstr(recs[1].message, "Allowed memory size") && strstr(recs[1].message, "1 of 3"),
           "%s: the message has the status and the last stderr line", name);
    if (nrec > 1 && !strstr(recs[1].message, "Allowed")) printf("# %s\n", recs[1].message);
    TAP_OK(no_child_left(), "%s: reaped", name);
    unsetenv("TS_STANDIN_SIGNAL");
    bridge_free(b);
}

static void test_protocol(void)
{
    bridge *b = standin("garbage.sh", dirroot, 10);
    bridge_queue(b, "noop", "{}", NULL);
    bridge_queue(b, "noop", "{}", NULL);
    reset();
    TAP_OK(bridge_run(b, done, NULL) == 1 && nrec == 2 && all_keys(0, 2, "bridgeprotocol"),
           "garbage: every op bridgeprotocol");
    TAP_OK(strstr(recs[0].message, "not a bridge answer") && strstr(recs[0].message, "Notice"),
           "garbage: the message quotes the line");
    bridge_free(b);

    b = standin("echo.sh", dirroot, 10);
    bridge_queue(b, "noop", "{}", NULL);
    bridge_queue(b, "badid", "{}", NULL);
    reset();
    TAP_OK(bridge_run(b, done, NULL) == 1 && recs[0].status == BRIDGE_OK
           && all_keys(1, 2, "bridgeprotocol") && strstr(recs[1].message, "not given"),
           "unknown id: bridgeprotocol for the op left without answer");
    bridge_free(b);
}

/* 2,000 ops with padded args: both pipes fill up many times over. */
static void queue_many(bridge *b, size_t n)
{
    char args[400], pad[301];
    memset(pad, 'x', 300), pad[300] = '\0';
    for (size_t i = 0; i < n; i++) {
        snprintf(args, sizeof args, "{\"i\":%zu,\"pad\":\"%s\"}", i, pad);
        bridge_queue(b, "noop", args, (void *)(i + 1));
    }
}

static void test_noread(void)
{
    struct sigaction old, dfl = { .sa_handler = SIG_DFL };
    sigaction(SIGPIPE, &dfl, &old);   /* as in toolsync: SIGPIPE would kill us */
    bridge *b = standin("noread.sh", dirroot, 10);
    queue_many(b, 2000);
    reset();
    int rc = bridge_run(b, done, NULL);
    TAP_OK(rc == 1 && nrec == 2000 && all_keys(0, 2000, "bridgecrashed"),
           "no read: alive after EPIPE, every op bridgecrashed");
    TAP_OK(strstr(recs[0].message, "exit status 1") && strstr(recs[0].message, "Could not open"),
           "no read: status and stderr line in the message");
    TAP_OK(!strstr(recs[0].message, "hunter2"), "no read: what follows a password is not repeated");
    sigset_t pend;
    sigpending(&pend);
    TAP_OK(!sigismember(&pend, SIGPIPE), "no read: no SIGPIPE left pending");
    sigaction(SIGPIPE, &old, NULL);
    bridge_free(b);
}

static void test_large(void)
{
    bridge *b = standin("echo.sh", dirroot, 60);
    queue_many(b, 2000);
    reset();
    double t0 = now_s();
    int rc = bridge_run(b, done, NULL);
    int order = nrec == 2000;
    for (size_t i = 0; order && i < nrec; i++)
        order = recs[i].tag == (void *)(i + 1) && recs[i].status == BRIDGE_OK;
    TAP_OK(rc == 0 && order, "large: 2,000 ops answered, in order (%.1f s)", now_s() - t0);
    TAP_OK(nrec == 2000 && recs[1999].result && strstr(recs[1999].result, "\"n\":2000,\"args\":{\"i\":1999,"),
           "large: the last answer matches the last op");
    bridge_free(b);
}

static void test_ping_describe(void)
{
    char v[128], err[256], d[512];
    bridge *b = standin("echo.sh", dirroot, 10);
    bridge_queue(b, "noop", "{}", NULL);
    TAP_OK(bridge_ping(b, v, sizeof v, err, sizeof err) == 0, "ping: ok (%s)", err);
    TAP_STREQ(v, "4.2.1 (Build: 20230612) (2023042401.00)", "ping: release and version");
    TAP_OK(bridge_pending(b) == 1, "ping: the queue is left alone");
    bridge_describe(b, d, sizeof d);
    TAP_OK(strstr(d, "echo.sh") && strstr(d, "toolsync_bridge.php in ") && strstr(d, dirroot),
           "describe: php, script and dirroot (%s)", d);
    bridge_free(b);
    b = standin("echo.sh", "", 10);
    TAP_OK(bridge_ping(b, v, sizeof v, err, sizeof err) < 0 && strstr(err, "bridgenotconfigured"),
           "ping: not configured says so");
    bridge_free(b);
}

static void requeue(void *ctx, void *tag, const bridge_result *r)
{
    bridge_queue(ctx, "noop", "{}", NULL);
}

static void test_queue_rules(void)
{
    bridge *b = standin("echo.sh", dirroot, 10);
    TAP_OK(bridge_queue(b, "Purge caches", "{}", NULL) < 0, "queue: op names are [a-z0-9_]");
    TAP_OK(bridge_queue(b, "x", "[1]", NULL) < 0 && bridge_queue(b, "x", "{\"a\":}", NULL) < 0
           && bridge_queue(b, "x", "{} {}", NULL) < 0, "queue: args must be one JSON object");
    TAP_OK(bridge_queue(b, "x", " {\"a\":\n[1,\r\n2]}\n", NULL) == 0, "queue: line breaks between tokens ok");
    reset();
    bridge_run(b, done, NULL);
    TAP_STREQ(nrec ? recs[0].result : NULL, "{\"op\":\"x\",\"n\":1,\"args\":{\"a\": [1,  2]}}",
              "queue: sent on one line");
    bridge_queue(b, "x", "{}", NULL);
    bridge_run(b, requeue, b);
    TAP_OK(bridge_pending(b) == 1, "queue: done() may queue ops for the next call");
    bridge_free(b);
}

static void test_json(void)
{
    struct bridge_answer a;
    TAP_OK(bridge_parse_answer("{\"id\":7,\"status\":\"ok\",\"key\":\"k\\u00e9\\ud83d\\ude00\",\"message\":\"a\\\"b\\n\","
                               "\"result\":{\"x\":[1,-2.5e3,true,null,{\"y\":\"}\"}]}}", &a) == 0
           && a.id == 7 && a.status == 0 && !strcmp(a.key, "k\xc3\xa9\xf0\x9f\x98\x80")
           && !strcmp(a.message, "a\"b\n") && !strcmp(a.result, "{\"x\":[1,-2.5e3,true,null,{\"y\":\"}\"}]}"),
           "json: escapes decoded, result kept raw");
    bridge_answer_clear(&a);
    TAP_OK(bridge_parse_answer(" {\"result\":null,\"status\":\"error\",\"id\":2} ", &a) == 0
           && a.status == 1 && !a.result && !a.key, "json: any member order, null result");
    bridge_answer_clear(&a);
    const char *bad[] = { "{\"id\":1}", "{\"status\":\"ok\"}", "{\"id\":1.5,\"status\":\"ok\"}",
        "{\"id\":\"1\",\"status\":\"ok\"}", "{\"id\":1,\"status\":\"fine\"}", "{\"id\":1,\"status\":\"ok\"} x",
        "{\"id\":1,\"status\":\"ok\",\"key\":\"\\u0000\"}", "{\"id\":1,\"status\":\"ok\",\"key\":\"\\ud800\"}",
        "{\"id\":1,\"status\":\"ok\",\"result\":[1,]}", "{\"id\":1,\"status\":\"ok\",\"result\":01}",
        "{\"id\":1,\"status\":\"ok\",\"key\":5}", "[1]", "", "{\"id\":1,\"status\":\"ok\"", NULL };
    int refused = 1;
    for (int i = 0; bad[i]; i++)
        if (bridge_parse_answer(bad[i], &a) == 0) { refused = 0; printf("# accepted: %s\n", bad[i]); bridge_answer_clear(&a); }
    TAP_OK(refused, "json: malformed answers refused");
    char deep[300];
    memset(deep, '[', 200), deep[200] = '\0';
    TAP_OK(bj_value_end(deep) == NULL, "json: deep nesting refused without recursion blow-up");
    char ex[64];
    bridge_excerpt(ex, sizeof ex, "connect failed, Password=s3cret for x", 37);
    TAP_STREQ(ex, "connect failed, Password [hidden]", "excerpt: cut after a password word");
    bridge_excerpt(ex, 6, "ab\tc\xc3\xa9zzzz", 10);
    TAP_STREQ(ex, "ab c", "excerpt: control bytes blanked, no cut UTF-8 sequence");
}

/* --real-purge / --real PHP SCRIPT DIRROOT: the real script inside a real Moodle. */
static int real_purge(bridge *b)
{
    bridge_queue(b, "purge_caches", "{\"definitions\":[\"core/groupdata\",\"core/user_group_groupings\","
                 "\"core/coursecat\",\"core/coursecontacts\",\"core/coursecattree\"]}", NULL);
    reset();
    int rc = bridge_run(b, done, NULL);
    TAP_OK(rc == 0 && nrec == 1 && recs[0].result && strstr(recs[0].result, "core/user_group_groupings"),
           "real: purge by definitions (%s: %s)", nrec ? recs[0].key : "", nrec ? recs[0].message : "");
    TAP_OK(nrec == 1 && recs[0].result && strstr(recs[0].result, "\"notreached\":[\"core/coursecat\"]"),
           "real: the session cache core/coursecat is named as not reached (%s)",
           nrec && recs[0].result ? recs[0].result : "");
    return tap_done();
}

static void real_batch(bridge *b)
{
    bridge_queue(b, "purge_caches", "{\"definitions\":[\"core/nosuchcache\"]}", NULL);
    bridge_queue(b, "purge_caches", "{\"events\":[\"changesincoursecat\",\"changesincourse\"]}", NULL);
    bridge_queue(b, "course_cacherev", "{\"courseid\":1}", NULL);
    bridge_queue(b, "course_cacherev", "{\"courseid\":999999}", NULL);
    bridge_queue(b, "delete_everything", "{}", NULL);
    bridge_queue(b, "course_cacherev", "{\"courseid\":1}", NULL);
    bridge_queue(b, "purge_caches", "{\"all\":true}", NULL);
    bridge_queue(b, "purge_caches", "{\"definitions\":\"core/groupdata\"}", NULL);
    bridge_queue(b, "ping", "{}", NULL);
    reset();
    int rc = bridge_run(b, done, NULL);
    for (size_t i = 0; i < nrec; i++)
        printf("# op %zu: %s %s: %s %s\n", i + 1, recs[i].status == BRIDGE_OK ? "ok" : "failed",
               recs[i].key, recs[i].message, recs[i].result ? recs[i].result : "");
    TAP_OK(rc == 1 && nrec == 9, "real: one call, 9 answers, some failed");
    if (nrec != 9) return;
    TAP_OK(recs[0].status == BRIDGE_FAILED && !strcmp(recs[0].key, "cachedefinitionunknown"),
           "real: an unknown definition is refused");
    TAP_OK(recs[1].status == BRIDGE_OK, "real: purge by events");
    TAP_OK(recs[2].status == BRIDGE_OK && recs[2].result && strstr(recs[2].result, "\"cacherev\":"),
           "real: course_cacherev on the site course");
    TAP_OK(recs[3].status == BRIDGE_FAILED && !strcmp(recs[3].key, "coursenotfound"),
           "real: course_cacherev of a missing course");
    TAP_OK(recs[4].status == BRIDGE_FAILED && !strcmp(recs[4].key, "bridgeunknownop"), "real: an unknown op");
    const char *r1 = recs[2].result ? strstr(recs[2].result, "\"cacherev\":") : NULL;
    const char *r2 = recs[5].result ? strstr(recs[5].result, "\"cacherev\":") : NULL;
    TAP_OK(r1 && r2 && atol(r2 + 11) > atol(r1 + 11), "real: cacherev goes up at each call");
    TAP_OK(recs[6].status == BRIDGE_OK, "real: purge all");
    TAP_OK(recs[7].status == BRIDGE_FAILED && !strcmp(recs[7].key, "bridgebadargs"), "real: bad args refused");
    TAP_OK(recs[8].status == BRIDGE_OK && recs[8].result && strstr(recs[8].result, "\"release\":"),
           "real: the ops after failures still run");
}

static int real(const char *mode, const char *php, const char *script, const char *dir)
{
    bridge_config c = { php, dir, script, 300 };
    bridge *b = bridge_new(&c);
    char v[256], err[1024];
    int rc = bridge_ping(b, v, sizeof v, err, sizeof err);
    TAP_OK(rc == 0, "real: ping answers (%s)", rc == 0 ? v : err);
    if (!strcmp(mode, "--real-purge")) real_purge(b);
    else real_batch(b);
    bridge_free(b);
    reset();
    return tap_done();
}

int main(int argc, char **argv)
{
    if (argc == 5 && (!strcmp(argv[1], "--real") || !strcmp(argv[1], "--real-purge")))
        return real(argv[1], argv[2], argv[3], argv[4]);
    snprintf(dirroot, sizeof dirroot, "/tmp/ts-bridge.XXXXXX");
    if (!mkdtemp(dirroot)) { perror("mkdtemp"); return 1; }
    char cfg[128];
    snprintf(cfg, sizeof cfg, "%s/config.php", dirroot);
    FILE *f = fopen(cfg, "w");
    if (f) { fputs("<?php\n", f); fclose(f); }

    test_json();
    test_queue_rules();
    test_batch();
    test_not_configured();
    test_error_op();
    test_hang();
    test_crash(0);
    test_crash(1);
    test_protocol();
    test_noread();
    test_large();
    test_ping_describe();

    reset();
    char pids[128];
    snprintf(pids, sizeof pids, "%s/pids", dirroot);
    unlink(pids), unlink(cfg), rmdir(dirroot);
    return tap_done();
}
