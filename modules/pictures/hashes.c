/* `toolsync userpictures hashes` (spec 30 §4): the userpicturehash profile field of every
 * user with a picture, (re)computed as the MD5 of the stored f1 icon's content.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "pictures.h"

/* An f1 icon is 100x100: anything past this is not one, and is not read whole. */
#define MAX_ICON_BYTES (64L * 1024 * 1024)

/* One user with a picture, and the content of its f1 icon ("" when it has none). */
typedef struct {
    int64_t id;
    char *username;
    char hash[TS_SHA1_HEX + 1];
} icon_owner;

typedef struct {
    icon_owner *v;
    size_t n, cap;
} owners;

typedef struct { long added, updated, unchanged, failed; } tally;

static void owners_free(owners *o)
{
    for (size_t i = 0; i < o->n; i++)
        free(o->v[i].username);
    free(o->v);
}

/* Every user with a picture, with the contenthash of the f1 file of their icon area,
 * read whole before any write (a statement is not read while another one runs). */
static int read_owners(ts_run *run, owners *o)
{
    ts_stmt *st = SQL->prepare(run,
        "SELECT u.id, u.username, f.contenthash FROM {user} u "
        "LEFT JOIN {context} c ON c.contextlevel = ? AND c.instanceid = u.id "
        "LEFT JOIN {files} f ON f.contextid = c.id AND f.component = ? AND f.filearea = ? "
        "AND f.itemid = 0 AND f.filepath = ? AND f.filename LIKE ? "
        "WHERE u.picture <> 0 AND u.deleted = 0 ORDER BY u.id, f.id");
    if (!st || SQL->exec(st, "issss", (int64_t)TS_CTX_USER, "user", "icon", "/", "f1.%") != 0)
        return -1;
    int rc;
    while ((rc = SQL->next(st)) == 1) {
        int64_t id = SQL->col_int(st, 0);
        if (o->n && o->v[o->n - 1].id == id)
            continue;                     /* two f1 names (f1.png, f1.jpg): the first */
        if (o->n == o->cap) {
            size_t cap = o->cap ? 2 * o->cap : 256;
            icon_owner *v = realloc(o->v, cap * sizeof *v);
            if (!v)
                return -1;
            o->v = v;
            o->cap = cap;
        }
        icon_owner *w = &o->v[o->n];
        const char *name = SQL->col_text(st, 1), *hash = SQL->col_text(st, 2);
        w->id = id;
        w->username = strdup(name ? name : "");
        snprintf(w->hash, sizeof w->hash, "%s", hash ? hash : "");
        if (!w->username)
            return -1;
        o->n++;
    }
    return rc;
}

/* A contenthash is 40 lower-case hex digits: never a path of its own. */
static int valid_hash(const char *h)
{
    size_t n = strspn(h, "0123456789abcdef");
    return n == TS_SHA1_HEX && !h[n];
}

/* The MD5 of the f1 content in filedir: 0, or -1 with the ERROR recorded. */
static int icon_md5(ts_run *run, const char *filedir, const icon_owner *w, char md5[33])
{
    if (!*w->hash || !valid_hash(w->hash)) {
        RT->file_outcome(run, TS_ERROR, "userpicturehash_noicon", NULL,
                         "%s: user.picture is set but the icon area holds no f1 file",
                         w->username);
        return -1;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/%.2s/%.2s/%s", filedir, w->hash, w->hash + 2, w->hash);
    FILE *f = fopen(path, "rb");
    const char *why = f ? "not a readable icon file" : strerror(errno);
    struct stat sb;
    unsigned char *d = NULL;
    int ok = f && fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) &&
             sb.st_size <= MAX_ICON_BYTES && (d = malloc((size_t)sb.st_size + 1)) &&
             fread(d, 1, (size_t)sb.st_size, f) == (size_t)sb.st_size;
    if (ok)
        pic_md5(d, (size_t)sb.st_size, md5);
    else
        RT->file_outcome(run, TS_ERROR, "userpicturehash_nocontent", NULL,
                         "%s: the content of f1 (%s) cannot be read from filedir: %s",
                         w->username, w->hash, why);
    free(d);
    if (f)
        fclose(f);
    return ok ? 0 : -1;
}

/* One user: 0 done (counted), -1 database error. */
static int one(ts_run *run, const char *filedir, int64_t field, const icon_owner *w,
               tally *t)
{
    char md5[33];
    if (icon_md5(run, filedir, w, md5) != 0) {
        t->failed++;
        return 0;
    }
    int rc = pic_store_hash(run, field, w->id, md5);
    if (rc < 0) {
        RT->file_outcome(run, TS_ERROR, "dberror", NULL,
                         "%s: cannot write userpicturehash (see the log)", w->username);
        return -1;
    }
    if (rc == 0) {
        t->unchanged++;
        return 0;
    }
    if (rc == 1)
        t->added++;
    else
        t->updated++;
    RT->file_outcome(run, TS_OK, rc == 1 ? "userpicturehash_added" : "userpicturehash_updated",
                     NULL, "%s: userpicturehash %s %s", w->username,
                     RT->dry_run(run) ? "would be" : "set to", md5);
    return 0;
}

static int hashes(ts_run *run, int argc, char *const *argv)
{
    if (argc != 1 || strcmp(argv[0], "hashes") != 0) {
        RT->file_outcome(run, TS_ERROR, "usage", NULL, "usage: toolsync userpictures hashes");
        return TS_ERR;
    }
    int64_t field = pic_hash_field(run);
    if (field <= 0) {
        RT->file_outcome(run, TS_ERROR, field < 0 ? "dberror" : "nohashfield", NULL, "%s",
                         field < 0 ? "cannot read {user_info_field}"
                                   : "the site has no custom profile field of shortname "
                                     "userpicturehash (spec 30 §4): nothing to compute");
        return TS_ERR;
    }
    const char *filedir = pic_filedir(run);
    if (!filedir)
        return TS_ERR;
    owners o = { 0 };
    tally t = { 0 };
    int rc = read_owners(run, &o);
    if (rc != 0)
        RT->file_outcome(run, TS_ERROR, "dberror", NULL, "cannot read the users' icons");
    for (size_t i = 0; rc == 0 && i < o.n; i++)
        rc = one(run, filedir, field, &o.v[i], &t);
    if (rc == 0)
        RT->file_outcome(run, t.failed ? TS_WARN : TS_OK, "userpicturehashes", NULL,
                         "%zu users with a picture: %ld added, %ld updated, %ld unchanged, "
                         "%ld failed%s", o.n, t.added, t.updated, t.unchanged, t.failed,
                         RT->dry_run(run) ? " (dry run: nothing written)" : "");
    owners_free(&o);
    return rc == 0 ? TS_DONE : TS_ERR;
}

const ts_command PIC_HASHES = {
    TS_COMMAND_HEADER, .name = "userpictures", .usage = "hashes", .run = hashes,
    .summary = "(re)compute every user's userpicturehash from the stored f1 icon",
    .description =
        "hashes: for every user with a picture, the MD5 of the content of the f1 icon\n"
        "(read from moodle.dataroot's filedir/) into the custom profile field\n"
        "userpicturehash; a value already right is not rewritten.  Exit 3 when the\n"
        "site has no such field, 1 when some icon content is missing.",
};
