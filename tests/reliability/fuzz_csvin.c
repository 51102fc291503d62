/* libFuzzer target of the CSV reader (core/csvin.c): any bytes, under any separator,
 * encoding and record limit, must read without a memory error, an undefined behaviour or
 * an endless loop, and every record's raw text must come back (make fuzz).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "csvin.h"

/* The first byte chooses the options, so that the fuzzer explores them all. */
static void options(uint8_t b, csvin_options *o)
{
    static const char seps[] = { ';', ',', '\t', ':' };
    static const char *const encs[] = { "UTF-8", "ISO-8859-1", "CP1252", "UTF-16LE" };
    o->separator = seps[b & 3];
    o->encoding = encs[(b >> 2) & 3];
    o->max_record = (b & 0x10) ? 16 + (b >> 5) * 7 : 0;   /* tiny limits: toolong paths */
}

/* Reads a raw_file to its end, checking it is at least as long as the prefix. */
static void drain(FILE *f, size_t prefix)
{
    char buf[4096];
    size_t n, total = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        total += n;
    if (total < prefix)
        abort();        /* the whole text is shorter than the part kept in memory */
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    csvin_options o;
    options(data[0], &o);
    /* csvin reads a file: an anonymous memory file, reached through /proc. */
    int fd = memfd_create("fuzz", 0);
    if (fd < 0 || write(fd, data + 1, size - 1) != (ssize_t)(size - 1)) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    csvin_error err;
    csvin *in = csvin_open(path, &o, &err);
    if (in) {
        csv_record rec;
        long records = 0;
        int rc;
        while ((rc = csvin_next(in, &rec, &err)) != 0) {
            if (++records > (long)size + 2)
                abort();    /* more records than bytes: the reader is looping */
            if (rc > 0 && rec.nfields == 0)
                abort();    /* a record always has at least one value */
            for (size_t i = 0; i < rec.nfields; i++)
                if (!rec.fields[i])
                    abort();
            /* converted text (UTF-16, invalid bytes → U+FFFD) may be up to 3 times as long */
            if (rec.line < 1 || rec.last_line < rec.line || strlen(rec.raw) > 3 * size + 8)
                abort();
            if (rec.raw_file)
                drain(csvin_take_raw_file(in), strlen(rec.raw));
        }
        csvin_close(in);
    }
    close(fd);
    return 0;
}
