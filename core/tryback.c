/* The tryback file: the failed data lines of a run, re-playable as a command file of
 * the same type (spec 00 §7).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Created only at the first failed line (no line failed → no file), mode 0600.  Content:
 * the header line (none for headerless files), then the failed lines as read, joined
 * with "\n", without a trailing newline.  A NULL path counts the lines without writing
 * (tryback generation off).
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filestore.h"
#include "report.h"

struct tryback {
    char *path;             /* NULL: count only */
    char *header;           /* NULL: headerless file */
    FILE *fp;
    long count;
    int written;            /* something is already in the file: next piece needs "\n" */
    int failed;
};

tryback *tryback_new(const char *path, const char *header_line)
{
    tryback *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    /* An empty header is treated as none: the plugin's empty first line was a bug. */
    if ((path && !(t->path = strdup(path))) ||
        (header_line && *header_line && !(t->header = strdup(header_line)))) {
        free(t->path);
        free(t);
        errno = ENOMEM;
        return NULL;
    }
    return t;
}

static void piece(tryback *t, const char *s)
{
    if (t->written && putc('\n', t->fp) == EOF)
        t->failed = 1;
    if (fputs(s, t->fp) == EOF)
        t->failed = 1;
    t->written = 1;
}

int tryback_add(tryback *t, const char *raw_line)
{
    if (!t)
        return -1;
    t->count++;
    if (!t->path)
        return 0;
    if (t->failed)
        return -1;
    if (!t->fp) {
        if (!(t->fp = fs_create_private(t->path))) {
            t->failed = 1;
            return -1;
        }
        if (t->header)
            piece(t, t->header);
    }
    piece(t, raw_line ? raw_line : "");
    return t->failed ? -1 : 0;
}

int tryback_add_file(tryback *t, FILE *f)
{
    if (!t || !f)
        return -1;
    if (tryback_add(t, "") != 0 || !t->fp)
        return t->path ? -1 : 0;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        if (fwrite(buf, 1, n, t->fp) != n) {
            t->failed = 1;
            return -1;
        }
    return ferror(f) ? -1 : 0;
}

long tryback_count(const tryback *t)
{
    return t ? t->count : 0;
}

int tryback_close(tryback *t)
{
    int rc;

    if (!t)
        return -1;
    if (t->fp) {
        if (fflush(t->fp) != 0 || ferror(t->fp))
            t->failed = 1;
        if (fclose(t->fp) != 0)
            t->failed = 1;
        rc = t->failed ? -1 : 1;
    } else {
        rc = t->failed ? -1 : 0;
    }
    free(t->path);
    free(t->header);
    free(t);
    return rc;
}
