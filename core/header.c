/* Binds a file's header line to the columns its handler declares, before any write.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Table-driven (spec 00 §5.4-5.5): separator sanity check, empty and duplicate names,
 * required / optional / indexed (name + digits) / prefixed columns, and the
 * invalidnamesnocheck bypass.  Every refusal names the file, the line and the column.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "run.h"

static int matches(const ts_column *c, const char *name)
{
    size_t n = strlen(c->name);
    switch (c->kind) {
    case TS_COL_REQUIRED:
    case TS_COL_OPTIONAL:
        return strcmp(c->name, name) == 0;
    case TS_COL_INDEXED:
        if (strncmp(c->name, name, n) != 0 || !name[n])
            return 0;
        for (const char *p = name + n; *p; p++)
            if (!isdigit((unsigned char)*p))
                return 0;
        return 1;
    case TS_COL_PREFIX:
        return strncmp(c->name, name, n) == 0 && name[n];
    }
    return 0;
}

long header_index(const ts_run *r, const char *name)
{
    for (size_t i = 0; i < r->ncols; i++)
        if (strcmp(r->cols[i], name) == 0)
            return (long)i;
    return -1;
}

static void refuse(ts_run *r, long line, const char *key, const char *fmt, const char *a,
                   const char *b)
{
    char msg[1024], full[5200];
    snprintf(msg, sizeof msg, fmt, a, b);
    snprintf(full, sizeof full, "%s:%ld: %s", r->display, line, msg);
    if (r->rep)
        report_file(r->rep, TS_ERROR, key, full);
    ts_logf(TS_LOG_ERROR, "%s (%s)", full, key);
}

static const char *sepname(char c)
{
    switch (c) {
    case '\t': return "tab";
    case ',': return "','";
    case ';': return "';'";
    case ':': return "':'";
    }
    return "?";
}

int header_bind(ts_run *r, const csv_record *hdr)
{
    const ts_handler *h = r->h;
    int nocheck = strcmp(config_global_str(r->e->cfg, "invalidnamesnocheck"), "true") == 0;
    char col[32];

    r->ncols = hdr->nfields;
    r->cols = calloc(hdr->nfields + 1, sizeof *r->cols);
    for (size_t i = 0; i < hdr->nfields; i++)
        r->cols[i] = strdup(hdr->fields[i] ? hdr->fields[i] : "");

    if (h->flags & TS_H_ARCHIVE) {
        r->header_line = strdup("");
        return 0;
    }

    /* A header holding another separator means the file was written with another one:
     * refuse rather than read each line as one garbage column. */
    static const char others[] = "\t,;:";
    for (size_t i = 0; i < r->ncols; i++)
        for (const char *o = others; *o; o++)
            if (*o != r->sep && strchr(r->cols[i], *o)) {
                refuse(r, hdr->line, "invalidseparatordetected",
                       "the header contains %s but the configured separator is %s: "
                       "the file format may not match the settings (csvseparator)",
                       sepname(*o), sepname(r->sep));
                return -1;
            }

    for (size_t i = 0; i < r->ncols; i++) {
        snprintf(col, sizeof col, "%zu", i + 1);
        if (!*r->cols[i]) {
            refuse(r, hdr->line, "errornullcsvheader",
                   "column %s of the header is empty%s", col,
                   " (a trailing separator?)");
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(r->cols[i], r->cols[j]) == 0) {
                refuse(r, hdr->line, "duplicatecolumn",
                       "column '%s' appears twice in the header (column %s)", r->cols[i], col);
                return -1;
            }
        int known = 0;
        for (const ts_column *c = h->columns; c->name && !known; c++)
            known = matches(c, r->cols[i]);
        if (!known && !nocheck) {
            refuse(r, hdr->line, "invalidfieldname",
                   "unknown column '%s' (column %s); set invalidnamesnocheck = true to "
                   "ignore unknown columns", r->cols[i], col);
            return -1;
        }
        if (!known)
            ts_logf(TS_LOG_WARN, "%s: column '%s' is not used by handler %s: ignored",
                    r->display, r->cols[i], h->name);
    }
    for (const ts_column *c = h->columns; c->name; c++)
        if (c->kind == TS_COL_REQUIRED && header_index(r, c->name) < 0) {
            refuse(r, hdr->line, "fieldrequired", "required column '%s' is missing%s",
                   c->name, "");
            return -1;
        }

    /* The tryback's header: the names joined with the separator, as the plugin does. */
    size_t len = 1;
    for (size_t i = 0; i < r->ncols; i++)
        len += strlen(r->cols[i]) + 1;
    r->header_line = calloc(len, 1);
    for (size_t i = 0; i < r->ncols; i++) {
        size_t at = strlen(r->header_line);
        if (i)
            r->header_line[at++] = r->sep;
        strcpy(r->header_line + at, r->cols[i]);
    }
    return 0;
}
