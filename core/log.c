/* Diagnostics for the operator, on standard error (never the report).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdarg.h>
#include <stdio.h>
#include "engine.h"
#include "log.h"

static ts_log_level max_level = TS_LOG_INFO;

void ts_log_setup(int quiet, int verbose)
{
    /* Under cron, --quiet keeps the mailbox clean: only errors are printed. */
    max_level = quiet ? TS_LOG_ERROR : verbose > 1 ? TS_LOG_DEBUG : verbose ? TS_LOG_INFO : TS_LOG_WARN;
}

void ts_vlogf(ts_log_level lvl, const char *fmt, va_list ap)
{
    static const char *names[] = { "error", "warning", "info", "debug" };
    if (lvl > max_level)
        return;
    fprintf(stderr, "toolsync: %s: ", names[lvl]);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void ts_logf(ts_log_level lvl, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ts_vlogf(lvl, fmt, ap);
    va_end(ap);
}

void ts_log_event(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "toolsync: warning: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
