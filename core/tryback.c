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
#include <unistd.h>

#include "filestore.h"
#include "report.h"

struct tryback {
    char *input;            /* NULL: count only */
    time_t started;
    int simulated;
    char path[4096];        /* "" until created */
    char *header;           /* NULL: headerless file */
    FILE *fp;
    long count;
    int written;            /* something is already in the file: next piece needs "\n" */
    int failed;
    int err;                /* errno of the first failure */
};

tryback *tryback_new(const char *input_path, time_t started, int simulated,
                     const char *header_line)
{
    tryback *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->started = started;
    t->simulated = simulated;
    /* An empty header is treated as none: the plugin's empty first line was a bug. */
    if ((input_path && !(t->input = strdup(input_path))) ||
        (header_line && *header_line && !(t->header = strdup(header_line)))) {
        free(t->input);
        free(t);
        errno = ENOMEM;
        return NULL;
    }
    return t;
}

const char *tryback_path(const tryback *t)
{
    return t ? t->path : "";
}

static void fail(tryback *t)
{
    if (!t->failed)
        t->err = errno ? errno : EIO;
    t->failed = 1;
}

static void piece(tryback *t, const char *s)
{
    if (t->written && putc('\n', t->fp) == EOF)
        fail(t);
    if (fputs(s, t->fp) == EOF)
        fail(t);
    t->written = 1;
}

static void namer(const void *c, int seq, char *out, size_t len)
{
    const tryback *t = c;
    fs_tryback_name(t->input, t->started, t->simulated, seq, out, len);
}

static int maker(void *c, const char *path)
{
    tryback *t = c;
    return (t->fp = fs_create_private(path)) ? 0 : -1;
}

/* The first free name of this second, created exclusively: never another run's file. */
static int create(tryback *t)
{
    if (fs_first_free(namer, t, maker, t, t->path, sizeof t->path) == 0)
        return 0;
    fail(t);
    return -1;
}

int tryback_add(tryback *t, const char *raw_line)
{
    if (!t)
        return -1;
    t->count++;
    if (!t->input)
        return 0;
    if (t->failed)
        return -1;
    if (!t->fp) {
        if (create(t) != 0)
            return -1;
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
        return t->input ? -1 : 0;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        if (fwrite(buf, 1, n, t->fp) != n) {
            fail(t);
            return -1;
        }
    if (ferror(f)) {
        fail(t);
        return -1;
    }
    return 0;
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
        /* A full disk may only show at the flush, the fsync or the close. */
        if (fflush(t->fp) != 0 || ferror(t->fp) || fsync(fileno(t->fp)) != 0)
            fail(t);
        if (fclose(t->fp) != 0)
            fail(t);
    }
    rc = t->failed ? -1 : t->fp ? 1 : 0;
    int e = t->err;
    free(t->input);
    free(t->header);
    free(t);
    if (rc < 0)
        errno = e;
    return rc;
}
