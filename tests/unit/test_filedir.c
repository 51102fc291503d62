/* Unit test of Moodle's content pool (core/moodle/filedir.c) and the files rows' hashes:
 * layout, modes, no replacement, no way out through a link, dry run.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "moodle/moodle.h"
#include "tap.h"

static char work[] = "/tmp/ts-filedir.XXXXXX";

static int mode_of(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static void slurp(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, len - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
}

int main(void)
{
    char root[300], path[400], hash[41], err[600], buf[64];
    moodle_pool p;
    if (!mkdtemp(work))
        return 1;
    umask(022);
    snprintf(root, sizeof root, "%s/dataroot", work);
    mkdir(root, 0755);

    TAP_OK(moodle_pool_open(&p, root, "", "", 0, err, sizeof err) == -1 && strstr(err, "filedir"),
           "filedir: a dataroot without filedir/ is refused");
    snprintf(path, sizeof path, "%s/filedir", root);
    mkdir(path, 0755);
    TAP_OK(moodle_pool_open(&p, root, "", "", 0, err, sizeof err) == 0 && p.dirmode == 02777 &&
           p.filemode == 0666, "filedir: Moodle's default modes 02777 and 0666");
    TAP_OK(moodle_pool_open(&p, root, "x9", "", 0, err, sizeof err) == -1,
           "filedir: a mode that is not octal is refused");

    /* Stored at <h0h1>/<h2h3>/<sha1>, modes whatever the umask, no temporary left. */
    TAP_OK(moodle_pool_open(&p, root, "", "", 0, err, sizeof err) == 0, "filedir: open");
    TAP_OK(moodle_pool_store(&p, "hello", 5, hash, err, sizeof err) == 0, "filedir: store");
    TAP_STREQ(hash, "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", "filedir: SHA-1 of the content");
    snprintf(path, sizeof path, "%s/filedir/aa/f4/%s", root, hash);
    slurp(path, buf, sizeof buf);
    TAP_STREQ(buf, "hello", "filedir: content at aa/f4/<sha1>");
    TAP_OK(mode_of(path) == 0666, "filedir: file mode 0666 despite umask 022 (got %o)", mode_of(path));
    snprintf(path, sizeof path, "%s/filedir/aa/f4", root);
    TAP_OK(mode_of(path) == 0777, "filedir: folder mode 0777 (got %o)", mode_of(path));
    TAP_OK(moodle_pool_store(&p, "hello", 5, hash, err, sizeof err) == 0,
           "filedir: storing the same content again is fine");

    /* A file under a hash it does not have is never replaced. */
    char h2[41];
    moodle_sha1_hex("other", 5, h2);
    snprintf(path, sizeof path, "%s/filedir/%.2s", root, h2);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/filedir/%.2s/%.2s", root, h2, h2 + 2);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/filedir/%.2s/%.2s/%s", root, h2, h2 + 2, h2);
    FILE *f = fopen(path, "w");
    fputs("planted", f);
    fclose(f);
    TAP_OK(moodle_pool_store(&p, "other", 5, hash, err, sizeof err) == -1 &&
           strstr(err, "does not hash to its name"), "filedir: wrong content is an error");
    slurp(path, buf, sizeof buf);
    TAP_STREQ(buf, "planted", "filedir: wrong content left as it is");

    /* A folder of filedir that is a link leads nowhere. */
    char outside[300], h3[41];
    snprintf(outside, sizeof outside, "%s/outside", work);
    mkdir(outside, 0777);
    moodle_sha1_hex("third", 5, h3);
    snprintf(path, sizeof path, "%s/filedir/%.2s", root, h3);
    TAP_OK(symlink(outside, path) == 0, "filedir: link planted");
    TAP_OK(moodle_pool_store(&p, "third", 5, hash, err, sizeof err) == -1,
           "filedir: a linked folder is refused");
    snprintf(path, sizeof path, "%s/%.2s", outside, h3 + 2);
    TAP_OK(access(path, F_OK) != 0, "filedir: nothing written through the link");

    /* config.php's permissions; a dry run creates nothing. */
    moodle_pool q;
    TAP_OK(moodle_pool_open(&q, root, "02770", "", 0, err, sizeof err) == 0 &&
           moodle_pool_store(&q, "fourth", 6, hash, err, sizeof err) == 0, "filedir: 02770");
    snprintf(path, sizeof path, "%s/filedir/%.2s/%.2s/%s", root, hash, hash + 2, hash);
    TAP_OK(mode_of(path) == 0660, "filedir: directorypermissions 02770 gives files 0660");
    moodle_pool d;
    TAP_OK(moodle_pool_open(&d, root, "", "", 1, err, sizeof err) == 0 &&
           moodle_pool_store(&d, "fifth", 5, hash, err, sizeof err) == 0, "filedir: dry store");
    snprintf(path, sizeof path, "%s/filedir/%.2s", root, hash);
    TAP_OK(access(path, F_OK) != 0, "filedir: a dry run creates nothing");

    /* Rows: pathnamehash of the spec's example, mimetypes. */
    ts_file_record rec = { TS_FILE_RECORD_HEADER, .contextid = 11, .component = "user",
                           .filearea = "icon", .itemid = 0, .filepath = "/",
                           .filename = "f1.jpg" };
    TAP_OK(moodle_file_pathnamehash(&rec, hash) == 0, "files: pathnamehash");
    TAP_STREQ(hash, "89d770aa23436ec1be60fc3ce7a3571cb5351037",
              "files: pathnamehash = sha1(/11/user/icon/0/f1.jpg)");
    rec.filepath = "nopath";
    TAP_OK(moodle_file_pathnamehash(&rec, hash) == -1, "files: a filepath not framed by / is refused");
    TAP_STREQ(moodle_mimetype("F1.PNG"), "image/png", "files: mimetype of .PNG");
    TAP_STREQ(moodle_mimetype("f1.jpg"), "image/jpeg", "files: mimetype of .jpg");
    TAP_STREQ(moodle_mimetype("x"), "document/unknown", "files: mimetype without extension");

    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
    if (system(cmd) != 0)
        return 1;
    return tap_done();
}
