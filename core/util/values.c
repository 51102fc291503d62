/* The value syntax of every input file (spec 00 §5.7-5.8): booleans, integers, dates.
 * One parser each for the core and every module (shared through util.h).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "util/util.h"

int value_bool(const char *s, int *out)
{
    static const char *const yes[] = { "1", "yes", "y", "true", "on", NULL };
    static const char *const no[] = { "0", "no", "n", "false", "off", "", NULL };
    if (!s)
        s = "";
    for (int i = 0; yes[i]; i++)
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
    for (int i = 0; no[i]; i++)
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    return -1;
}

int value_int(const char *s, int64_t *out)
{
    if (!s || !*s)
        return -1;
    const char *p = s;
    int neg = 0;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    if (!*p)
        return -1;
    int64_t v = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        if (v > (INT64_MAX - (*p - '0')) / 10)
            return -1;
        v = v * 10 + (*p - '0');
    }
    *out = neg ? -v : v;
    return 0;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* One parser for every date of the engine (spec 00 §5.7): a Unix time, YYYY-MM-DD,
 * YYYY-MM-DD hh:mm, YYYY-MM-DD hh:mm:ss (' ' or 'T'), or DD/MM/YYYY, in local time. */
int value_date(const char *s, int64_t *out)
{
    if (!s || !*s)
        return -1;
    if (strspn(s, "0123456789") == strlen(s))
        return value_int(s, out);
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int y, mo, d, h = 0, mi = 0, se = 0;
    size_t len = strlen(s);
    if (len == 10 && s[2] == '/' && s[5] == '/') {
        if (digits(s, 2, &d) || digits(s + 3, 2, &mo) || digits(s + 6, 4, &y))
            return -1;
    } else if (len >= 10 && s[4] == '-' && s[7] == '-') {
        if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d))
            return -1;
        if (len > 10) {
            if ((s[10] != ' ' && s[10] != 'T') || (len != 16 && len != 19) || s[13] != ':')
                return -1;
            if (digits(s + 11, 2, &h) || digits(s + 14, 2, &mi))
                return -1;
            if (len == 19 && (s[16] != ':' || digits(s + 17, 2, &se)))
                return -1;
        }
    } else {
        return -1;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != mo - 1)
        return -1;   /* 31/02 and the like */
    *out = (int64_t)t;
    return 0;
}

