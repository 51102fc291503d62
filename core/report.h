/* The run report (text for people, JSON Lines for machines) and the tryback file.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Text report, one line per message:
 *   toolsync <version> report: handler <h>, file <display>, started <ISO time>[ SIMULATION]
 *   [<line>] <STATUS> <key>: <text>               (one per row outcome; column shown as
 *                                                   "column <c>: " at the start of text)
 *   <STATUS> <key>: <text>                         (file-level messages, no line)
 *   summary: <n> lines, <ok> OK, <skip> SKIP, <warn> WARN, <error> ERROR, <skipped> comments
 *   <empty line>
 *   end of report
 * JSON Lines twin (same name + ".jsonl"): one object per message
 *   {"line":14,"status":"ERROR","key":"usernotfound","column":"uid","text":"..."}
 * and a final {"summary":{...}} object.  Both files are created 0600.
 * Passwords never reach here: modules must not put them in texts.
 */
#ifndef TS_REPORT_H
#define TS_REPORT_H

#include <stdio.h>
#include <time.h>
#include "toolsync/toolsync.h"

typedef struct report report;

typedef struct {
    long lines, ok, skip, warn, error, comments;
} report_counts;

/* Opens the report <root>/reports/<stamp>[-<n>]_report_<input_name> and its twin, both
 * created exclusively under the first free name.  `root` may be NULL (storereport off):
 * messages are then only counted and echoed.  `echo` (may be NULL) receives every line
 * as written, for the terminal in --verbose mode.  NULL on error (errno set). */
report *report_open(const char *root, const char *input_name, const char *handler,
                    const char *input_display, time_t started, int simulated, FILE *echo);
/* The text report's path ("" when not stored). */
const char *report_path(const report *r);
/* Flushes and fsyncs both files: -1 when anything written so far was lost (a full
 * disk), so that the caller keeps the input before it archives or deletes it. */
int report_sync(report *r);
/* A row outcome. */
void report_row(report *r, long line, ts_status st, const char *key, const char *column,
                const char *text);
/* A message about the file as a whole (filenotfound, fieldrequired, ...). */
void report_file(report *r, ts_status st, const char *key, const char *text);
void report_count_comments(report *r, long n);
const report_counts *report_get_counts(const report *r);
/* Writes the summary and "end of report", flushes, fsyncs, closes; 0 on success, -1
 * when anything written was lost. */
int report_close(report *r);

/* The tryback file: created lazily at the first failed line, exclusively (0600, under
 * the first free name <base>_tryback[_sim]_<stamp>[-<n>]<.ext> next to the input);
 * content = header line, then each failed line, joined with "\n", no trailing newline.
 * `input_path` NULL: lines are only counted. */
typedef struct tryback tryback;
tryback *tryback_new(const char *input_path, time_t started, int simulated,
                     const char *header_line /* NULL: headerless */);
/* The file's path once created ("" before the first failed line). */
const char *tryback_path(const tryback *t);
int tryback_add(tryback *t, const char *raw_line);
/* The same, for a line too long to be held in memory: copied from `f` (from its
 * current position to its end). */
int tryback_add_file(tryback *t, FILE *f);
long tryback_count(const tryback *t);
/* Flushes, fsyncs and closes; returns 1 if the file was written, 0 if no line failed,
 * -1 when a line could not be written (errno of the first failure). */
int tryback_close(tryback *t);

#endif
