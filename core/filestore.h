/* The sync area on disk: choosing, reserving, archiving and cleaning command files, and
 * writing the files that hold personal data (tryback, reports) with mode 0600.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Layout under the area root (setting `syncdir`):
 *   <root>/                command files, tryback files
 *   <root>/archives/       <YYYYMMDD-HHMMSS>[-<n>]_<name>
 *   <root>/reports/        <YYYYMMDD-HHMMSS>[-<n>]_report_<name> and .jsonl twin
 *   <root>/.locks/         <lockname>.lock (flock + state: path, pid, start time),
 *                          area.lock (orders capture and reservation states)
 *
 * Every output is created exclusively (O_EXCL | O_NOFOLLOW): never truncated, never
 * through a link planted at its path.  A name already taken (another run in the same
 * second) moves on to "-2", "-3"... after the stamp.
 */
#ifndef TS_FILESTORE_H
#define TS_FILESTORE_H

#include <stddef.h>
#include <time.h>

typedef struct {
    char status[16];        /* "found", "filenotfound", "nomatch"                      */
    char path[4096];        /* absolute path of the chosen file                         */
    char display[4096];     /* path relative to the area, as "/in/enrols.csv"          */
    char others[8][256];    /* other wildcard matches (for the report), empty-terminated */
} fs_choice;

/* Resolves the file to process (spec 00 §3): `location` empty → default name in the
 * root; "a,b,c" → first existing; "dir/name" → folder in the area; '*' and '?' in the
 * file-name part → first match in byte order, excluding tryback / -tryback-failed names.
 * An absolute `location` (starting with '/') outside the area is accepted as is.
 * Returns 0 when a file was found, 1 when not (choice->status says why), -1 on error. */
int fs_choose(const char *root, const char *location, const char *default_name,
              fs_choice *choice);
/* The same; a wildcard only matches names that sort after `after` (NULL or "": all),
 * so that a run working through every match never takes one twice, moved or not. */
int fs_choose_after(const char *root, const char *location, const char *default_name,
                    const char *after, fs_choice *choice);

/* Captures the drop directory into the area root (spec 00 §2.2).  Returns the number of
 * files moved, 0 when alock.txt holds the capture back, -1 on error.  Warnings (old
 * locks, files held back) are written through the `warn` callback.  A dropped file is
 * held back (left in the drop directory, said through `warn`) while the area's file of
 * that name is reserved by a run or was left unfinished by a crashed one, and while it
 * is not stable: modified less than `settle` seconds ago, or its last line incomplete. */
int fs_capture(const char *dropdir, const char *root, int settle,
               void (*warn)(void *ctx, const char *msg), void *ctx);

/* Reservation of a lock name (spec 00 §4): an flock on <root>/.locks/<name>.lock plus a
 * state record (file path, pid, start time).  A NULL file_path keeps naming the file a
 * dead holder left unfinished (so that capture still protects it).  Returns:
 *   0  reserved (*stale_path set to "" or, when the previous holder died, to the file it
 *      was processing),
 *   1  busy: another live run holds it,
 *  -1  error. */
typedef struct fs_lock fs_lock;
int fs_reserve(const char *root, const char *name, const char *file_path,
               fs_lock **lock, char *stale_path, size_t stale_len);
void fs_release(fs_lock *lock);   /* clears the state and unlocks */
/* Added: records another file in the state of a held reservation (when the file is
 * chosen after reserving).  0 on success. */
int fs_lock_set_file(fs_lock *lock, const char *file_path);
/* Added: 1 when the previous holder died without releasing, even if it had recorded no
 * file (stale_path then ""). */
int fs_lock_stale(const fs_lock *lock);

/* Renames a poisonous file to <name>-tryback-failed[-<n>]<.ext> in its folder (spec 00
 * §4), never over an older discarded file. */
int fs_discard_failed(const char *path, char *newpath, size_t len);

/* Names derived from an input file name and a time (server local time). */
/* `seq` >= 2 adds "-<seq>" after the stamp (the seq-th try for a free name). */
void fs_stamp(time_t t, char out[16]);                             /* YYYYMMDD-HHMMSS */
void fs_tryback_name(const char *input_path, time_t t, int simulated, int seq,
                     char *out, size_t len);  /* same folder, <base>_tryback[_sim]_<stamp><.ext> */
void fs_report_name(const char *root, const char *input_name, time_t t, int seq,
                    char *out, size_t len);   /* <root>/reports/<stamp>_report_<name>  */
void fs_archive_name(const char *root, const char *input_name, time_t t, int seq,
                     char *out, size_t len);  /* <root>/archives/<stamp>_<name>        */
#define FS_MAX_TRIES 9999

/* The first free name of a series: name(nctx, seq, out, len) writes the seq-th
 * candidate ("" when it does not fit); make(mctx, path) creates it exclusively and
 * returns 0, or -1 with errno (EEXIST: taken, try the next).  On success the name is
 * left in out; -1 with errno otherwise. */
typedef void (*fs_namer)(const void *nctx, int seq, char *out, size_t len);
typedef int (*fs_maker)(void *mctx, const char *path);
int fs_first_free(fs_namer name, const void *nctx, fs_maker make, void *mctx,
                  char *out, size_t len);

/* Creates a NEW file with mode 0600 whatever the umask (O_EXCL | O_NOFOLLOW: an
 * existing file or link at the path gives NULL with errno EEXIST); NULL on error. */
#include <stdio.h>
FILE *fs_create_private(const char *path);

/* Copies `path` to a new archive (0600), written, fsync'ed and closed with every error
 * checked.  0 on success. */
int fs_archive(const char *root, const char *path, time_t t, char *archived, size_t len);
/* Deletes the processed input file. */
int fs_cleanup(const char *path);

/* Deletes area outputs older than `days` (spec 00 §12): files under archives/ and
 * reports/, and tryback / -tryback-failed files.  Nothing else is ever removed: a
 * command file waiting anywhere in the area (a sub-folder, a wildcard's chunks) is not
 * the cleanup's to take, whatever the handlers' locations.  `protected_names` (may be
 * NULL) are kept even if they look like outputs. */
int fs_area_cleanup(const char *root, int days, const char *const *protected_names,
                    void (*removed)(void *ctx, const char *path), void *ctx);

#endif
