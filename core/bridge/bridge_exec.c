/* The bridge's process: started with an argument vector, fed and read at once under poll().
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The requests are written while the answers are read, so that neither pipe can fill up
 * and block both sides, whatever the size of the batch.  The child leads its own process
 * group, so that a timeout kills php and anything it started; it is always reaped.
 * SIGPIPE is blocked while we write (a child that exits without reading gives EPIPE, not
 * our death) and a SIGPIPE raised meanwhile is consumed before the mask is restored.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bridge/bridge_internal.h"

extern char **environ;

#define OUT_LINE_MAX (16u << 20)   /* an answer longer than this is a protocol error */
#define ERR_LINE_MAX 4096u         /* longer stderr lines are cut */
#define TERM_GRACE_MS 2000         /* between SIGTERM and SIGKILL */

struct linebuf {
    char *buf;
    size_t len, cap, max;
    int overlong;
};

struct io {
    int in, out, err;
    char *req;
    size_t reqlen, reqoff;
    struct linebuf outb, errb;
    struct bridge_call *call;
    struct bridge_op *ops;
    size_t n;
};

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void close_fd(int *fd)
{
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

/* ---- lines ------------------------------------------------------------------------- */

static void out_line(struct io *io, char *line, size_t len, int overlong)
{
    if (overlong) {
        if (!io->call->protocol && asprintf(&io->call->protocol,
                "php wrote a line longer than %u bytes", OUT_LINE_MAX) < 0)
            io->call->protocol = NULL;
        return;
    }
    bridge_take_line(io->call, io->ops, io->n, line, len);
}

static void err_line(struct io *io, char *line, size_t len, int overlong)
{
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) i++;
    if (i == len) return;
    bridge_excerpt(io->call->stderr_last, sizeof io->call->stderr_last, line + i, len - i);
    /* PHP and Moodle follow the error line with context (HTML help, a stack trace) */
    if (strcasestr(line, "error") || strcasestr(line, "fatal") || strcasestr(line, "exception"))
        memcpy(io->call->stderr_error, io->call->stderr_last, sizeof io->call->stderr_error);
}

static void deliver(struct io *io, struct linebuf *lb, char *line, size_t len, int overlong)
{
    line[len] = '\0';
    if (lb == &io->outb) out_line(io, line, len, overlong);
    else err_line(io, line, len, overlong);
}

/* Appends data and hands over every complete line.  A line past max is kept cut, and
 * flagged.  -1 when out of memory. */
static int lb_feed(struct io *io, struct linebuf *lb, const char *data, size_t n)
{
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(data + i, '\n', n - i);
        size_t take = nl ? (size_t)(nl - (data + i)) : n - i;
        size_t room = lb->len < lb->max ? lb->max - lb->len : 0;
        size_t keep = take < room ? take : room;
        if (keep < take) lb->overlong = 1;
        if (lb->len + keep + 1 > lb->cap) {
            size_t cap = lb->cap ? lb->cap : 4096;
            while (cap < lb->len + keep + 1) cap *= 2;
            char *b = realloc(lb->buf, cap);
            if (!b) return -1;
            lb->buf = b, lb->cap = cap;
        }
        memcpy(lb->buf + lb->len, data + i, keep);
        lb->len += keep;
        i += take;
        if (nl) {
            deliver(io, lb, lb->buf, lb->len, lb->overlong);
            lb->len = 0, lb->overlong = 0;
            i++;
        }
    }
    return 0;
}

static void lb_end(struct io *io, struct linebuf *lb)
{
    if (lb->len || lb->overlong) deliver(io, lb, lb->buf, lb->len, lb->overlong);
    lb->len = 0, lb->overlong = 0;
}

/* ---- the child ---------------------------------------------------------------------- */

static char *build_requests(struct bridge_op *ops, size_t n, size_t *len)
{
    size_t cap = 1, off = 0;
    for (size_t i = 0; i < n; i++)
        cap += strlen(ops[i].op) + strlen(ops[i].args) + 48;
    char *s = malloc(cap);
    if (!s) return NULL;
    for (size_t i = 0; i < n; i++)
        off += (size_t)snprintf(s + off, cap - off, "{\"id\":%zu,\"op\":\"%s\",\"args\":%s}\n",
                                i + 1, ops[i].op, ops[i].args);
    *len = off;
    return s;
}

