/* Unit tests of the run report (text + JSON Lines) and of the tryback file.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#include <limits.h>
#include <stdarg.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "filestore.h"
#include "report.h"
#include "tap.h"

static char tmp[PATH_MAX];

/* snprintf for test paths: a path that does not fit stops the program. */
static void pathf(char *out, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= len) {
        fprintf(stderr, "path too long\n");
        exit(2);
    }
}

static char *slurp(const char *path)
{
    static char content[8192];
    FILE *fp = fopen(path, "r");
    size_t n;
    if (!fp)
        return NULL;
    n = fread(content, 1, sizeof content - 1, fp);
    fclose(fp);
    content[n] = '\0';
    return content;
}

static int mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static const char *TRICKY = "say \"hi\", back\\slash, new\nline, caf\xc3\xa9";

static void test_report_files(void)
{
    char path[PATH_MAX], jpath[PATH_MAX + 8], *echo_buf = NULL;
    size_t echo_len = 0;
    FILE *echo = open_memstream(&echo_buf, &echo_len);
    time_t t = 1707816600;   /* 2024-02-13 09:30:00 UTC */
    mode_t old = umask(0);

    pathf(path, sizeof path, "%s/reports/20240213-093000_report_enrols.csv", tmp);
    pathf(jpath, sizeof jpath, "%s.jsonl", path);
    report *r = report_open(tmp, "enrols.csv", "enrols", "/enrols.csv", t, 0, echo);
    TAP_OK(r != NULL, "report: opened (reports/ created on demand)");
    if (!r)
        return;
    report_row(r, 14, TS_ERROR, "errornouser", "uid", "no user with username 'jdoe'");
    report_row(r, 15, TS_OK, "enrolled", NULL, TRICKY);
    report_row(r, 16, TS_SKIP, "alreadyenrolled", NULL, "U1 in C1");
    report_row(r, 17, TS_WARN, "nogroup", NULL, NULL);
    report_file(r, TS_WARN, "filewarning", "something about the file");
    report_count_comments(r, 2);
    const report_counts *c = report_get_counts(r);
    TAP_OK(c->lines == 4 && c->ok == 1 && c->skip == 1 && c->warn == 1 && c->error == 1 &&
           c->comments == 2, "report: counts (one per report_row call)");
    TAP_OK(report_close(r) == 0, "report: closed without error");
    umask(old);

    const char *expect_txt =
        "toolsync " PACKAGE_VERSION " report: handler enrols, file /enrols.csv, "
        "started 2024-02-13T09:30:00+00:00\n"
        "[14] ERROR errornouser: column uid: no user with username 'jdoe'\n"
        "[15] OK enrolled: say \"hi\", back\\slash, new line, caf\xc3\xa9\n"
        "[16] SKIP alreadyenrolled: U1 in C1\n"
        "[17] WARN nogroup\n"
        "WARN filewarning: something about the file\n"
        "summary: 4 lines, 1 OK, 1 SKIP, 1 WARN, 1 ERROR, 2 comments\n"
        "\n"
        "end of report\n";
    TAP_STREQ(slurp(path), expect_txt, "report: text format");
    fclose(echo);
    TAP_STREQ(echo_buf, expect_txt, "report: echo receives the same lines");
    free(echo_buf);

    const char *expect_json =
        "{\"report\":{\"toolsync\":\"" PACKAGE_VERSION "\",\"handler\":\"enrols\","
        "\"file\":\"/enrols.csv\",\"started\":\"2024-02-13T09:30:00+00:00\","
        "\"simulation\":false}}\n"
        "{\"line\":14,\"status\":\"ERROR\",\"key\":\"errornouser\",\"column\":\"uid\","
        "\"text\":\"no user with username 'jdoe'\"}\n"
        "{\"line\":15,\"status\":\"OK\",\"key\":\"enrolled\",\"column\":null,"
        "\"text\":\"say \\\"hi\\\", back\\\\slash, new\\nline, caf\xc3\xa9\"}\n"
        "{\"line\":16,\"status\":\"SKIP\",\"key\":\"alreadyenrolled\",\"column\":null,"
        "\"text\":\"U1 in C1\"}\n"
        "{\"line\":17,\"status\":\"WARN\",\"key\":\"nogroup\",\"column\":null,\"text\":\"\"}\n"
        "{\"line\":null,\"status\":\"WARN\",\"key\":\"filewarning\",\"column\":null,"
        "\"text\":\"something about the file\"}\n"
        "{\"summary\":{\"lines\":4,\"ok\":1,\"skip\":1,\"warn\":1,\"error\":1,\"comments\":2}}\n";
    TAP_STREQ(slurp(jpath), expect_json, "report: JSON Lines twin, escaped");
    TAP_OK(mode_of(path) == 0600 && mode_of(jpath) == 0600,
           "report: both files 0600 with umask 0");

    /* Control characters and invalid UTF-8 in JSON; a second report of the same
     * second never replaces the first (issue 6 item 1). */
    r = report_open(tmp, "enrols.csv", "users", "/u.csv", t, 1, NULL);
    TAP_OK(r && strcmp(report_path(r), path) != 0 && strstr(report_path(r), "093000-2_report_"),
           "report: a second report in the same second takes the next name");
    TAP_STREQ(slurp(jpath), expect_json, "report: the first report's twin is intact");
    pathf(path, sizeof path, "%s", report_path(r));
    pathf(jpath, sizeof jpath, "%s.jsonl", path);
    report_row(r, 2, TS_ERROR, "k", NULL, "tab\there \x01 bad\xff end");
    report_close(r);
    const char *txt = slurp(path);
    TAP_OK(strstr(txt, "started 2024-02-13T09:30:00+00:00 SIMULATION\n") != NULL,
           "report: SIMULATION on the header line");
    TAP_OK(strstr(txt, "[2] ERROR k: tab here   bad\xff end\n") != NULL,
           "report: control characters become spaces in the text");
    const char *js = slurp(jpath);
    TAP_OK(strstr(js, "\"simulation\":true") != NULL, "report: JSON simulation flag");
    TAP_OK(strstr(js, "\"text\":\"tab\\there \\u0001 bad\\ufffd end\"") != NULL,
           "report: JSON escapes controls and replaces invalid UTF-8");
}

