/* Unit tests of the sync area: choosing, capture, reservation, names, private files,
 * archive, discard and area cleanup.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "filestore.h"
#include "tap.h"

static char tmp[PATH_MAX], root[PATH_MAX], buf[PATH_MAX];

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

static const char *base_of(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static void put_file(const char *path, const char *content)
{
    FILE *fp = fopen(path, "w");
    if (!fp) {
        perror(path);
        exit(2);
    }
    fputs(content, fp);
    fclose(fp);
}

static char *slurp(const char *path)
{
    static char content[4096];
    FILE *fp = fopen(path, "r");
    size_t n;
    if (!fp)
        return NULL;
    n = fread(content, 1, sizeof content - 1, fp);
    fclose(fp);
    content[n] = '\0';
    return content;
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static int mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static void age(const char *path, long seconds)
{
    struct timespec ts[2];
    ts[0].tv_sec = ts[1].tv_sec = time(NULL) - seconds;
    ts[0].tv_nsec = ts[1].tv_nsec = 0;
    if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) != 0)
        perror(path);
}

static char rpath[PATH_MAX];
static const char *in_root(const char *rel)
{
    pathf(rpath, sizeof rpath, "%s/%s", root, rel);
    return rpath;
}

/* --------------------------------------------------------------------------------- */

