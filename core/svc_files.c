/* Service "files": Moodle's file storage for modules, over core/moodle's rows and
 * content pool, with the run's dataroot, modes, time and dry run.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "run.h"
#include "svc.h"

struct moodle_pool_state {
    moodle_pool pool;
    int ok;                 /* opened: moodle_pool_open succeeded */
    char err[512];
};

/* The run's pool, opened once: the settings do not change during a run. */
static struct moodle_pool_state *pool(ts_run *r)
{
    if (!r->files) {
        r->files = calloc(1, sizeof *r->files);
        if (!r->files)
            return NULL;
        cfg_t *cfg = r->e->cfg;
        r->files->ok = moodle_pool_open(&r->files->pool,
                                        config_module_str(cfg, "moodle", "dataroot"),
                                        config_module_str(cfg, "moodle", "directorypermissions"),
                                        config_module_str(cfg, "moodle", "filepermissions"),
                                        r->e->flags.dry_run, r->files->err,
                                        sizeof r->files->err) == 0;
    }
    return r->files;
}

void files_end(ts_run *r)
{
    free(r->files);
    r->files = NULL;
}

static void f_sha1_hex(const void *data, size_t len, char out[41])
{
    moodle_sha1_hex(data ? data : "", len, out);
}

static const char *f_filedir(ts_run *r)
{
    struct moodle_pool_state *p = pool(r);
    if (p && p->ok)
        return p->pool.filedir;
    run_fail(r, "nofiledir", "%s", p ? p->err : "out of memory");
    return NULL;
}

static int f_store_content(ts_run *r, const void *data, size_t len, char hash[41])
{
    char err[600];
    if (!f_filedir(r))
        return -1;
    if (moodle_pool_store(&r->files->pool, data, len, hash, err, sizeof err) != 0) {
        run_fail(r, "filedirerror", "%s", err);
        return -1;
    }
    return 0;
}

static int64_t f_create_file(ts_run *r, const ts_file_record *rec, const void *data,
                             size_t len)
{
    char hash[41], empty[41];
    if (f_store_content(r, data, len, hash) != 0 || f_store_content(r, "", 0, empty) != 0)
        return -1;                /* the folder rows' empty content, as create_directory */
    int64_t id = moodle_file_insert(r->e->site, r->now, rec, hash, (int64_t)len);
    if (id < 0)
        run_fail_moodle(r, "dberror", "cannot create a file");
    return id;
}

static int f_find_file(ts_run *r, const ts_file_record *rec, int64_t *id, char hash[41])
{
    int rc = moodle_file_find(r->e->site, rec, id, hash);
    if (rc < 0)
        run_fail_moodle(r, "dberror", "cannot look a file up");
    return rc;
}

static int64_t f_delete_area(ts_run *r, int64_t ctx, const char *component,
                             const char *filearea, int64_t itemid)
{
    int64_t n = moodle_file_delete_area(r->e->site, ctx, component, filearea, itemid);
    if (n < 0)
        run_fail_moodle(r, "dberror", "cannot delete an area's files");
    return n;
}

const ts_files_api svc_files = {
    .api = { sizeof(ts_files_api), TS_FILES_API_VERSION, TS_FILES_API },
    .sha1_hex = f_sha1_hex,
    .pathnamehash = moodle_file_pathnamehash,
    .filedir = f_filedir,
    .store_content = f_store_content,
    .create_file = f_create_file,
    .find_file = f_find_file,
    .delete_area = f_delete_area,
};
