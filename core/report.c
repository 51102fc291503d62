/* The run report: a text file for people and its JSON Lines twin for machines (spec 00
 * §6 and the format fixed in report.h).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Counting: every report_row() call counts as one data line, under its status; callers
 * call it once per row (the host's outcome() guarantees one outcome per row).  File-level
 * messages (report_file) are not rows and are not counted.
 *
 * The text report keeps one message per line: control characters in a text (a newline
 * inside a quoted CSV value, say) are written as spaces, so that no value can forge a
 * report line.  The JSON twin keeps the exact text, escaped; invalid UTF-8 bytes become
 * U+FFFD so that every line stays valid JSON.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "filestore.h"
#include "report.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

struct report {
    FILE *txt;              /* NULL when the report is not stored */
    FILE *json;
    FILE *echo;
    char *txt_path, *json_path;
    report_counts c;
};

static const char *status_name(ts_status st)
{
    switch (st) {
    case TS_OK:    return "OK";
    case TS_SKIP:  return "SKIP";
    case TS_WARN:  return "WARN";
    case TS_ERROR: return "ERROR";
    }
    return "ERROR";
}

/* ---------------------------------------------------------------------------------
 * Text output: every piece goes to the file and to the echo stream.
 * ------------------------------------------------------------------------------- */

static void put(report *r, const char *s)
{
    if (r->txt)
        fputs(s, r->txt);
    if (r->echo)
        fputs(s, r->echo);
}

/* A message text: control characters become spaces (one message, one line). */
static void put_clean(report *r, const char *s)
{
    char buf[512];
    size_t n = 0;

    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        buf[n++] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
        if (n == sizeof buf - 1) {
            buf[n] = '\0';
            put(r, buf);
            n = 0;
        }
    }
    buf[n] = '\0';
    put(r, buf);
}

/* ---------------------------------------------------------------------------------
 * JSON output.
 * ------------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when the bytes are not one. */
static int utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    unsigned char lo = 0x80, hi = 0xbf;
    int n;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0) lo = 0xa0;          /* overlong */
        if (c == 0xed) hi = 0x9f;          /* surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0) lo = 0x90;          /* overlong */
        if (c == 0xf4) hi = 0x8f;          /* above U+10FFFF */
    } else
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (int i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return n;
}

static void json_str(FILE *fp, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");

    putc('"', fp);
    while (*p) {
        unsigned char c = *p;
        int n;
        switch (c) {
        case '"':  fputs("\\\"", fp); p++; continue;
        case '\\': fputs("\\\\", fp); p++; continue;
        case '\n': fputs("\\n", fp); p++; continue;
        case '\r': fputs("\\r", fp); p++; continue;
        case '\t': fputs("\\t", fp); p++; continue;
        case '\b': fputs("\\b", fp); p++; continue;
        case '\f': fputs("\\f", fp); p++; continue;
        }
        if (c < 0x20 || c == 0x7f) {
            fprintf(fp, "\\u%04x", c);
            p++;
            continue;
        }
        /* A run of bytes written as they are: one fwrite, not one per character. */
        const unsigned char *start = p;
        while (*p && *p >= 0x20 && *p != 0x7f && *p != '"' && *p != '\\' &&
               (n = utf8_len(p)) > 0)
            p += n;
        if (p > start) {
            fwrite(start, 1, (size_t)(p - start), fp);
            continue;
        }
        fputs("\\ufffd", fp);   /* not UTF-8 */
        p++;
    }
    putc('"', fp);
}

static void json_msg(report *r, long line, ts_status st, const char *key,
                     const char *column, const char *text)
{
    FILE *fp = r->json;
    if (!fp)
        return;
    if (line > 0)
        fprintf(fp, "{\"line\":%ld,\"status\":", line);
    else
        fputs("{\"line\":null,\"status\":", fp);
    json_str(fp, status_name(st));
    fputs(",\"key\":", fp);
    json_str(fp, key);
    fputs(",\"column\":", fp);
    if (column)
        json_str(fp, column);
    else
        fputs("null", fp);
    fputs(",\"text\":", fp);
    json_str(fp, text);
    fputs("}\n", fp);
}

/* ---------------------------------------------------------------------------------
 * The report.
 * ------------------------------------------------------------------------------- */

/* ISO 8601 local time with the offset written "+01:00". */
static void iso_time(time_t t, char *out, size_t len)
{
    struct tm tm;
    char z[8];
    if (!localtime_r(&t, &tm) || strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm) == 0 ||
        strftime(z, sizeof z, "%z", &tm) != 5) {
        snprintf(out, len, "%ld", (long)t);
        return;
    }
    size_t l = strlen(out);
    snprintf(out + l, len - l, "%.3s:%.2s", z, z + 3);
}

static void discard_files(report *r)
{
    if (r->txt) {
        fclose(r->txt);
        unlink(r->txt_path);
    }
    if (r->json) {
        fclose(r->json);
        unlink(r->json_path);
    }
    free(r->txt_path);
    free(r->json_path);
    free(r);
}

typedef struct { const char *root, *name; time_t t; } name_ctx;

static void namer(const void *c, int seq, char *out, size_t len)
{
    const name_ctx *n = c;
    fs_report_name(n->root, n->name, n->t, seq, out, len);
}

