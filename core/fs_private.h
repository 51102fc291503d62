/* Helpers shared by the filestore files (fs_*.c); not part of the filestore interface.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef TS_FS_PRIVATE_H
#define TS_FS_PRIVATE_H

#include <stddef.h>
#include "filestore.h"

#define FS_ARCHIVES_DIR "archives"
#define FS_REPORTS_DIR  "reports"
#define FS_LOCKS_DIR    ".locks"
#define FS_AREA_LOCK    "area.lock"   /* in .locks: capture vs. reservation states */
#define FS_MAX_SEQ      FS_MAX_TRIES

/* out = a + "/" + b; -1 (out = "") when it does not fit. */
int fs_join(char *out, size_t len, const char *a, const char *b);

/* The file-name part of a path (after the last '/'). */
const char *fs_basename(const char *path);

/* Index of the extension's dot in a file name, or strlen(name) when it has none.  A
 * leading dot (".profile") is not an extension. */
size_t fs_ext_pos(const char *name);

/* Creates a directory 0700 when missing; 0 when it exists (as a directory) afterwards. */
int fs_mkdir_private(const char *dir);

/* Copies the file `src` into a new private (0600) file `dst`; on failure `dst` is removed
 * and -1 returned with errno set. */
int fs_copy_private(const char *src, const char *dst);

/* The area root made absolute (relative to the working directory when needed), without
 * trailing slashes ("/" stays "/").  -1 when it does not fit. */
int fs_root_abs(const char *root, char *out, size_t len);

/* rename() that never replaces an existing target (EEXIST then). */
int fs_rename_noreplace(const char *src, const char *dst);

/* Takes (and returns the fd of) the short exclusive area lock that orders capture and
 * the reservation states; -1 on error.  Released by close(). */
int fs_area_lock(const char *root);

/* 1 when a reservation state (live or left by a dead run) names `path`. */
int fs_path_reserved(const char *root, const char *path);

#endif