static void test_choose(void)
{
    fs_choice c;
    char expect[PATH_MAX];
    int r;

    mkdir(in_root("in"), 0700);
    mkdir(in_root("archives"), 0700);
    put_file(in_root("enrols.csv"), "x");
    put_file(in_root("in/enrols.csv"), "x");
    mkdir(in_root("adir.csv"), 0700);

    /* Default name in the root. */
    r = fs_choose(root, "", "enrols.csv", &c);
    TAP_OK(r == 0, "choose: empty location takes the default name");
    TAP_STREQ(c.status, "found", "choose: default status found");
    TAP_STREQ(c.display, "/enrols.csv", "choose: default display");
    pathf(expect, sizeof expect, "%s/enrols.csv", root);
    TAP_STREQ(c.path, expect, "choose: default absolute path");
    r = fs_choose(root, NULL, "enrols.csv", &c);
    TAP_OK(r == 0, "choose: NULL location takes the default name");
    r = fs_choose(root, "   ", "enrols.csv", &c);
    TAP_OK(r == 0, "choose: blank location takes the default name");

    /* Missing. */
    r = fs_choose(root, "", "users.csv", &c);
    TAP_OK(r == 1, "choose: missing default returns 1");
    TAP_STREQ(c.status, "filenotfound", "choose: missing status filenotfound");
    TAP_STREQ(c.display, "/users.csv", "choose: missing display names the file");
    r = fs_choose(root, "adir.csv", "x", &c);
    TAP_OK(r == 1 && strcmp(c.status, "filenotfound") == 0,
           "choose: a directory is not a command file");

    /* Sub-folder. */
    r = fs_choose(root, "in/enrols.csv", "enrols.csv", &c);
    TAP_OK(r == 0, "choose: sub-folder location found");
    TAP_STREQ(c.display, "/in/enrols.csv", "choose: sub-folder display");
    pathf(expect, sizeof expect, "%s/in/enrols.csv", root);
    TAP_STREQ(c.path, expect, "choose: sub-folder path");
    r = fs_choose(root, "./in//enrols.csv", "x", &c);
    TAP_OK(r == 0 && strcmp(c.display, "/in/enrols.csv") == 0,
           "choose: '.' and '//' are normalised");
    r = fs_choose(root, "in/../enrols.csv", "x", &c);
    TAP_OK(r == 0 && strcmp(c.display, "/enrols.csv") == 0,
           "choose: '..' staying inside the area is accepted");
    r = fs_choose(root, "in/missing.csv", "x", &c);
    TAP_OK(r == 1 && strcmp(c.display, "/in/missing.csv") == 0,
           "choose: missing file in a sub-folder");

    /* '..' escaping the root. */
    r = fs_choose(root, "../enrols.csv", "x", &c);
    TAP_OK(r == -1, "choose: '../x' is rejected");
    TAP_STREQ(c.status, "invalidpath", "choose: rejected location status");
    r = fs_choose(root, "in/../../enrols.csv", "x", &c);
    TAP_OK(r == -1, "choose: 'in/../../x' is rejected");
    r = fs_choose(root, "in/..", "x", &c);
    TAP_OK(r == -1, "choose: a folder is not a file name");

    /* Comma list. */
    r = fs_choose(root, "nope.csv, in/enrols.csv ,enrols.csv", "x", &c);
    TAP_OK(r == 0, "choose: comma list finds a candidate");
    TAP_STREQ(c.display, "/in/enrols.csv", "choose: comma list takes the first existing");
    r = fs_choose(root, " a.csv , ,b.csv ", "x", &c);
    TAP_OK(r == 1, "choose: comma list without existing candidate");
    TAP_STREQ(c.status, "filenotfound", "choose: comma list status");
    TAP_STREQ(c.display, "/a.csv, /b.csv", "choose: comma list display lists the candidates");

    /* Wildcards. */
    put_file(in_root("user_chunk2.csv"), "2");
    put_file(in_root("user_chunk10.csv"), "10");
    put_file(in_root("user_chunk1.csv"), "1");
    put_file(in_root("user_chunk1_tryback_20240213-0930.csv"), "t");
    put_file(in_root("user_chunk1_tryback_sim_20240213-0930.csv"), "t");
    put_file(in_root("user_chunk0-tryback-failed.csv"), "f");
    put_file(in_root(".user_chunk0.csv"), "hidden");
    r = fs_choose(root, "user_chunk*.csv", "x", &c);
    TAP_OK(r == 0, "choose: wildcard finds a match");
    TAP_STREQ(c.display, "/user_chunk1.csv", "choose: wildcard takes the first in byte order");
    pathf(expect, sizeof expect, "%s/user_chunk1.csv", root);
    TAP_STREQ(c.path, expect, "choose: wildcard path");
    TAP_STREQ(c.others[0], "user_chunk10.csv", "choose: wildcard others[0]");
    TAP_STREQ(c.others[1], "user_chunk2.csv", "choose: wildcard others[1]");
    TAP_STREQ(c.others[2], "", "choose: others are empty-terminated "
              "(tryback, -tryback-failed and hidden names excluded)");
    r = fs_choose(root, "user_chunk?.csv", "x", &c);
    TAP_OK(r == 0 && strcmp(c.display, "/user_chunk1.csv") == 0 &&
           strcmp(c.others[0], "user_chunk2.csv") == 0 && !c.others[1][0],
           "choose: '?' matches one character");
    put_file(in_root("in/part_b.csv"), "b");
    put_file(in_root("in/part_a.csv"), "a");
    r = fs_choose(root, "in/part_*.csv", "x", &c);
    TAP_OK(r == 0 && strcmp(c.display, "/in/part_a.csv") == 0,
           "choose: wildcard in a sub-folder");
    /* Successive runs consume the chunks. */
    unlink(in_root("user_chunk1.csv"));
    r = fs_choose(root, "user_chunk*.csv", "x", &c);
    TAP_OK(r == 0 && strcmp(c.display, "/user_chunk10.csv") == 0,
           "choose: next run takes the next chunk");

    r = fs_choose(root, "zzz*.csv", "x", &c);
    TAP_OK(r == 1, "choose: wildcard without match returns 1");
    TAP_STREQ(c.status, "nomatch", "choose: wildcard without match status nomatch");
    TAP_STREQ(c.display, "/zzz*.csv", "choose: nomatch display shows the pattern");
    put_file(in_root("archives/20240213-0930_enrols.csv"), "a");
    r = fs_choose(root, "archives/*.csv", "x", &c);
    TAP_OK(r == 1 && strcmp(c.status, "nomatch") == 0,
           "choose: nothing in archives/ is a wildcard candidate");
    r = fs_choose(root, "nofolder/*.csv", "x", &c);
    TAP_OK(r == 1 && strcmp(c.status, "nomatch") == 0,
           "choose: wildcard in a missing folder is nomatch");

    /* Absolute locations. */
    pathf(expect, sizeof expect, "%s/outside.csv", tmp);
    put_file(expect, "o");
    r = fs_choose(root, expect, "x", &c);
    TAP_OK(r == 0, "choose: absolute file outside the area");
    TAP_STREQ(c.path, expect, "choose: outside path as is");
    TAP_STREQ(c.display, expect, "choose: outside display is the absolute path");
    pathf(expect, sizeof expect, "%s/in/enrols.csv", root);
    r = fs_choose(root, expect, "x", &c);
    TAP_OK(r == 0 && strcmp(c.display, "/in/enrols.csv") == 0,
           "choose: absolute path inside the area is displayed relative");
    r = fs_choose(root, "http://example.org/x.csv", "x", &c);
    TAP_OK(r == -1 && strcmp(c.status, "unsupported") == 0, "choose: URL left to the caller");
}

