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

/* Opens the report.  `text_path` may be NULL (storereport off): messages are then only
 * counted and echoed.  `echo` (may be NULL) receives every line as written, for the
 * terminal in --verbose mode. */
report *report_open(const char *text_path, const char *handler, const char *input_display,
                    time_t started, int simulated, FILE *echo);
/* A row outcome. */
void report_row(report *r, long line, ts_status st, const char *key, const char *column,
                const char *text);
/* A message about the file as a whole (filenotfound, fieldrequired, ...). */
void report_file(report *r, ts_status st, const char *key, const char *text);
void report_count_comments(report *r, long n);
const report_counts *report_get_counts(const report *r);
/* Writes the summary and "end of report", closes; 0 on success. */
int report_close(report *r);

/* The tryback file: created lazily at the first failed line, 0600; content = header
 * line, then each failed line, joined with "\n", no trailing newline. */
typedef struct tryback tryback;
tryback *tryback_new(const char *path, const char *header_line /* NULL: headerless */);
int tryback_add(tryback *t, const char *raw_line);
/* The same, for a line too long to be held in memory: copied from `f` (from its
 * current position to its end). */
int tryback_add_file(tryback *t, FILE *f);
long tryback_count(const tryback *t);
/* Closes; returns 1 if the file was written, 0 if no line failed, -1 on error. */
int tryback_close(tryback *t);

#endif
