/* Progress on a terminal (rows done, rows/s, ETA), silent under cron.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "progress.h"

static int enabled;
static struct timespec t0, last;

static double since(const struct timespec *a)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - a->tv_sec) + (double)(now.tv_nsec - a->tv_nsec) / 1e9;
}

void progress_start(ts_run *r, run_flags f)
{
    /* Only a person watching a terminal wants the moving line. */
    enabled = f.progress > 0 || (f.progress < 0 && !f.quiet && isatty(STDERR_FILENO));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    last = t0;
}

void progress_update(ts_run *r, long long offset, long long size, int force)
{
    if (!enabled || (!force && since(&last) < 0.5))
        return;
    clock_gettime(CLOCK_MONOTONIC, &last);
    double el = since(&t0);
    double rate = el > 0 ? (double)r->rows_done / el : 0;
    double eta = (offset > 0 && size > offset) ? el * (double)(size - offset) / (double)offset : 0;
    fprintf(stderr, "\r%s: %ld rows, %.0f rows/s, %3.0f%%, ETA %d:%02d   ", r->h->name,
            r->rows_done, rate, size > 0 ? 100.0 * (double)offset / (double)size : 100.0,
            (int)eta / 60, (int)eta % 60);
    fflush(stderr);
}

void progress_end(ts_run *r)
{
    if (enabled) {
        progress_update(r, 1, 1, 1);
        fputc('\n', stderr);
    }
}

void progress_stats(ts_run *r, run_flags f)
{
    if (!f.stats)
        return;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double el = since(&t0);
    fprintf(stderr, "stats: lines=%ld seconds=%.3f rows_per_s=%.0f peak_rss_kb=%ld\n",
            r->rows_done, el, el > 0 ? (double)r->rows_done / el : 0, ru.ru_maxrss);
}
