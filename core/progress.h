/* Progress on a terminal for long files, and the --stats line for benchmarks.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef TS_PROGRESS_H
#define TS_PROGRESS_H
#include "run.h"

void progress_start(ts_run *r, run_flags f);
/* Redraws at most twice a second (force: now). */
void progress_update(ts_run *r, long long offset, long long size, int force);
void progress_end(ts_run *r);
/* "stats: lines=… seconds=… rows_per_s=… peak_rss_kb=…" on stderr with --stats. */
void progress_stats(ts_run *r, run_flags f);
#endif