/* --------------------------------------------------------------------------------- */

static int warnings;
static char last_warning[1024];
static void on_warn(void *ctx, const char *msg)
{
    (void)ctx;
    warnings++;
    pathf(last_warning, sizeof last_warning, "%s", msg);
}

static void test_capture(void)
{
    char drop[PATH_MAX], area[PATH_MAX], p[PATH_MAX];
    int r;

    pathf(drop, sizeof drop, "%s/drop", tmp);
    pathf(area, sizeof area, "%s/carea", tmp);
    mkdir(drop, 0777);
    mkdir(area, 0700);

#define D(name) (pathf(p, sizeof p, "%s/%s", drop, name), p)
#define A(name) (pathf(p, sizeof p, "%s/%s", area, name), p)
    put_file(A("a.csv"), "old");
    put_file(D("a.csv"), "new\n");
    put_file(D("_out.csv"), "out");
    put_file(D("x.lock"), "l");
    put_file(D(".hidden"), "h");
    mkdir(D("sub"), 0700);
    put_file(D("sub/inner.csv"), "i");

    warnings = 0;
    r = fs_capture(drop, area, 0, on_warn, NULL);
    TAP_OK(r == 1, "capture: one file moved (got %d)", r);
    TAP_STREQ(slurp(A("a.csv")), "new\n", "capture: a.csv replaced the older one");
    TAP_OK(!exists(D("a.csv")), "capture: a.csv left the drop directory");
    TAP_OK(exists(D("_out.csv")) && !exists(A("_out.csv")), "capture: _out.csv stays");
    TAP_OK(exists(D("x.lock")) && !exists(A("x.lock")), "capture: x.lock stays");
    TAP_OK(exists(D(".hidden")) && !exists(A(".hidden")), "capture: .hidden stays");
    TAP_OK(exists(D("sub/inner.csv")) && !exists(A("sub")), "capture: sub-directory stays");
    TAP_OK(!exists(D("lock.txt")), "capture: lock.txt removed afterwards");
    TAP_OK(warnings == 0, "capture: no warning");

    /* The feeder's write lock holds everything back. */
    put_file(D("b.csv"), "b\n");
    put_file(D("alock.txt"), "");
    r = fs_capture(drop, area, 0, on_warn, NULL);
    TAP_OK(r == 0, "capture: alock.txt present → nothing moved");
    TAP_OK(exists(D("b.csv")) && !exists(A("b.csv")), "capture: b.csv waits");
    TAP_OK(warnings == 0, "capture: a young write lock is not warned about");
    age(D("alock.txt"), 4 * 3600);
    r = fs_capture(drop, area, 0, on_warn, NULL);
    TAP_OK(r == 0 && warnings == 1 && strstr(last_warning, "remote writer"),
           "capture: a write lock older than 3 hours is warned about");
    unlink(D("alock.txt"));

    /* An old read lock: warn and go on. */
    put_file(D("lock.txt"), "1");
    age(D("lock.txt"), 4 * 3600);
    warnings = 0;
    r = fs_capture(drop, area, 0, on_warn, NULL);
    TAP_OK(r == 1 && exists(A("b.csv")), "capture: an old lock.txt does not stop the capture");
    TAP_OK(warnings == 1 && strstr(last_warning, "local sync"),
           "capture: an old lock.txt is warned about");
    TAP_OK(!exists(D("lock.txt")), "capture: lock.txt removed");

    /* Symbolic links are not followed into the area. */
    put_file(D("../secret.txt"), "s");
    pathf(area, sizeof area, "%s/secret.txt", tmp);
    if (symlink(area, D("link.csv")) == 0) {
        pathf(area, sizeof area, "%s/carea", tmp);
        r = fs_capture(drop, area, 0, on_warn, NULL);
        TAP_OK(r == 0 && !exists(A("link.csv")), "capture: symbolic links are skipped");
    }
    pathf(area, sizeof area, "%s/carea", tmp);
    unlink(D("link.csv"));

    /* Issue 6 item 7: only stable files are captured. */
    put_file(D("half.csv"), "h;x\nhalf-written li");
    age(D("half.csv"), 60);
    warnings = 0;
    r = fs_capture(drop, area, 0, on_warn, NULL);
    TAP_OK(r == 0 && exists(D("half.csv")) && !exists(A("half.csv")),
           "capture: a file whose last line is incomplete waits");
    TAP_OK(warnings == 1 && strstr(last_warning, "held back") && strstr(last_warning, "incomplete"),
           "capture: the held-back file is said");
    unlink(D("half.csv"));
    put_file(D("young.csv"), "h;x\nl;1\n");
    r = fs_capture(drop, area, 5, on_warn, NULL);
    TAP_OK(r == 0 && exists(D("young.csv")), "capture: a file modified within the settle time waits");
    age(D("young.csv"), 60);
    r = fs_capture(drop, area, 5, on_warn, NULL);
    TAP_OK(r == 1 && exists(A("young.csv")), "capture: once settled it is captured");

    /* Issue 6 item 2: never over a reserved or unfinished file. */
    {
        fs_lock *l = NULL;
        char st[PATH_MAX], abs[PATH_MAX], ap[PATH_MAX];
        pathf(ap, sizeof ap, "%s/busy.csv", area);
        put_file(ap, "h\nold-waiting\n");
        if (!realpath(area, abs))
            snprintf(abs, sizeof abs, "%s", area);
        pathf(ap, sizeof ap, "%s/busy.csv", abs);
        TAP_OK(fs_reserve(area, "users", ap, &l, st, sizeof st) == 0, "capture: reserved busy.csv");
        put_file(D("busy.csv"), "h\nnew\n");
        age(D("busy.csv"), 60);
        warnings = 0;
        r = fs_capture(drop, area, 0, on_warn, NULL);
        TAP_OK(r == 0 && strcmp(slurp(A("busy.csv")), "h\nold-waiting\n") == 0 &&
               exists(D("busy.csv")), "capture: a reserved file is not replaced, the new one waits");
        TAP_OK(warnings == 1 && strstr(last_warning, "reserved"), "capture: the wait is said");
        /* The run dies: its state stays, the file is unfinished. */
        if (fork() == 0) {
            fs_lock *cl = NULL;
            char cs[PATH_MAX];
            if (fs_reserve(area, "enrols", ap, &cl, cs, sizeof cs) != 0)
                _exit(1);
            _exit(0);        /* dies holding it: the state stays behind */
        }
        wait(NULL);
        fs_release(l);
        r = fs_capture(drop, area, 0, on_warn, NULL);
        TAP_OK(r == 0 && strcmp(slurp(A("busy.csv")), "h\nold-waiting\n") == 0,
               "capture: a file a crashed run left unfinished is not replaced");
        l = NULL;
        TAP_OK(fs_reserve(area, "enrols", "/elsewhere.csv", &l, st, sizeof st) == 0 &&
               strcmp(st, ap) == 0, "capture: the next run learns the unfinished file");
        fs_release(l);
        r = fs_capture(drop, area, 0, on_warn, NULL);
        TAP_OK(r == 1 && strcmp(slurp(A("busy.csv")), "h\nnew\n") == 0,
               "capture: once released, the waiting file comes in");
    }
    pathf(p, sizeof p, "%s/nodrop", tmp);
    TAP_OK(fs_capture(p, area, 0, on_warn, NULL) == 0, "capture: missing drop directory → 0");
#undef D
#undef A
}