/* In the child: only async-signal-safe calls until execve. */
static void child(const struct bridge_call *c, char *const argv[], const int fds[4],
                  const sigset_t *mask)
{
    setpgid(0, 0);
    if (dup2(fds[0], 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[2], 2) < 0 || dup2(fds[3], 3) < 0)
        _exit(127);
    fcntl(3, F_SETFD, FD_CLOEXEC);   /* closed by a successful execve: says it worked */
    closefrom(4);
    signal(SIGPIPE, SIG_DFL);
    pthread_sigmask(SIG_SETMASK, mask, NULL);
    execve(c->php, argv, environ);
    int e = errno;
    if (write(3, &e, sizeof e) < 0) _exit(127);
    _exit(127);
}

/* A pipe whose ends are above 2, close-on-exec, so that dup2 in the child never
 * overwrites one of them. */
static int make_pipe(int p[2])
{
    if (pipe2(p, O_CLOEXEC) < 0) return -1;
    for (int k = 0; k < 2; k++)
        if (p[k] <= 3) {
            int fd = fcntl(p[k], F_DUPFD_CLOEXEC, 4);
            close(p[k]);
            p[k] = fd;
        }
    if (p[0] < 0 || p[1] < 0) { if (p[0] >= 0) close(p[0]); if (p[1] >= 0) close(p[1]); return -1; }
    return 0;
}

/* Starts the child; its pid, or -1 with call->errtext set. */
static pid_t start(struct bridge_call *c, struct io *io, const sigset_t *mask)
{
    int pin[2], pout[2], perr[2], pexe[2];
    char dirarg[4200];
    snprintf(dirarg, sizeof dirarg, "--dirroot=%s", c->dirroot);
    char *argv[] = { (char *)c->php, (char *)c->script, dirarg, NULL };
    if (make_pipe(pin) < 0 || make_pipe(pout) < 0 || make_pipe(perr) < 0 || make_pipe(pexe) < 0) {
        snprintf(c->errtext, sizeof c->errtext, "cannot create pipes: %s", strerror(errno));
        return -1;   /* the few descriptors of a failed make_pipe leak only in that case */
    }
    pid_t pid = fork();
    if (pid == 0) {
        int fds[4] = { pin[0], pout[1], perr[1], pexe[1] };
        child(c, argv, fds, mask);
    }
    close(pin[0]), close(pout[1]), close(perr[1]), close(pexe[1]);
    io->in = pin[1], io->out = pout[0], io->err = perr[0];
    if (pid < 0) {
        snprintf(c->errtext, sizeof c->errtext, "cannot start %s: %s", c->php, strerror(errno));
        close(pexe[0]);
        return -1;
    }
    setpgid(pid, pid);   /* also here: no race with a kill before the child ran setpgid */
    int e = 0;
    ssize_t r;
    while ((r = read(pexe[0], &e, sizeof e)) < 0 && errno == EINTR) {}
    close(pexe[0]);
    if (r == (ssize_t)sizeof e) {
        snprintf(c->errtext, sizeof c->errtext, "cannot run %s: %s", c->php, strerror(e));
        waitpid(pid, NULL, 0);
        return -1;
    }
    fcntl(io->in, F_SETFL, O_NONBLOCK);
    fcntl(io->out, F_SETFL, O_NONBLOCK);
    fcntl(io->err, F_SETFL, O_NONBLOCK);
    return pid;
}

/* ---- the conversation --------------------------------------------------------------- */

static void write_some(struct io *io)
{
    ssize_t w = write(io->in, io->req + io->reqoff, io->reqlen - io->reqoff);
    if (w > 0) io->reqoff += (size_t)w;
    else if (w < 0 && errno != EAGAIN && errno != EINTR) close_fd(&io->in);  /* EPIPE: not reading */
    if (io->reqoff == io->reqlen) close_fd(&io->in);   /* EOF tells the script to finish */
}

static void read_some(struct io *io, int *fd, struct linebuf *lb)
{
    char chunk[65536];
    ssize_t r = read(*fd, chunk, sizeof chunk);
    if (r > 0) {
        if (lb_feed(io, lb, chunk, (size_t)r) < 0) {
            snprintf(io->call->errtext, sizeof io->call->errtext, "out of memory");
            close_fd(fd);
        }
    } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        lb_end(io, lb);
        close_fd(fd);
    }
}

/* Polls until the child has exited and its output is drained, or the deadline passes
 * (call->timedout).  *reaped and *wstatus tell about the child. */
