/* The pictures module: user pictures from zip archives (spec 30), each entry an image
 * named after its user, stored as Moodle's own picture upload stores it.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pictures.h"

const ts_runtime *RT;
const ts_sql_api *SQL;
const ts_moodle_api *M;
const ts_resolve_api *R;
const ts_archive_api *A;
const ts_files_api *F;

/* The legacy numeric values of tool_sync's menu (spec 30 §1): 0 username, 1 idnumber,
 * 2 id. */
static const char *const FIELDS[] = { "id", "idnumber", "username", "email", "hostedusername",
                                      "0", "1", "2", NULL };

static const ts_option OPTIONS[] = {
    { "filelocation", TS_OPT_STRING, NULL, NULL,
      "archives to read (empty: userpictures_*.zip; the prefix is the pattern's)" },
    { "userfield", TS_OPT_CHOICE, "idnumber", FIELDS,
      "what an image's base name holds: id, idnumber, username, email or "
      "hostedusername (username@mnethostid)" },
    { "overwrite", TS_OPT_BOOL, "true", NULL, "replace the picture a user already has" },
    { "maxpixels", TS_OPT_INT, "24000000", NULL,
      "largest image accepted, in pixels (width x height); 0: no limit" },
    { NULL, 0, NULL, NULL, NULL }
};

static const ts_column COLUMNS[] = {
    { "name", TS_COL_REQUIRED, "the entry's path in the archive (its base name: the user)" },
    { "size", TS_COL_REQUIRED, "its declared size" },
    { NULL, 0, NULL },
};

static void free_state(void *state)
{
    pic_state *s = state;
    if (!s)
        return;
    for (size_t i = 0; i < s->nresults; i++)
        img_result_free(&s->results[i]);
    free(s->results);
    img_result_free(&s->single);
    free(s);
}

static int threads_of(ts_run *run)
{
    long t = strtol(RT->global_str(run, "threads"), NULL, 10);
    if (t <= 0)
        t = sysconf(_SC_NPROCESSORS_ONLN);
    return t < 1 ? 1 : t > 64 ? 64 : (int)t;
}

int64_t pic_hash_field(ts_run *run)
{
    ts_stmt *st = SQL->prepare(run, "SELECT id FROM {user_info_field} WHERE shortname = ?");
    if (!st || SQL->exec(st, "s", "userpicturehash") != 0)
        return -1;
    int64_t id = SQL->single_id(st);
    return id == -2 ? 0 : id;
}

const char *pic_filedir(ts_run *run)
{
    const char *dir = F->filedir(run);
    if (!dir)
        RT->file_outcome(run, TS_ERROR, "nofiledir", NULL,
                         "moodle.dataroot must name the site's dataroot (holding filedir/)");
    return dir;
}

static int begin(ts_run *run, void **state)
{
    pic_state *s = calloc(1, sizeof *s);
    if (!s)
        return TS_ERR;
    s->run = run;
    const char *f = RT->conf_str(run, "userfield");
    s->field = !strcmp(f, "id") || !strcmp(f, "2") ? PF_ID
             : !strcmp(f, "username") || !strcmp(f, "0") ? PF_USERNAME
             : !strcmp(f, "email") ? PF_EMAIL : !strcmp(f, "hostedusername") ? PF_HOSTED
             : PF_IDNUMBER;
    static const ts_by BY[] = { TS_BY_ID, TS_BY_IDNUMBER, TS_BY_USERNAME, TS_BY_EMAIL,
                                TS_BY_USERNAME };
    s->by = BY[s->field];
    s->overwrite = RT->conf_bool(run, "overwrite");
    s->maxpixels = RT->conf_int(run, "maxpixels");
    s->threads = threads_of(run);
    s->mnet_local = M->mnet_localhost(run);
    s->picture_col = R->user_column(run, "picture");
    s->username_col = R->user_column(run, "username");
    s->hashfield = pic_hash_field(run);
    if (s->hashfield < 0 || (s->hashfield > 0 && R->user_profile_fields(run, &s->hashfield, 1) != 0)) {
        RT->file_outcome(run, TS_ERROR, "dberror", NULL, "cannot read the userpicturehash field");
        free_state(s);
        return TS_ERR;
    }
    /* Every picture needs the content pool: say it once for the file, not per entry. */
    if (!pic_filedir(run)) {
        free_state(s);
        return TS_ERR;
    }
    *state = s;
    return TS_DONE;
}