/* --------------------------------------------------------------------------------- */

static void test_reserve(void)
{
    fs_lock *l = NULL, *l2 = NULL;
    char stale[PATH_MAX], state[PATH_MAX];
    int r, go[2], done[2];
    pid_t pid;

    /* Held by another process → busy. */
    if (pipe(go) != 0 || pipe(done) != 0)
        return;
    pid = fork();
    if (pid == 0) {
        fs_lock *cl;
        char st[PATH_MAX], c = 'x';
        close(go[0]);
        close(done[1]);
        int cr = fs_reserve(root, "enrols", "/area/enrols.csv", &cl, st, sizeof st);
        c = cr == 0 ? 'y' : 'n';
        if (write(go[1], &c, 1) != 1)
            _exit(3);
        if (read(done[0], &c, 1) != 1)
            _exit(3);
        fs_release(cl);
        _exit(0);
    }
    close(go[1]);
    close(done[0]);
    char c = 0;
    TAP_OK(read(go[0], &c, 1) == 1 && c == 'y', "reserve: child reserved");
    r = fs_reserve(root, "enrols", "/x.csv", &l, stale, sizeof stale);
    TAP_OK(r == 1 && l == NULL, "reserve: held by another process → busy (1)");
    r = fs_reserve(root, "users", "/x.csv", &l, stale, sizeof stale);
    TAP_OK(r == 0, "reserve: another name is free");
    fs_release(l);
    if (write(done[1], "q", 1) != 1)
        perror("write");
    waitpid(pid, NULL, 0);
    close(go[0]);
    close(done[1]);
    r = fs_reserve(root, "enrols", "/x.csv", &l, stale, sizeof stale);
    TAP_OK(r == 0 && l && stale[0] == '\0' && !fs_lock_stale(l),
           "reserve: free again after release, not stale");
    pathf(state, sizeof state, "%s/.locks/enrols.state", root);
    TAP_OK(mode_of(state) == 0600, "reserve: state file is 0600");
    TAP_OK(strstr(slurp(state), "file=/x.csv") != NULL, "reserve: state records the file");
    TAP_OK(fs_lock_set_file(l, "/y.csv") == 0 && strstr(slurp(state), "file=/y.csv"),
           "reserve: fs_lock_set_file updates the state");

    /* Same process, second open file description → busy as well. */
    r = fs_reserve(root, "enrols", "/x.csv", &l2, stale, sizeof stale);
    TAP_OK(r == 1, "reserve: second reservation in the same process is busy");
    fs_release(l);
    TAP_OK(!exists(state), "reserve: release removes the state");

    /* A holder that dies without releasing leaves a stale state. */
    pid = fork();
    if (pid == 0) {
        fs_lock *cl;
        char st[PATH_MAX];
        if (fs_reserve(root, "enrols", "/area/poison.csv", &cl, st, sizeof st) != 0)
            _exit(3);
        _exit(0);    /* dies holding it: the kernel drops the flock, the state stays */
    }
    int status = 0;
    waitpid(pid, &status, 0);
    TAP_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "reserve: child died holding");
    r = fs_reserve(root, "enrols", "/next.csv", &l, stale, sizeof stale);
    TAP_OK(r == 0, "reserve: a dead holder's lock is free");
    TAP_STREQ(stale, "/area/poison.csv", "reserve: stale_path names the dead run's file");
    TAP_OK(fs_lock_stale(l), "reserve: fs_lock_stale reports it");
    TAP_OK(strstr(slurp(state), "file=/next.csv") != NULL, "reserve: state overwritten");
    fs_release(l);

    /* Simulated crash: a state file written by hand. */
    put_file(state, "pid=99999\nstarted=1\nfile=/area/enrols.csv");
    r = fs_reserve(root, "enrols", "/area/enrols.csv", &l, stale, sizeof stale);
    TAP_OK(r == 0, "reserve: reserved over a leftover state");
    TAP_STREQ(stale, "/area/enrols.csv", "reserve: leftover state detected");
    fs_release(l);
    r = fs_reserve(root, "enrols", "/area/enrols.csv", &l, stale, sizeof stale);
    TAP_OK(r == 0 && stale[0] == '\0', "reserve: clean after a normal release");
    fs_release(l);

    put_file(state, "pid=99999\nstarted=1\nfile=");
    r = fs_reserve(root, "enrols", NULL, &l, stale, sizeof stale);
    TAP_OK(r == 0 && stale[0] == '\0' && fs_lock_stale(l),
           "reserve: stale without a recorded file is still reported by fs_lock_stale");
    fs_release(l);

    TAP_OK(fs_reserve(root, "../x", "/x", &l, stale, sizeof stale) == -1,
           "reserve: a name with '/' is refused");
    TAP_OK(mode_of(in_root(".locks")) == 0700, "reserve: .locks is 0700");
}