static void converse(struct io *io, pid_t pid, long deadline, int *reaped, int *wstatus)
{
    for (;;) {
        if (!*reaped && waitpid(pid, wstatus, WNOHANG) == pid) *reaped = 1;
        if (*reaped && io->out < 0 && io->err < 0) return;
        long left = deadline - now_ms();
        if (left <= 0) { io->call->timedout = 1; return; }
        struct pollfd pf[3];
        int *fdof[3];
        nfds_t k = 0;
        if (io->in >= 0) pf[k] = (struct pollfd){ io->in, POLLOUT, 0 }, fdof[k++] = &io->in;
        if (io->out >= 0) pf[k] = (struct pollfd){ io->out, POLLIN, 0 }, fdof[k++] = &io->out;
        if (io->err >= 0) pf[k] = (struct pollfd){ io->err, POLLIN, 0 }, fdof[k++] = &io->err;
        /* once the child is gone, only what is already in the pipes is read (a
         * grandchild may hold them open); before, wake up now and then to reap it */
        int r = poll(pf, k, *reaped ? 0 : (int)(left < 100 ? left : 100));
        if (r < 0 && errno != EINTR) return;
        if (r == 0 && *reaped) return;
        for (nfds_t i = 0; r > 0 && i < k; i++) {
            if (!pf[i].revents) continue;
            if (fdof[i] == &io->in) {
                if (pf[i].revents & (POLLERR | POLLHUP)) close_fd(&io->in);
                else write_some(io);
            } else {
                read_some(io, fdof[i], fdof[i] == &io->out ? &io->outb : &io->errb);
            }
        }
    }
}

static int reap_within(pid_t pid, int *wstatus, long ms)
{
    long until = now_ms() + ms;
    do {
        if (waitpid(pid, wstatus, WNOHANG) == pid) return 1;
        poll(NULL, 0, 20);
    } while (now_ms() < until);
    return 0;
}

/* SIGTERM to the whole group, SIGKILL after a grace period; the leader is reaped. */
static void kill_group(pid_t pid, int *reaped, int *wstatus)
{
    kill(-pid, SIGTERM);
    if (!*reaped) *reaped = reap_within(pid, wstatus, TERM_GRACE_MS);
    kill(-pid, SIGKILL);   /* whatever is left of the group (ESRCH when nothing) */
    if (!*reaped) {
        while (waitpid(pid, wstatus, 0) < 0 && errno == EINTR) {}
        *reaped = 1;
    }
}

static void run_child(struct bridge_call *call, struct io *io, const sigset_t *oldmask)
{
    pid_t pid = start(call, io, oldmask);
    if (pid < 0) return;
    call->started = 1;
    int reaped = 0, wstatus = 0;
    long timeout = call->timeout > 0 ? call->timeout : 300;
    converse(io, pid, now_ms() + timeout * 1000L, &reaped, &wstatus);
    if (call->timedout) kill_group(pid, &reaped, &wstatus);
    if (WIFEXITED(wstatus)) call->exited = 1, call->exitcode = WEXITSTATUS(wstatus);
    else if (WIFSIGNALED(wstatus)) call->signaled = 1, call->signo = WTERMSIG(wstatus);
}

void bridge_exec(struct bridge_call *call, struct bridge_op *ops, size_t n)
{
    struct io io = { .in = -1, .out = -1, .err = -1, .call = call, .ops = ops, .n = n,
                     .outb = { .max = OUT_LINE_MAX }, .errb = { .max = ERR_LINE_MAX } };
    io.req = build_requests(ops, n, &io.reqlen);
    if (!io.req) {
        snprintf(call->errtext, sizeof call->errtext, "out of memory");
        return;
    }
    sigset_t pipeset, oldmask, pending;
    sigemptyset(&pipeset);
    sigaddset(&pipeset, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipeset, &oldmask);
    sigpending(&pending);
    int was_pending = sigismember(&pending, SIGPIPE);

    run_child(call, &io, &oldmask);

    close_fd(&io.in), close_fd(&io.out), close_fd(&io.err);
    sigpending(&pending);
    if (!was_pending && sigismember(&pending, SIGPIPE)) {
        struct timespec zero = { 0, 0 };
        sigtimedwait(&pipeset, NULL, &zero);   /* ours, raised by a write to a closed pipe */
    }
    pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
    free(io.req), free(io.outb.buf), free(io.errb.buf);
}