/* Room for `more` results, made before slots are handed out (realloc moves them). */
static int reserve(pic_state *s, size_t more)
{
    if (s->nresults + more <= s->capresults)
        return 0;
    size_t cap = s->nresults + more + 8;
    pic_result *r = realloc(s->results, cap * sizeof *r);
    if (!r)
        return -1;
    s->results = r;
    s->capresults = cap;
    return 0;
}

/* The slot of `line`, a new one when it has none (room reserved). */
static pic_result *slot(pic_state *s, long line)
{
    for (size_t i = 0; i < s->nresults; i++)
        if (s->results[i].line == line)
            return &s->results[i];
    pic_result *r = &s->results[s->nresults++];
    memset(r, 0, sizeof *r);
    r->line = line;
    return r;
}

/* Keeps the results of the rows given (a replay hands the same rows again) and frees
 * the others. */
static void forget_others(pic_state *s, ts_row *const *rows, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < s->nresults; i++) {
        int keep = 0;
        for (size_t j = 0; j < n && !keep; j++)
            keep = RT->line(rows[j]) == s->results[i].line;
        if (keep)
            s->results[k++] = s->results[i];
        else
            img_result_free(&s->results[i]);
    }
    s->nresults = k;
}

/* The batch's accounts in one query, then its images decoded on every core. */
static int prefetch(ts_run *run, void *state, ts_row *const *rows, size_t n)
{
    pic_state *s = state;
    char keys[n][256];
    const char *kp[n];
    for (size_t i = 0; i < n; i++) {
        pic_key(s, RT->value(rows[i], "name"), keys[i], sizeof keys[i], NULL);
        kp[i] = keys[i];
    }
    /* hostedusername names accounts of other hosts: read them all, find by host. */
    if (R->user_prefetch(run, s->by, s->field == PF_HOSTED ? TS_ANY_HOST : s->mnet_local,
                         kp, n) != 0)
        return TS_ERR;
    forget_others(s, rows, n);
    if (reserve(s, n) != 0)
        return TS_DONE;               /* each row then processes its own image */
    pic_job jobs[n];
    size_t nj = 0;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *d;
        size_t len;
        if (A->entry_data(rows[i], &d, &len) != 0 || !pic_wanted(s, rows[i], d, len))
            continue;
        pic_result *r = slot(s, RT->line(rows[i]));
        if (!r->done)
            jobs[nj++] = (pic_job){ d, len, r };
    }
    pic_run_jobs(jobs, nj, s->maxpixels, s->threads);
    return TS_DONE;
}

static int row(ts_run *run, void *state, ts_row *r)
{
    return pic_row(state, r);
}

static const ts_handler HANDLER = {
    TS_HANDLER_HEADER, .name = "pictures",
    .summary = "user pictures from userpictures_*.zip archives",
    .default_file = "userpictures_*.zip", .location_option = "filelocation",
    .columns = COLUMNS, .flags = TS_H_ARCHIVE | TS_H_EVERY_MATCH, .begin_file = begin, .prefetch = prefetch,
    .row = row, .free_state = free_state,
    .description =
        "Each image of the archive (JPEG, PNG or GIF) is named after its user by\n"
        "pictures.userfield (U0001.jpg: the user whose idnumber is U0001) and becomes\n"
        "that user's picture as Moodle's upload makes it: f1 100x100, f2 35x35,\n"
        "f3 512x512 in the user's icon area, content in moodle.dataroot's filedir/.\n"
        "A picture unchanged since the last run is skipped.",
};

static int init(const ts_runtime *rt)
{
    RT = rt;
    SQL = rt->get_api(TS_SQL_API, TS_SQL_API_VERSION);
    M = rt->get_api(TS_MOODLE_API, TS_MOODLE_API_VERSION);
    R = rt->get_api(TS_RESOLVE_API, TS_RESOLVE_API_VERSION);
    A = rt->get_api(TS_ARCHIVE_API, TS_ARCHIVE_API_VERSION);
    F = rt->get_api(TS_FILES_API, TS_FILES_API_VERSION);
    if (!SQL || !M || !R || !A || !F) {
        rt->log(TS_LOG_ERROR, "pictures: this toolsync core lacks a service it needs "
                              "(sql 1, moodle 2, resolve, archive 1, files 1)");
        return -1;
    }
    img_quiet();
    return rt->register_handler(&HANDLER) == 0 && rt->register_command(&PIC_HASHES) == 0
        ? 0 : -1;
}

TOOLSYNC_MODULE("pictures", "1.0", "user pictures into Moodle's file storage", OPTIONS, init,
                NULL);