/* --------------------------------------------------------------------------------- */

static void test_names(void)
{
    char out[PATH_MAX], stamp[16];
    time_t t = 1707816600;   /* 2024-02-13 09:30:00 UTC; TZ is UTC in this program */

    fs_stamp(t, stamp);
    TAP_STREQ(stamp, "20240213-093000", "names: stamp YYYYMMDD-HHMMSS in local time");
    static const struct { const char *kind, *in; int sim, seq; const char *want, *what; } c[] = {
        { "t", "/area/in/enrols.csv", 0, 1, "/area/in/enrols_tryback_20240213-093000.csv", "tryback" },
        { "t", "/area/in/enrols.csv", 0, 3, "/area/in/enrols_tryback_20240213-093000-3.csv",
          "tryback, third try" },
        { "t", "/area/in/enrols.csv", 1, 1, "/area/in/enrols_tryback_sim_20240213-093000.csv",
          "simulated tryback" },
        { "t", "/area/deletecourses", 0, 1, "/area/deletecourses_tryback_20240213-093000",
          "tryback without extension" },
        { "t", "/area/v1.2/list", 0, 1, "/area/v1.2/list_tryback_20240213-093000",
          "a dot in the folder is no extension" },
        { "t", "a.b.csv", 0, 1, "a.b_tryback_20240213-093000.csv", "last extension only" },
        { "r", "/area/in/enrols.csv", 0, 1, "/area/reports/20240213-093000_report_enrols.csv", "report" },
        { "r", "/area/in/enrols.csv", 0, 2, "/area/reports/20240213-093000-2_report_enrols.csv",
          "report, second try" },
        { "R", "noext", 0, 1, "/area/reports/20240213-093000_report_noext", "report without extension" },
        { "a", "/area/in/enrols.csv", 0, 1, "/area/archives/20240213-093000_enrols.csv", "archive" },
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        switch (c[i].kind[0]) {
        case 't': fs_tryback_name(c[i].in, t, c[i].sim, c[i].seq, out, sizeof out); break;
        case 'r': fs_report_name("/area", c[i].in, t, c[i].seq, out, sizeof out); break;
        case 'R': fs_report_name("/area/", c[i].in, t, c[i].seq, out, sizeof out); break;
        default:  fs_archive_name("/area", c[i].in, t, c[i].seq, out, sizeof out); break;
        }
        TAP_STREQ(out, c[i].want, "names: %s", c[i].what);
    }
    char small[20];
    fs_archive_name("/area", "enrols.csv", t, 1, small, sizeof small);
    TAP_STREQ(small, "", "names: a name that does not fit is empty, not truncated");
}

