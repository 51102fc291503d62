/* What the files of the bridge share: the op record, the process runner, the JSON reader.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef TS_BRIDGE_INTERNAL_H
#define TS_BRIDGE_INTERNAL_H
#include <stddef.h>
#include "bridge/bridge.h"

/* One queued op and, once the call is over, its outcome. */
struct bridge_op {
    char *op;
    char *args;             /* a JSON object on one line */
    void *tag;
    int answered;           /* 1 once a valid answer was read */
    bridge_status status;
    char *key, *message;    /* malloc'd; NULL until answered */
    char *result;           /* raw JSON text, or NULL */
};

/* How one call went, for the ops left without an answer. */
struct bridge_call {
    const char *php;        /* resolved executable */
    const char *script, *dirroot;
    int timeout;
    int started;            /* 0: could not start (errtext says why) */
    int timedout;
    int exited, exitcode, signaled, signo;
    char *protocol;         /* first protocol error, or NULL (malloc'd) */
    char errtext[256];      /* why it could not start */
    char stderr_last[512];  /* last non-empty stderr line, passwords cut */
    char stderr_error[512]; /* last one naming an error, fatal or exception (often not the last) */
};

/* Runs one php process for ops[0..n-1] (ids 1..n) and fills every answer it got;
 * call->… tells what happened to the process.  bridge_exec.c */
void bridge_exec(struct bridge_call *call, struct bridge_op *ops, size_t n);

/* Hands one stdout line to the ops (answer, or a protocol error noted on call).  bridge.c */
void bridge_take_line(struct bridge_call *call, struct bridge_op *ops, size_t n,
                      const char *line, size_t len);

/* Copies at most dstlen-1 bytes of src[0..len) to dst as printable text, cut after the
 * first word holding "pass" (a password may follow it).  bridge.c */
void bridge_excerpt(char *dst, size_t dstlen, const char *src, size_t len);

/* Minimal JSON reading (bridge_json.c).  Every function takes a NUL-terminated text. */
const char *bj_ws(const char *p);
/* End of the JSON value at p (after it), or NULL when it is not valid JSON. */
const char *bj_value_end(const char *p);
/* Decodes the string at p into *out (malloc'd UTF-8; NUL bytes refused); end after it.
 * 0, or -1 when invalid or out of memory. */
int bj_string(const char *p, const char **end, char **out);
/* Calls fn for each member of the object at p with its decoded key and the raw span of
 * its value; stops at the first non-zero return of fn (returned).  -1 when invalid. */
typedef int (*bj_member_fn)(void *ctx, const char *key, const char *val, const char *valend);
int bj_object(const char *p, const char **end, bj_member_fn fn, void *ctx);

/* An answer line, decoded. */
struct bridge_answer {
    long id;
    int has_id;
    int status;             /* -1 missing, 0 "ok", 1 "error" */
    char *key, *message;    /* malloc'd or NULL */
    char *result;           /* raw JSON text (malloc'd) or NULL when absent or null */
};
/* 0 when line is one object with an integer id and a status; -1 otherwise. */
int bridge_parse_answer(const char *line, struct bridge_answer *a);
void bridge_answer_clear(struct bridge_answer *a);

#endif
