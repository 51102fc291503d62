/* The zip reader's checks that need no libzip: entry names, the declared entry count,
 * and the messages.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zipin_private.h"

void zipin_seterr(zipin_error *err, const char *key, const char *fmt, ...)
{
    if (!err) return;
    snprintf(err->key, sizeof err->key, "%s", key);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof err->text, fmt, ap);
    va_end(ap);
}

void zipin_quote(char *out, size_t outsz, const char *name)
{
    const unsigned char *p = (const unsigned char *)name;
    size_t o = 0;
    if (outsz < 8) { if (outsz) out[0] = '\0'; return; }
    for (; *p; p++) {
        /* room for one escape or one whole UTF-8 character, then "..." and the NUL */
        if (o + 4 + 4 >= outsz) {
            memcpy(out + o, "...", 4);
            return;
        }
        if (*p < 0x20 || *p == 0x7f) {
            o += (size_t)snprintf(out + o, outsz - o, "\\x%02x", *p);
        } else if (*p >= 0xc0) {
            /* copy a whole sequence, so that a cut never leaves half a character */
            size_t n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2, k = 1;
            while (k < n && (p[k] & 0xc0) == 0x80) k++;
            memcpy(out + o, p, k);
            o += k;
            p += k - 1;
        } else {
            out[o++] = (char)*p;
        }
    }
    out[o] = '\0';
}

/* Is the path component [s, s+n) a ".." ? */
static int is_dotdot(const char *s, size_t n)
{
    return n == 2 && s[0] == '.' && s[1] == '.';
}

const char *zipin_name_refusal(const char *raw, const char **why)
{
    const unsigned char *p;
    if (!raw || !*raw) { *why = "has no name"; return "badname"; }
    for (p = (const unsigned char *)raw; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) { *why = "has a control character in its name"; return "badname"; }
    }
    if (raw[0] == '/' || raw[0] == '\\') { *why = "has an absolute path"; return "unsafepath"; }
    if (((raw[0] >= 'A' && raw[0] <= 'Z') || (raw[0] >= 'a' && raw[0] <= 'z')) && raw[1] == ':') {
        *why = "starts with a drive letter";
        return "unsafepath";
    }
    /* Both separators count: an archive made on Windows may use "\", and whoever
     * extracts the tryback there would climb out with "..\". */
    const char *s = raw;
    for (;;) {
        size_t n = strcspn(s, "/\\");
        if (is_dotdot(s, n)) { *why = "has a \"..\" path component (climbs out)"; return "unsafepath"; }
        if (!s[n]) break;
        s += n + 1;
    }
    return NULL;
}

static uint64_t le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

/* The zip64 count, from the locator that sits just before the classic record at eocd. */
static int zip64_entries(int fd, off_t eocd, uint64_t *count)
{
    unsigned char loc[20], rec[56];
    if (eocd < 20 || pread(fd, loc, sizeof loc, eocd - 20) != (ssize_t)sizeof loc) return 0;
    if (memcmp(loc, "PK\6\7", 4) != 0) return 0;
    uint64_t off = le(loc + 8, 8);
    if (off > (uint64_t)eocd || pread(fd, rec, sizeof rec, (off_t)off) != (ssize_t)sizeof rec) return 0;
    if (memcmp(rec, "PK\6\6", 4) != 0) return 0;
    *count = le(rec + 32, 8);
    return 1;
}

int zipin_declared_entries(int fd, uint64_t *count)
{
    /* the record (22 bytes) is followed by a comment of at most 65535 bytes */
    enum { TAIL = 22 + 65535 };
    off_t size = lseek(fd, 0, SEEK_END);
    if (size < 22) return 0;
    size_t n = size < TAIL ? (size_t)size : TAIL;
    off_t base = size - (off_t)n;
    unsigned char *buf = malloc(n);
    int found = 0;
    if (!buf || pread(fd, buf, n, base) != (ssize_t)n) { free(buf); return 0; }
    for (size_t i = n - 22 + 1; i-- > 0 && !found;) {
        if (memcmp(buf + i, "PK\5\6", 4) != 0) continue;
        found = 1;
        *count = le(buf + i + 10, 2);
        if (*count == 0xffff || le(buf + i + 12, 4) == 0xffffffff || le(buf + i + 16, 4) == 0xffffffff)
            zip64_entries(fd, base + (off_t)i, count);
    }
    free(buf);
    return found;
}