/* --------------------------------------------------------------------------------- */

static void test_private_archive_discard(void)
{
    char p[PATH_MAX], out[PATH_MAX];
    FILE *fp;
    time_t t = 1707816600;
    mode_t old = umask(0);

    pathf(p, sizeof p, "%s/priv.txt", root);
    fp = fs_create_private(p);
    TAP_OK(fp != NULL, "private: created");
    if (fp)
        fclose(fp);
    TAP_OK(mode_of(p) == 0600, "private: new file 0600 with umask 0");
    put_file(p, "precious");
    fp = fs_create_private(p);
    TAP_OK(fp == NULL && errno == EEXIST && strcmp(slurp(p), "precious") == 0,
           "private: an existing file is never opened nor truncated");
    pathf(out, sizeof out, "%s/priv-link.txt", root);
    if (symlink(p, out) == 0)
        TAP_OK(fs_create_private(out) == NULL && errno == EEXIST &&
               strcmp(slurp(p), "precious") == 0, "private: a symbolic link is not followed");
    pathf(out, sizeof out, "%s/priv-hard.txt", root);
    if (link(p, out) == 0)
        TAP_OK(fs_create_private(out) == NULL && strcmp(slurp(p), "precious") == 0,
               "private: a hard link at the path is not written through");
    pathf(p, sizeof p, "%s/reports/x_report_y.csv", root);
    fp = fs_create_private(p);
    TAP_OK(fp != NULL && mode_of(in_root("reports")) == 0700,
           "private: reports/ created 0700 on demand");
    if (fp)
        fclose(fp);

    /* Archive copy. */
    put_file(in_root("in/enrols.csv"), "cmd;cid;uid\nadd;C1;U1");
    chmod(in_root("in/enrols.csv"), 0644);
    pathf(p, sizeof p, "%s/in/enrols.csv", root);
    TAP_OK(fs_archive(root, p, t, out, sizeof out) == 0, "archive: copied");
    pathf(buf, sizeof buf, "%s/archives/20240213-093000_enrols.csv", root);
    TAP_STREQ(out, buf, "archive: name");
    TAP_STREQ(slurp(out), "cmd;cid;uid\nadd;C1;U1", "archive: same content");
    TAP_OK(mode_of(out) == 0600, "archive: 0600");
    TAP_OK(mode_of(in_root("archives")) == 0700, "archive: archives/ is 0700");
    TAP_OK(exists(p), "archive: input stays");
    put_file(p, "second");
    TAP_OK(fs_archive(root, p, t, out, sizeof out) == 0 && strcmp(slurp(out), "second") == 0,
           "archive: a second archive in the same second is written");
    TAP_STREQ(base_of(out), "20240213-093000-2_enrols.csv", "archive: under the next free name");
    TAP_STREQ(slurp(buf), "cmd;cid;uid\nadd;C1;U1", "archive: the first one is intact");
    TAP_OK(fs_cleanup(p) == 0 && !exists(p), "cleanup: input deleted");
    TAP_OK(fs_archive(root, p, t, out, sizeof out) == -1, "archive: missing input fails");

    /* Discard. */
    put_file(in_root("enrols.csv"), "poison");
    put_file(in_root("enrols-tryback-failed.csv"), "older");
    pathf(p, sizeof p, "%s/enrols.csv", root);
    TAP_OK(fs_discard_failed(p, out, sizeof out) == 0, "discard: renamed");
    TAP_STREQ(base_of(out), "enrols-tryback-failed-2.csv", "discard: the next free name");
    TAP_STREQ(slurp(out), "poison", "discard: content moved");
    TAP_STREQ(slurp(in_root("enrols-tryback-failed.csv")), "older",
              "discard: the older discarded file is kept (issue 6 item 4)");
    TAP_OK(!exists(p), "discard: original gone");
    put_file(in_root("in/deletecourses"), "d");
    pathf(p, sizeof p, "%s/in/deletecourses", root);
    TAP_OK(fs_discard_failed(p, out, sizeof out) == 0 &&
           strcmp(base_of(out), "deletecourses-tryback-failed") == 0,
           "discard: no extension → marker appended");
    umask(old);
}

