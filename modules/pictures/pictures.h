/* The pictures module's shared declarations: the services, the state of a file, the
 * work one image gets (decode, crop, resize, encode) and its result.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef PICTURES_H
#define PICTURES_H

#include <stddef.h>
#include <stdint.h>
#include <toolsync/toolsync.h>

extern const ts_runtime *RT;
extern const ts_sql_api *SQL;
extern const ts_moodle_api *M;
extern const ts_resolve_api *R;
extern const ts_archive_api *A;
extern const ts_files_api *F;

/* The sizes Moodle's process_new_icon() stores: f1, f2, f3. */
#define PIC_VARIANTS 3
extern const int PIC_SIZES[PIC_VARIANTS];

typedef enum { IMG_UNKNOWN = 0, IMG_JPEG, IMG_PNG, IMG_GIF, IMG_WEBP } img_type;

/* What one image became: the three encoded variants, or why not. */
typedef struct {
    long line;                          /* the entry it belongs to (0: free slot)      */
    int done;                           /* decoded (or refused) already               */
    int failed;                         /* key/text say why                           */
    char key[40];
    char text[300];
    img_type type;
    unsigned width, height;
    const char *ext;                    /* "jpg" or "png"                             */
    unsigned char *out[PIC_VARIANTS];   /* libgd's buffers (gdFree)                   */
    int outlen[PIC_VARIANTS];
} pic_result;

/* One image to process: its bytes (the core's, valid during the batch). */
typedef struct {
    const unsigned char *data;
    size_t len;
    pic_result *res;
} pic_job;

/* image.c */
/* Type and pixel size from the first bytes, without decoding.  IMG_UNKNOWN when the
 * bytes are none of JPEG, PNG, GIF, WebP; 0 size when the header does not say. */
img_type img_sniff(const unsigned char *d, size_t n, unsigned *w, unsigned *h);
const char *img_type_name(img_type t);
/* Decodes, crops to the centred square and encodes f1, f2, f3 as process_new_icon()
 * does (JPEG sources stay JPEG at quality 90; PNG and GIF become PNG with alpha).
 * Sets res->failed with a key and text when the image cannot be processed.  Thread
 * safe: touches nothing but res. */
void img_process(const unsigned char *d, size_t n, long maxpixels, pic_result *res);
void img_result_free(pic_result *res);
/* Keeps libgd from printing (modules never print): its messages are dropped, the
 * failure is reported on the row. */
void img_quiet(void);

/* pool.c: runs img_process on every job, on `threads` threads. */
void pic_run_jobs(pic_job *jobs, size_t n, long maxpixels, int threads);

/* The state of one archive. */
typedef enum { PF_ID = 0, PF_IDNUMBER, PF_USERNAME, PF_EMAIL, PF_HOSTED } pic_field;

typedef struct {
    ts_run *run;
    pic_field field;
    ts_by by;
    int overwrite;
    long maxpixels;
    int threads;
    int64_t mnet_local;
    int picture_col;                    /* {user}.picture for user_value               */
    int username_col;
    int64_t hashfield;                  /* {user_info_field} userpicturehash, 0 none    */
    pic_result *results;                /* one per entry of the batch                  */
    size_t nresults, capresults;
    pic_result single;                  /* an entry processed in its row callback      */
} pic_state;

/* store.c: one entry's row. */
int pic_row(pic_state *s, ts_row *row);
/* The base name of an entry ("dir/U0001.jpg" -> "U0001") into out; with hostedusername
 * the part before the first '@', and *host (when not NULL) the mnet host after it (0
 * when it names none); otherwise *host is the local host. */
void pic_key(const pic_state *s, const char *name, char *out, size_t len, int64_t *host);
/* The MD5 of the bytes, in hex (the spec's userpicturehash). */
void pic_md5(const unsigned char *d, size_t n, char out[33]);
/* Is the row worth decoding (a user, a picture to change)?  1 yes, 0 no. */
int pic_wanted(pic_state *s, ts_row *row, const unsigned char *d, size_t n);
/* Writes md5 as the user's userpicturehash (user_info_data of `field`): 0 it held that
 * value already (nothing written), 1 inserted, 2 updated, -1 error. */
int pic_store_hash(ts_run *run, int64_t field, int64_t uid, const char *md5);

/* module.c */
/* The spec's userpicturehash profile field ({user_info_field} id), when the site has
 * it: 0 none, -1 error. */
int64_t pic_hash_field(ts_run *run);
/* The content pool's folder, or NULL with the ERROR "nofiledir" recorded. */
const char *pic_filedir(ts_run *run);

/* hashes.c: `toolsync userpictures hashes` (spec 30 §4). */
extern const ts_command PIC_HASHES;

#endif
