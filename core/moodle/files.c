/* The {files} rows as Moodle's file_storage writes them: pathnamehash, the `.` rows of
 * each folder, mimetypes from the file name, area deletion (moodle-writes §1.16).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "moodle/moodle_internal.h"

/* sha1("") : the content of every folder row. */
#define EMPTY_SHA1 "da39a3ee5e6b4b0d3255bfef95601890afd80709"

static int valid(const ts_file_record *rec)
{
    size_t pl = rec->filepath ? strlen(rec->filepath) : 0;
    return rec->contextid > 0 && rec->component && *rec->component && rec->filearea &&
           *rec->filearea && rec->itemid >= 0 && pl && rec->filepath[0] == '/' &&
           rec->filepath[pl - 1] == '/' && rec->filename && *rec->filename;
}

/* file_storage::get_pathname_hash() of a path and name. */
static int pathhash(const ts_file_record *rec, const char *filepath, const char *filename,
                    char out[41])
{
    size_t n = strlen(rec->component) + strlen(rec->filearea) + strlen(filepath) +
               strlen(filename) + 64;
    char *s = malloc(n);
    if (!s)
        return -1;
    snprintf(s, n, "/%lld/%s/%s/%lld%s%s", (long long)rec->contextid, rec->component,
             rec->filearea, (long long)rec->itemid, filepath, filename);
    moodle_sha1_hex(s, strlen(s), out);
    free(s);
    return 0;
}

int moodle_file_pathnamehash(const ts_file_record *rec, char out[41])
{
    out[0] = '\0';
    return valid(rec) ? pathhash(rec, rec->filepath, rec->filename, out) : -1;
}

const char *moodle_mimetype(const char *filename)
{
    static const char *const map[][2] = {
        { "png", "image/png" }, { "jpg", "image/jpeg" }, { "jpeg", "image/jpeg" },
        { "jpe", "image/jpeg" }, { "gif", "image/gif" }, { "webp", "image/webp" },
        { "svg", "image/svg+xml" }, { "bmp", "image/bmp" }, { "ico", "image/vnd.microsoft.icon" },
        { "txt", "text/plain" }, { "csv", "text/csv" }, { "html", "text/html" },
        { "pdf", "application/pdf" }, { "zip", "application/zip" },
        { "mbz", "application/vnd.moodle.backup" }, { "xml", "application/xml" },
    };
    const char *dot = filename ? strrchr(filename, '.') : NULL;
    if (dot)
        for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
            if (strcasecmp(dot + 1, map[i][0]) == 0)
                return map[i][1];
    return "document/unknown";
}

static const char *null_if_empty(const char *s) { return s && *s ? s : NULL; }

static int64_t insert_row(moodle_site *s, int64_t now, const ts_file_record *rec,
                          const char *filepath, const char *filename, const char *phash,
                          const char *chash, int64_t size, const char *mimetype)
{
    db_stmt *st = moodle_prepared(s,
        "INSERT INTO {files} (contenthash, pathnamehash, contextid, component, filearea, "
        "itemid, filepath, filename, userid, filesize, mimetype, status, source, author, "
        "license, timecreated, timemodified, sortorder, referencefileid) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, NULL)");
    if (!st)
        return -1;
    int dir = strcmp(filename, ".") == 0;
    char types[] = "ssississiissssiii";
    if (rec->userid <= 0)
        types[8] = 'n';
    db_arg a[17] = {
        { .s = chash }, { .s = phash }, { .i = rec->contextid }, { .s = rec->component },
        { .s = rec->filearea }, { .i = rec->itemid }, { .s = filepath }, { .s = filename },
        { .i = rec->userid }, { .i = size }, { .s = mimetype },
        { .s = dir ? NULL : null_if_empty(rec->source) },
        { .s = dir ? NULL : null_if_empty(rec->author) },
        { .s = dir ? NULL : null_if_empty(rec->license) },
        { .i = now }, { .i = now },
        { .i = dir || rec->sortorder < 0 ? 0 : rec->sortorder },
    };
    if (db_execa(st, types, a) != 0)
        return moodle_fail_db(s, "cannot insert a files row");
    int64_t id = db_last_id(st);
    if (id <= 0)
        return moodle_fail_db(s, "cannot insert a files row");
    return id;
}

/* The row of a pathnamehash: 1 (id, contenthash set when not NULL), 0 none, -1 error. */
static int find_by_hash(moodle_site *s, const char *phash, int64_t *id, char hash[41])
{
    db_stmt *f = moodle_prepared(s, "SELECT id, contenthash FROM {files} WHERE pathnamehash = ?");
    if (!f)
        return -1;
    if (db_exec(f, "s", phash) != 0)
        return moodle_fail_db(s, "cannot read the files table");
    int r = db_next(f);
    if (r < 0)
        return moodle_fail_db(s, "cannot read the files table");
    if (r > 0) {
        if (id)
            *id = db_col_int(f, 0);
        if (hash) {
            const char *c = db_col_text(f, 1);
            snprintf(hash, 41, "%s", c ? c : "");
        }
    }
    moodle_drain(f);
    return r;
}

/* file_storage::create_directory(): the `.` row of filepath and of each folder above,
 * where missing. */
static int ensure_dirs(moodle_site *s, int64_t now, const ts_file_record *rec)
{
    char path[1024];
    snprintf(path, sizeof path, "%s", rec->filepath);
    for (;;) {
        char h[41];
        if (pathhash(rec, path, ".", h) != 0)
            return moodle_fail(s, "out of memory");
        int r = find_by_hash(s, h, NULL, NULL);
        if (r < 0)
            return -1;
        if (r == 0 && insert_row(s, now, rec, path, ".", h, EMPTY_SHA1, 0, NULL) < 0)
            return -1;
        if (strcmp(path, "/") == 0)
            return 0;
        /* "/a/b/" -> "/a/" */
        size_t n = strlen(path);
        path[n - 1] = '\0';
        char *slash = strrchr(path, '/');
        slash[1] = '\0';
    }
}

int64_t moodle_file_insert(moodle_site *s, int64_t now, const ts_file_record *rec,
                           const char *contenthash, int64_t filesize)
{
    s->err[0] = '\0';
    char h[41];
    if (moodle_file_pathnamehash(rec, h) != 0)
        return moodle_fail(s, "invalid file record (context, component, area, path or name)");
    const char *mime = rec->mimetype && *rec->mimetype ? rec->mimetype
                                                       : moodle_mimetype(rec->filename);
    int64_t id = insert_row(s, now, rec, rec->filepath, rec->filename, h, contenthash,
                            filesize, mime);
    if (id < 0)
        return -1;
    return ensure_dirs(s, now, rec) == 0 ? id : -1;
}

int moodle_file_find(moodle_site *s, const ts_file_record *rec, int64_t *id, char hash[41])
{
    char h[41];
    if (moodle_file_pathnamehash(rec, h) != 0)
        return moodle_fail(s, "invalid file record (context, component, area, path or name)");
    return find_by_hash(s, h, id, hash);
}

int64_t moodle_file_delete_area(moodle_site *s, int64_t contextid, const char *component,
                                const char *filearea, int64_t itemid)
{
    db_stmt *d = moodle_prepared(s, "DELETE FROM {files} WHERE contextid = ? AND component = ? "
                                    "AND filearea = ? AND itemid = ?");
    if (!d)
        return -1;
    if (db_exec(d, "issi", contextid, component, filearea, itemid) != 0)
        return moodle_fail_db(s, "cannot delete files rows");
    int64_t n = db_changes(d);
    return n < 0 ? moodle_fail_db(s, "cannot delete files rows") : n;
}
