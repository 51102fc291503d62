/* The Moodle bridge's interface: the queue, the checks before a call, the outcome of each op.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bridge_exec.c runs the process; here every op gets exactly one result, whatever
 * happened to it: its answer, or why there was none (not configured, timeout, crash,
 * protocol error), with the last stderr line of php so that a report line says why.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bridge/bridge_internal.h"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/local/share/toolsync"
#endif

#define CONF_HINT "set moodle { dirroot = \"/path/to/moodle\"; php = \"/usr/bin/php\" } in toolsync.conf"

struct bridge {
    char *php, *dirroot, *script;
    int timeout;
    struct bridge_op *q;
    size_t n, cap;
};

static char *dup_or(const char *s, const char *dflt)
{
    return strdup(s && *s ? s : dflt);
}

bridge *bridge_new(const bridge_config *c)
{
    bridge *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->php = dup_or(c->php, "php");
    b->dirroot = dup_or(c->dirroot, "");
    b->script = dup_or(c->script, PKGDATADIR "/toolsync_bridge.php");
    b->timeout = c->timeout > 0 ? c->timeout : 300;
    if (!b->php || !b->dirroot || !b->script) {
        bridge_free(b);
        return NULL;
    }
    for (size_t k = strlen(b->dirroot); k > 1 && b->dirroot[k - 1] == '/'; k--)
        b->dirroot[k - 1] = '\0';
    return b;
}

static void op_clear(struct bridge_op *o)
{
    free(o->op), free(o->args), free(o->key), free(o->message), free(o->result);
    memset(o, 0, sizeof *o);
}

void bridge_free(bridge *b)
{
    if (!b) return;
    for (size_t i = 0; i < b->n; i++) op_clear(&b->q[i]);
    free(b->q), free(b->php), free(b->dirroot), free(b->script);
    free(b);
}

int bridge_configured(const bridge *b)
{
    return b && b->dirroot[0] != '\0';
}

size_t bridge_pending(const bridge *b)
{
    return b ? b->n : 0;
}

static int valid_op_name(const char *op)
{
    if (!op || !*op || strlen(op) > 64) return 0;
    for (const char *p = op; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) return 0;
    return 1;
}

/* A copy of args on one line (JSON allows line breaks only between tokens, where a space
 * means the same), or NULL when args is not one JSON object. */
static char *one_line_object(const char *args)
{
    const char *p = bj_ws(args), *e;
    if (*p != '{' || !(e = bj_value_end(p)) || *bj_ws(e) != '\0') {
        errno = EINVAL;
        return NULL;
    }
    char *s = strndup(p, (size_t)(e - p));
    if (!s) return NULL;
    for (char *c = s; *c; c++)
        if (*c == '\n' || *c == '\r') *c = ' ';
    return s;
}

int bridge_queue(bridge *b, const char *op, const char *args_json, void *tag)
{
    if (!b || !valid_op_name(op)) {
        errno = EINVAL;
        return -1;
    }
    char *args = one_line_object(args_json ? args_json : "{}");
    if (!args) return -1;
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        struct bridge_op *q = realloc(b->q, cap * sizeof *q);
        if (!q) { free(args); return -1; }
        b->q = q, b->cap = cap;
    }
    struct bridge_op *o = &b->q[b->n];
    memset(o, 0, sizeof *o);
    o->op = strdup(op);
    if (!o->op) { free(args); return -1; }
    o->args = args;
    o->tag = tag;
    b->n++;
    return 0;
}

/* ---- text ------------------------------------------------------------------------------ */

void bridge_excerpt(char *dst, size_t dstlen, const char *src, size_t len)
{
    size_t o = 0, i;
    if (!dstlen) return;
    for (i = 0; i < len && o + 1 < dstlen; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[o++] = (char)(c < 0x20 || c == 0x7f ? ' ' : c);
    }
    if (i < len)   /* cut: drop a UTF-8 sequence that may have lost its tail */
        while (o > 0 && ((unsigned char)dst[o - 1] & 0x80)) o--;
    dst[o] = '\0';
    char *p = strcasestr(dst, "pass");
    if (p) {
        while (isalnum((unsigned char)*p) || *p == '_') p++;
        size_t at = (size_t)(p - dst);
        snprintf(p, dstlen - at, "%s", at + 10 < dstlen ? " [hidden]" : "");
    }
}

