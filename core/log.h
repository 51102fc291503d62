/* Messages that must reach the operator whatever the verbosity.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef TS_LOG_H
#define TS_LOG_H

/* A warning printed even under --quiet: an event the administrator must see in the cron
 * mail (a crashed previous run), which is not an error of this run. */
void ts_log_event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
