/* toolsync SDK, service "files": Moodle's file storage (the {files} rows and the content
 * pool under <dataroot>/filedir), as Moodle's file_storage writes them.
 *
 * Copyright (C) 2026 the toolsync developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   const ts_files_api *F = rt->get_api(TS_FILES_API, TS_FILES_API_VERSION);
 *
 * Content lives once per SHA-1 at <dataroot>/filedir/<h0h1>/<h2h3>/<sha1> (dataroot:
 * `moodle.dataroot` in toolsync.conf).  It is written through a temporary file in the
 * same folder, then linked to its name: a reader never sees half a file, and a content
 * already there is never replaced (an existing file that does not hash to its name is
 * an error naming it).  Folders and files get Moodle's modes (`moodle.directorypermissions`,
 * default 02777, `moodle.filepermissions`, default directorypermissions & 0666, applied
 * whatever the process umask, as Moodle's own umask does) and, when toolsync runs as
 * root, the owner and group of filedir/, so that the web server reads them.
 * In a dry run nothing is written into filedir (the rows are, and rolled back).
 *
 * Rows follow ../shared/spec/moodle-writes.md §1.16: each file row comes with the `.`
 * rows of its folder and the folders above (empty content), pathnamehash =
 * sha1("/<contextid>/<component>/<filearea>/<itemid><filepath><filename>").
 * Deleting rows leaves their content in filedir: moving it to trashdir while the batch
 * can still roll back could lose the content of a row that comes back.  Likewise the
 * content of rows a failed row rolls back stays, unreferenced (harmless: the same bytes
 * are found there, not written, by the next run).
 *
 * Functions returning int answer 0 (or a count) on success and -1 on error; the reason
 * is recorded on the current row, as the other services do.
 */
#ifndef TOOLSYNC_FILES_H
#define TOOLSYNC_FILES_H

#include "module.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TS_FILES_API "files"
#define TS_FILES_API_VERSION 1

/* Length of a SHA-1 in hex, without the final NUL. */
#define TS_SHA1_HEX 40

/* Where a file lives in Moodle's tree of areas.  Versioned by `size`: declare it with
 * TS_FILE_RECORD_HEADER first.  The strings are the caller's and are read during the
 * call only. */
typedef struct ts_file_record {
    uint32_t size;
    int64_t contextid;        /* the owning context ({context}.id), > 0              */
    const char *component;    /* "user", "course", "mod_forum" ...                   */
    const char *filearea;     /* "icon", "overviewfiles" ...                         */
    int64_t itemid;           /* >= 0                                                */
    const char *filepath;     /* starts and ends with '/': "/" or "/a/b/"            */
    const char *filename;     /* "f1.png"                                            */
    const char *mimetype;     /* NULL: from the name's extension, as Moodle does     */
    int64_t userid;           /* <= 0: NULL                                          */
    const char *source;       /* NULL or "": NULL (as author, license)               */
    const char *author;
    const char *license;
    int64_t sortorder;        /* 0 unless the area orders its files                  */
} ts_file_record;

#define TS_FILE_RECORD_HEADER .size = sizeof(ts_file_record)

typedef struct ts_files_api {
    ts_api api;
    /* SHA-1 of len bytes as 40 lower-case hex digits and a NUL into out. */
    void (*sha1_hex)(const void *data, size_t len, char out[TS_SHA1_HEX + 1]);
    /* The row's pathnamehash into out: 0, or -1 when the record is not valid (no
     * context, no component or area, a filepath not framed by '/'). */
    int (*pathnamehash)(const ts_file_record *rec, char out[TS_SHA1_HEX + 1]);
    /* The filedir folder (<dataroot>/filedir), valid for the run; NULL when
     * moodle.dataroot is unset or holds no filedir/ (reason recorded). */
    const char *(*filedir)(ts_run *run);
    /* Puts len bytes into the content pool (nothing written in a dry run, or when the
     * content is there already); contenthash receives their SHA-1.  0 or -1. */
    int (*store_content)(ts_run *run, const void *data, size_t len,
                         char contenthash[TS_SHA1_HEX + 1]);
    /* create_file_from_string(): stores the content, inserts the row and the `.` rows of
     * its folders that are missing.  The new row's id, or -1 (a row of that path exists
     * already: delete it first). */
    int64_t (*create_file)(ts_run *run, const ts_file_record *rec, const void *data,
                           size_t len);
    /* The row of that path: 1 found (*id and contenthash set, either may be NULL),
     * 0 none, -1 error. */
    int (*find_file)(ts_run *run, const ts_file_record *rec, int64_t *id,
                     char contenthash[TS_SHA1_HEX + 1]);
    /* delete_area_files(): removes every row (files and folders) of the area
     * (contextid, component, filearea, itemid).  The number removed, or -1. */
    int64_t (*delete_area)(ts_run *run, int64_t contextid, const char *component,
                           const char *filearea, int64_t itemid);
} ts_files_api;

#ifdef __cplusplus
}
#endif
#endif