static void set_text(char **dst, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_text(char **dst, const char *fmt, ...)
{
    va_list ap;
    free(*dst);
    va_start(ap, fmt);
    if (vasprintf(dst, fmt, ap) < 0) *dst = NULL;
    va_end(ap);
}

/* ---- answers ----------------------------------------------------------------------------- */

static void note_protocol(struct bridge_call *call, const char *what, const char *line, size_t len)
{
    char ex[96];
    if (call->protocol) return;   /* the first one tells most */
    bridge_excerpt(ex, sizeof ex, line, len);
    set_text(&call->protocol, "%s: \"%s\"", what, ex);
}

void bridge_take_line(struct bridge_call *call, struct bridge_op *ops, size_t n,
                      const char *line, size_t len)
{
    struct bridge_answer a;
    if (*bj_ws(line) == '\0' && strlen(line) == len) return;   /* a blank line says nothing */
    if (strlen(line) != len || bridge_parse_answer(line, &a) < 0) {
        note_protocol(call, "php wrote a line that is not a bridge answer", line, len);
        return;
    }
    if (a.id < 1 || (size_t)a.id > n || ops[a.id - 1].answered) {
        note_protocol(call, a.id >= 1 && (size_t)a.id <= n ? "php answered an op twice"
                            : "php answered an op it was not given", line, len);
        bridge_answer_clear(&a);
        return;
    }
    struct bridge_op *o = &ops[a.id - 1];
    o->answered = 1;
    o->status = a.status == 0 ? BRIDGE_OK : BRIDGE_FAILED;
    o->key = a.key ? a.key : strdup(a.status == 0 ? "bridgedone" : "bridgeerror");
    o->message = a.message ? a.message
               : strdup(a.status == 0 ? "done" : "the bridge reported an error");
    o->result = a.result;
    a.key = a.message = a.result = NULL;
}

/* The stderr line that tells most: the last error line, else the last line. */
static const char *last_words(const struct bridge_call *c)
{
    return c->stderr_error[0] ? c->stderr_error : c->stderr_last;
}

/* "exit status 255" / "killed by signal 9 (Killed)", and the last stderr line. */
static void how_it_ended(const struct bridge_call *c, char *buf, size_t len)
{
    int k = c->signaled ? snprintf(buf, len, "killed by signal %d (%s)", c->signo, strsignal(c->signo))
                        : snprintf(buf, len, "exit status %d", c->exitcode);
    if (*last_words(c) && k >= 0 && (size_t)k < len)
        snprintf(buf + k, len - (size_t)k, "; last error output: %s", last_words(c));
}

/* The result of an op left without an answer. */
static void unanswered(const struct bridge_call *c, struct bridge_op *o, size_t answered, size_t n)
{
    char ended[700];
    o->status = BRIDGE_FAILED;
    how_it_ended(c, ended, sizeof ended);
    int abnormal = c->signaled || (c->exited && c->exitcode != 0);
    if (!c->started) {
        set_text(&o->key, "bridgecrashed");
        set_text(&o->message, "the Moodle bridge could not run: %s", c->errtext);
    } else if (c->timedout) {
        set_text(&o->key, "bridgetimeout");
        set_text(&o->message, "%s %s did not finish within %d s and was stopped%s%s", c->php,
                 c->script, c->timeout, *last_words(c) ? "; last error output: " : "",
                 last_words(c));
    } else if (c->protocol && !(abnormal && *last_words(c))) {
        set_text(&o->key, "bridgeprotocol");
        set_text(&o->message, "%s (no answer for this op)", c->protocol);
    } else {
        set_text(&o->key, "bridgecrashed");
        set_text(&o->message, "%s %s ended after answering %zu of %zu ops (%s)",
                 c->php, c->script, answered, n, ended);
    }
}

/* ---- the call ---------------------------------------------------------------------------- */

/* The executable: php as configured when it holds a '/', else found in PATH. */
static int resolve_php(const bridge *b, char *out, size_t len)
{
    if (strchr(b->php, '/')) {
        snprintf(out, len, "%s", b->php);
        return access(out, X_OK);
    }
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path; *p;) {
        size_t k = strcspn(p, ":");
        snprintf(out, len, "%.*s/%s", (int)k, k ? p : ".", b->php);
        if (access(out, X_OK) == 0) return 0;
        p += k + (p[k] == ':');
    }
    snprintf(out, len, "%s", b->php);
    return -1;
}

/* Why a call cannot be made (into why), or 0 when it can. */
static int preflight(const bridge *b, const char *php, int phpok, char *why, size_t len)
{
    char cfg[4200], up[4200];
    snprintf(cfg, sizeof cfg, "%s/config.php", b->dirroot);
    snprintf(up, sizeof up, "%s/../config.php", b->dirroot);   /* 5.1+: given public/ */
    size_t k = strlen(b->dirroot);
    int public = k >= 7 && !strcmp(b->dirroot + k - 7, "/public");
    if (!bridge_configured(b))
        snprintf(why, len, "the Moodle bridge is not configured: " CONF_HINT);
    else if (access(cfg, R_OK) != 0 && !(public && access(up, R_OK) == 0))
        snprintf(why, len, "no readable config.php in %s: moodle { dirroot } in toolsync.conf must "
                 "name the Moodle root holding config.php (for Moodle 5.1+, the root above public/)",
                 b->dirroot);
    else if (!phpok)
        snprintf(why, len, "cannot run %s (%s): install php-cli or set moodle { php = "
                 "\"/usr/bin/php\" } in toolsync.conf", php,
                 strchr(b->php, '/') ? "not an executable" : "not found in PATH");
    else if (access(b->script, R_OK) != 0)
        snprintf(why, len, "the bridge script %s is missing (it is installed in %s)", b->script,
                 PKGDATADIR);
    else
        return 0;
    return -1;
}

