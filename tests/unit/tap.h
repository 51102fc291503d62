/* Minimal TAP-style checks for the unit test programs.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each check prints "ok - name" or "not ok - name" (+ a "# file:line" diagnostic);
 * tests/run-tests.sh counts them.  tap_done() returns the exit status.
 */
#ifndef TS_TAP_H
#define TS_TAP_H
#include <stdio.h>
#include <string.h>

static int tap_failed_;
static int tap_count_;

#define TAP_OK(cond, ...) do {                                                   \
        tap_count_++;                                                            \
        if (cond) { printf("ok - "); printf(__VA_ARGS__); printf("\n"); }       \
        else { tap_failed_++; printf("not ok - "); printf(__VA_ARGS__);          \
               printf("\n# %s:%d: %s\n", __FILE__, __LINE__, #cond); }           \
        fflush(stdout);                                                          \
    } while (0)

#define TAP_STREQ(a, b, ...) do {                                                \
        const char *tap_a_ = (a), *tap_b_ = (b);                                 \
        int tap_eq_ = tap_a_ && tap_b_ && strcmp(tap_a_, tap_b_) == 0;           \
        TAP_OK(tap_eq_, __VA_ARGS__);                                            \
        if (!tap_eq_) printf("# got '%s', expected '%s'\n",                      \
                             tap_a_ ? tap_a_ : "(null)", tap_b_ ? tap_b_ : "(null)"); \
    } while (0)

static inline int tap_done(void) { return tap_failed_ ? 1 : 0; }
#endif