/* Both files exclusively: a twin already there gives the text file's name back. */
static int maker(void *c, const char *path)
{
    report *r = c;
    size_t l = strlen(path);
    free(r->txt_path);
    free(r->json_path);
    r->txt_path = strdup(path);
    r->json_path = malloc(l + sizeof ".jsonl");
    if (!r->txt_path || !r->json_path) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(r->json_path, path, l);
    memcpy(r->json_path + l, ".jsonl", sizeof ".jsonl");
    if (!(r->txt = fs_create_private(r->txt_path)))
        return -1;
    if ((r->json = fs_create_private(r->json_path)))
        return 0;
    int e = errno;
    fclose(r->txt);
    r->txt = NULL;
    unlink(r->txt_path);
    errno = e;
    return -1;
}

/* Creates the text report and its twin under the first free name of this second, so
 * that a report is never written over another run's. */
static int create_pair(report *r, const char *root, const char *input_name, time_t started)
{
    char path[4096 - 8];
    name_ctx n = { root, input_name, started };
    return fs_first_free(namer, &n, maker, r, path, sizeof path);
}

report *report_open(const char *root, const char *input_name, const char *handler,
                    const char *input_display, time_t started, int simulated, FILE *echo)
{
    report *r = calloc(1, sizeof *r);
    char when[64];

    if (!r)
        return NULL;
    r->echo = echo;
    if (root && create_pair(r, root, input_name, started) != 0) {
        int e = errno;
        discard_files(r);
        errno = e;
        return NULL;
    }

    iso_time(started, when, sizeof when);
    put(r, "toolsync " PACKAGE_VERSION " report: handler ");
    put_clean(r, handler ? handler : "");
    put(r, ", file ");
    put_clean(r, input_display ? input_display : "");
    put(r, ", started ");
    put(r, when);
    put(r, simulated ? " SIMULATION\n" : "\n");

    if (r->json) {
        fputs("{\"report\":{\"toolsync\":", r->json);
        json_str(r->json, PACKAGE_VERSION);
        fputs(",\"handler\":", r->json);
        json_str(r->json, handler);
        fputs(",\"file\":", r->json);
        json_str(r->json, input_display);
        fputs(",\"started\":", r->json);
        json_str(r->json, when);
        fprintf(r->json, ",\"simulation\":%s}}\n", simulated ? "true" : "false");
    }
    return r;
}

static void text_msg(report *r, long line, ts_status st, const char *key,
                     const char *column, const char *text)
{
    char lbuf[32];
    if (line > 0) {
        snprintf(lbuf, sizeof lbuf, "[%ld] ", line);
        put(r, lbuf);
    }
    put(r, status_name(st));
    put(r, " ");
    put_clean(r, key ? key : "");
    if (column || (text && *text)) {
        put(r, ":");
        if (column) {
            put(r, " column ");
            put_clean(r, column);
            put(r, ":");
        }
        if (text && *text) {
            put(r, " ");
            put_clean(r, text);
        }
    }
    put(r, "\n");
}

void report_row(report *r, long line, ts_status st, const char *key, const char *column,
                const char *text)
{
    if (!r)
        return;
    r->c.lines++;
    switch (st) {
    case TS_OK:    r->c.ok++; break;
    case TS_SKIP:  r->c.skip++; break;
    case TS_WARN:  r->c.warn++; break;
    case TS_ERROR: r->c.error++; break;
    }
    text_msg(r, line > 0 ? line : 0, st, key, column, text);
    json_msg(r, line > 0 ? line : 0, st, key, column, text);
}

void report_file(report *r, ts_status st, const char *key, const char *text)
{
    if (!r)
        return;
    text_msg(r, 0, st, key, NULL, text);
    json_msg(r, 0, st, key, NULL, text);
}

void report_count_comments(report *r, long n)
{
    if (r && n > 0)
        r->c.comments += n;
}

const report_counts *report_get_counts(const report *r)
{
    static const report_counts none;
    return r ? &r->c : &none;
}

/* Flushes one stream to the disk; -1 if anything written to it was lost. */
static int sync_one(FILE *fp)
{
    if (!fp)
        return 0;
    int bad = fflush(fp) != 0 || ferror(fp);
    bad |= fsync(fileno(fp)) != 0;
    return bad ? -1 : 0;
}

/* Flushes, syncs and closes one stream; -1 if anything written to it was lost. */
static int finish(FILE *fp)
{
    if (!fp)
        return 0;
    int bad = sync_one(fp) != 0;
    bad |= fclose(fp) != 0;
    return bad ? -1 : 0;
}

int report_sync(report *r)
{
    if (!r)
        return -1;
    int bad = sync_one(r->txt) != 0;
    bad |= sync_one(r->json) != 0;
    return bad ? -1 : 0;
}

const char *report_path(const report *r)
{
    return r && r->txt_path ? r->txt_path : "";
}

int report_close(report *r)
{
    char sum[256];
    int rc = 0;

    if (!r)
        return -1;
    snprintf(sum, sizeof sum,
             "summary: %ld lines, %ld OK, %ld SKIP, %ld WARN, %ld ERROR, %ld comments\n",
             r->c.lines, r->c.ok, r->c.skip, r->c.warn, r->c.error, r->c.comments);
    put(r, sum);
    put(r, "\nend of report\n");
    if (r->json)
        fprintf(r->json, "{\"summary\":{\"lines\":%ld,\"ok\":%ld,\"skip\":%ld,\"warn\":%ld,"
                "\"error\":%ld,\"comments\":%ld}}\n",
                r->c.lines, r->c.ok, r->c.skip, r->c.warn, r->c.error, r->c.comments);
    if (r->echo)
        fflush(r->echo);
    if (finish(r->txt) != 0)
        rc = -1;
    if (finish(r->json) != 0)
        rc = -1;
    free(r->txt_path);
    free(r->json_path);
    free(r);
    return rc;
}