/* --------------------------------------------------------------------------------- */

static int removed_count;
static void on_removed(void *ctx, const char *path)
{
    (void)ctx;
    (void)path;
    removed_count++;
}

static void test_area_cleanup(void)
{
    char area[PATH_MAX], p[PATH_MAX];
    const char *protect[] = { "enrols.csv", "user_chunk*.csv", NULL };
    long old = 100L * 86400;

    pathf(area, sizeof area, "%s/clean", tmp);
    mkdir(area, 0700);
#define C(name) (pathf(p, sizeof p, "%s/%s", area, name), p)
    mkdir(C("archives"), 0700);
    mkdir(C("reports"), 0700);
    mkdir(C("in"), 0700);
    mkdir(C(".locks"), 0700);
    put_file(C("enrols.csv"), "");              age(p, old);   /* protected */
    put_file(C("user_chunk3.csv"), "");         age(p, old);   /* protected (pattern) */
    put_file(C("old.csv"), "");                 age(p, old);
    put_file(C("new.csv"), "");                 age(p, 10L * 86400);
    put_file(C("archives/20230101-0000_enrols.csv"), ""); age(p, old);
    put_file(C("archives/recent.csv"), "");
    put_file(C("reports/r"), "");               age(p, old);
    put_file(C("in/enrols.csv"), "");           age(p, old);   /* a sub-folder's input */
    put_file(C("in/chunk_7.csv"), "");          age(p, old);   /* a wildcard's chunk */
    put_file(C("in/chunk_tryback_20230101-000000.csv"), ""); age(p, old);
    put_file(C("x-tryback-failed.csv"), "");    age(p, old);
    put_file(C(".locks/enrols.lock"), "");      age(p, old);

    removed_count = 0;
    TAP_OK(fs_area_cleanup(area, 0, protect, on_removed, NULL) == 0 && removed_count == 0,
           "area cleanup: 0 days → nothing removed");
    TAP_OK(exists(C("old.csv")), "area cleanup: 0 days kept old.csv");

    int r = fs_area_cleanup(area, 90, protect, on_removed, NULL);
    TAP_OK(r == 4, "area cleanup: 4 outputs removed (got %d)", r);
    TAP_OK(removed_count == 4, "area cleanup: callback per removal");
    TAP_OK(exists(C("old.csv")), "area cleanup: an old command file in the root is kept");
    TAP_OK(!exists(C("archives/20230101-0000_enrols.csv")), "area cleanup: old archive removed");
    TAP_OK(!exists(C("reports/r")), "area cleanup: old report removed");
    TAP_OK(!exists(C("in/chunk_tryback_20230101-000000.csv")) &&
           !exists(C("x-tryback-failed.csv")), "area cleanup: old tryback files removed");
    TAP_OK(exists(C("in/enrols.csv")) && exists(C("in/chunk_7.csv")),
           "area cleanup: inputs in a sub-folder or wildcard chunks are never removed (issue 6 item 6)");
    TAP_OK(exists(C("enrols.csv")), "area cleanup: protected name kept");
    TAP_OK(exists(C("user_chunk3.csv")), "area cleanup: protected pattern kept");
    TAP_OK(exists(C("new.csv")) && exists(C("archives/recent.csv")),
           "area cleanup: recent files kept");
    TAP_OK(exists(C(".locks/enrols.lock")), "area cleanup: .locks untouched");
    TAP_OK(exists(C("archives")) && exists(C("reports")), "area cleanup: folders kept");
#undef C
}

/* --------------------------------------------------------------------------------- */

static void rm_rf(const char *path)
{
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", path, (char *)NULL);
        _exit(127);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    setenv("TZ", "UTC", 1);
    tzset();
    pathf(tmp, sizeof tmp, "%s/tsfs.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        return 2;
    }
    pathf(root, sizeof root, "%s/area", tmp);
    mkdir(root, 0700);

    test_choose();
    test_capture();
    test_reserve();
    test_names();
    test_private_archive_discard();
    test_area_cleanup();

    rm_rf(tmp);
    return tap_done();
}
