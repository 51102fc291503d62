/* The zip reader's checks of entry names, and its messages.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