/* Runs ops[0..n) and gives each its result.  -1 when no process ran, else the number of
 * failed ops. */
static long exec_ops(bridge *b, struct bridge_op *ops, size_t n)
{
    char php[4200], why[4500];
    struct bridge_call call = { .php = php, .script = b->script, .dirroot = b->dirroot,
                                .timeout = b->timeout };
    int phpok = resolve_php(b, php, sizeof php) == 0;
    if (preflight(b, php, phpok, why, sizeof why) < 0) {
        for (size_t i = 0; i < n; i++) {
            ops[i].status = BRIDGE_FAILED;
            set_text(&ops[i].key, "bridgenotconfigured");
            set_text(&ops[i].message, "%s", why);
        }
        return -1;
    }
    bridge_exec(&call, ops, n);
    size_t answered = 0;
    long failed = 0;
    for (size_t i = 0; i < n; i++) answered += (size_t)ops[i].answered;
    for (size_t i = 0; i < n; i++) {
        if (!ops[i].answered) unanswered(&call, &ops[i], answered, n);
        failed += ops[i].status != BRIDGE_OK;
    }
    free(call.protocol);
    return call.started ? failed : -1;
}

int bridge_run(bridge *b, void (*done)(void *ctx, void *tag, const bridge_result *r), void *ctx)
{
    if (!b || !b->n) return 0;
    struct bridge_op *ops = b->q;
    size_t n = b->n;
    b->q = NULL, b->n = b->cap = 0;   /* done() may queue ops for the next call */
    long failed = exec_ops(b, ops, n);
    for (size_t i = 0; i < n; i++) {
        bridge_result r = { ops[i].status, ops[i].key ? ops[i].key : "bridgecrashed",
                            ops[i].message ? ops[i].message : "", ops[i].result };
        if (done) done(ctx, ops[i].tag, &r);
        op_clear(&ops[i]);
    }
    free(ops);
    return failed < 0 ? -1 : failed > 0;
}

int bridge_describe(const bridge *b, char *buf, size_t len)
{
    char php[4200];
    if (!b) return snprintf(buf, len, "(no Moodle bridge)");
    resolve_php(b, php, sizeof php);
    if (!bridge_configured(b)) return snprintf(buf, len, "%s %s (no Moodle dirroot configured)", php, b->script);
    return snprintf(buf, len, "%s %s in %s", php, b->script, b->dirroot);
}

/* ---- ping -------------------------------------------------------------------------------- */

struct ping_info { char *release, *version; };

static int ping_member(void *ctx, const char *key, const char *v, const char *e)
{
    struct ping_info *pi = ctx;
    char **dst = !strcmp(key, "release") ? &pi->release : !strcmp(key, "version") ? &pi->version : NULL;
    if (!dst || *dst) return 0;
    if (*v == '"') return bj_string(v, NULL, dst) < 0 ? -1 : 0;
    if (*v == '-' || (*v >= '0' && *v <= '9')) *dst = strndup(v, (size_t)(e - v));
    return 0;
}

int bridge_ping(bridge *b, char *version, size_t len, char *err, size_t errlen)
{
    struct bridge_op op = { .op = "ping", .args = "{}" };
    struct ping_info pi = { NULL, NULL };
    int rc = -1;
    if (len) version[0] = '\0';
    if (errlen) err[0] = '\0';
    if (!b) {
        snprintf(err, errlen, "bridgenotconfigured: no Moodle bridge");
        return -1;
    }
    exec_ops(b, &op, 1);
    if (op.status != BRIDGE_OK)
        snprintf(err, errlen, "%s: %s", op.key ? op.key : "bridgecrashed", op.message ? op.message : "");
    else if (!op.result || bj_object(op.result, NULL, ping_member, &pi) != 0 || !pi.release)
        snprintf(err, errlen, "bridgeprotocol: the ping answer holds no Moodle release");
    else {
        snprintf(version, len, "%s (%s)", pi.release, pi.version ? pi.version : "?");
        rc = 0;
    }
    free(pi.release), free(pi.version);
    free(op.key), free(op.message), free(op.result);   /* op and args are not ours */
    return rc;
}