static void test_report_nofile(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *echo = open_memstream(&buf, &len);
    report *r = report_open(NULL, "userimport.csv", "users", "/userimport.csv", 0, 0, echo);
    TAP_OK(r != NULL, "report: without a file");
    report_row(r, 3, TS_OK, "usercreated", NULL, "jdoe");
    report_row(r, 4, TS_ERROR, "x", NULL, "y");
    const report_counts *c = report_get_counts(r);
    TAP_OK(c->lines == 2 && c->ok == 1 && c->error == 1, "report: counted without a file");
    TAP_OK(report_close(r) == 0, "report: close without a file");
    fclose(echo);
    TAP_OK(buf && strstr(buf, "[3] OK usercreated: jdoe\n") && strstr(buf, "end of report\n"),
           "report: echoed without a file");
    free(buf);
}

/* Runs body in a child whose files cannot grow past `limit` bytes (a full disk): 1 when
 * body returned 0 there. */
static int on_full_disk(rlim_t limit, int (*body)(void))
{
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit rl = { limit, limit };
        signal(SIGXFSZ, SIG_IGN);
        setrlimit(RLIMIT_FSIZE, &rl);
        _exit(body() == 0 ? 0 : 1);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static int fill_report(void)
{
    report *r = report_open(tmp, "full.csv", "enrols", "/enrols.csv", 0, 0, NULL);
    if (!r)
        return 3;
    for (int i = 0; i < 200; i++)
        report_row(r, i + 2, TS_OK, "enrolled", NULL, "some text to fill the file");
    return report_close(r) == -1 ? 0 : 1;
}

/* Disk full: the file size limit makes writes fail; report_close must say so. */
static void test_report_write_error(void)
{
    TAP_OK(on_full_disk(64, fill_report), "report: write error → report_close -1");
}

static void test_tryback(void)
{
    char path[PATH_MAX], input[PATH_MAX];
    tryback *t;
    mode_t old = umask(0);
    time_t tm = 1707816600;

    pathf(input, sizeof input, "%s/enrols.csv", tmp);
    pathf(path, sizeof path, "%s/enrols_tryback_20240213-093000.csv", tmp);
    t = tryback_new(input, tm, 0, "cmd;cid;uid");
    TAP_OK(t != NULL, "tryback: new");
    TAP_OK(tryback_close(t) == 0, "tryback: no line → close returns 0");
    TAP_OK(!exists(path), "tryback: not created when no line failed");

    t = tryback_new(input, tm, 0, "cmd;cid;uid");
    TAP_OK(tryback_add(t, "add;C1;U1") == 0 && tryback_add(t, "add;C2;\xc3\xa9t\xc3\xa9") == 0,
           "tryback: lines added");
    TAP_OK(tryback_count(t) == 2, "tryback: count");
    TAP_STREQ(tryback_path(t), path, "tryback: name");
    TAP_OK(tryback_close(t) == 1, "tryback: close returns 1 when written");
    TAP_STREQ(slurp(path), "cmd;cid;uid\nadd;C1;U1\nadd;C2;\xc3\xa9t\xc3\xa9",
              "tryback: header + lines, no trailing newline");
    TAP_OK(mode_of(path) == 0600, "tryback: 0600 with umask 0");

    t = tryback_new(input, tm, 0, NULL);
    tryback_add(t, "COURSE1");
    tryback_add(t, "COURSE2");
    char second[PATH_MAX];
    pathf(second, sizeof second, "%s", tryback_path(t));
    TAP_OK(tryback_close(t) == 1, "tryback: headerless written");
    TAP_OK(strstr(second, "_tryback_20240213-093000-2.csv") != NULL,
           "tryback: a second one in the same second takes the next name");
    TAP_STREQ(slurp(second), "COURSE1\nCOURSE2", "tryback: headerless has no header line");
    TAP_OK(strstr(slurp(path), "add;C1;U1") != NULL, "tryback: the first one is intact");

    /* A symbolic link planted at the next name is not written through. */
    char link3[PATH_MAX], victim[PATH_MAX];
    pathf(link3, sizeof link3, "%s/enrols_tryback_20240213-093000-3.csv", tmp);
    pathf(victim, sizeof victim, "%s/victim", tmp);
    FILE *v = fopen(victim, "w");
    if (v) {
        fputs("keep", v);
        fclose(v);
    }
    if (symlink(victim, link3) == 0) {
        t = tryback_new(input, tm, 0, "h");
        tryback_add(t, "only");
        pathf(second, sizeof second, "%s", tryback_path(t));
        tryback_close(t);
        TAP_OK(strcmp(slurp(victim), "keep") == 0 && strstr(second, "-4.csv"),
               "tryback: a link at an output path is refused, not followed");
        TAP_STREQ(slurp(second), "h\nonly", "tryback: one line");
    }

    t = tryback_new(NULL, tm, 0, "h");
    TAP_OK(tryback_add(t, "x") == 0 && tryback_count(t) == 1 && tryback_close(t) == 0,
           "tryback: NULL path counts without writing");
    umask(old);
}

static int fill_tryback(void)
{
    char input[PATH_MAX];
    pathf(input, sizeof input, "%s/full.csv", tmp);
    tryback *t = tryback_new(input, 0, 0, "h");
    for (int i = 0; i < 200; i++)
        tryback_add(t, "a failed line that fills the file");
    return tryback_close(t) == -1 && errno == EFBIG ? 0 : 1;
}

/* A full disk while writing the tryback: the close says so (issue 6 item 3). */
static void test_tryback_write_error(void)
{
    TAP_OK(on_full_disk(100, fill_tryback), "tryback: write error → tryback_close -1");
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    setenv("TZ", "UTC", 1);
    tzset();
    pathf(tmp, sizeof tmp, "%s/tsrep.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        return 2;
    }
    test_report_files();
    test_report_nofile();
    test_report_write_error();
    test_tryback();
    test_tryback_write_error();

    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", tmp, (char *)NULL);
        _exit(127);
    }
    waitpid(pid, NULL, 0);
    return tap_done();
}
