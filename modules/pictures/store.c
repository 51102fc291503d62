/* One picture entry: the user it names, whether it changes anything, and Moodle's writes
 * (the icon area's files, user.picture, the user_updated event, userpicturehash).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "pictures.h"

static const char *const FIELD_NAMES[] = { "id", "idnumber", "username", "email",
                                            "hostedusername" };

void pic_key(const pic_state *s, const char *name, char *out, size_t len, int64_t *host)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    snprintf(out, len, "%.*s", (int)n, base);
    if (host)
        *host = s->mnet_local;
    if (s->field != PF_HOSTED)
        return;
    /* "username@mnethostid", split at the first '@' (spec 30 §2). */
    char *at = strchr(out, '@'), *end = NULL;
    long long h = at ? strtoll(at + 1, &end, 10) : 0;
    if (at)
        *at = '\0';
    if (host)
        *host = at && end && !*end && h > 0 ? h : 0;   /* 0: no such host, not found */
}

/* The account the entry names: the resolver's answer (1 found, TS_R_*). */
static int lookup(pic_state *s, ts_row *row, char *key, size_t len, const ts_user **u)
{
    int64_t host;
    pic_key(s, RT->value(row, "name"), key, len, &host);
    if (host == 0)
        return TS_R_NOTFOUND;
    return R->user_find(s->run, s->by, key, host, 0, u);
}

void pic_md5(const unsigned char *d, size_t n, char out[33])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int l = 0;
    EVP_Digest(d, n, md, &l, EVP_md5(), NULL);
    for (unsigned i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The account the entry names: 1 found, 0 not (ERROR recorded), -1 database error. */
static int find_user(pic_state *s, ts_row *row, const ts_user **u)
{
    char key[512];
    int rc = lookup(s, row, key, sizeof key, u);
    if (rc == 1)
        return 1;
    if (rc == TS_R_ERROR)
        return -1;
    if (rc == TS_R_AMBIGUOUS)
        RT->outcome(row, TS_ERROR, "uploadpicture_userambiguous", "name",
                    "several users have %s '%s'", FIELD_NAMES[s->field], key);
    else
        RT->outcome(row, TS_ERROR, "uploadpicture_usernotfound", "name",
                    "no user has %s '%s'", FIELD_NAMES[s->field], key);
    return 0;
}

static int64_t picture_of(pic_state *s, const ts_user *u)
{
    const char *v = R->user_value(u, s->picture_col);
    return v ? strtoll(v, NULL, 10) : 0;
}

/* The stored hash equals this image's and the user has a picture. */
static int hash_unchanged(pic_state *s, const ts_user *u, const char *md5)
{
    const char *old = s->hashfield ? R->user_profile(u, 0) : NULL;
    return old && strcmp(old, md5) == 0 && picture_of(s, u) != 0;
}

int pic_wanted(pic_state *s, ts_row *row, const unsigned char *d, size_t n)
{
    const ts_user *u;
    unsigned w, h;
    img_type t = img_sniff(d, n, &w, &h);
    if (t == IMG_UNKNOWN || t == IMG_WEBP)
        return 1;                      /* refused at once: nothing to decode */
    char key[512];
    if (lookup(s, row, key, sizeof key, &u) != 1)
        return 0;
    if (!s->overwrite && picture_of(s, u) != 0)
        return 0;
    char md5[33];
    pic_md5(d, n, md5);
    return !hash_unchanged(s, u, md5);
}

int pic_store_hash(ts_run *run, int64_t field, int64_t uid, const char *md5)
{
    ts_stmt *f = SQL->prepare(run, "SELECT id, data FROM {user_info_data} "
                                   "WHERE userid = ? AND fieldid = ?");
    if (!f || SQL->exec(f, "ii", uid, field) != 0)
        return -1;
    int64_t id = 0;
    int same = 0, rc;
    while ((rc = SQL->next(f)) == 1) {
        if (id > 0)
            return -1;                  /* two values for one field: not Moodle's */
        id = SQL->col_int(f, 0);
        const char *old = SQL->col_text(f, 1);
        same = old && strcmp(old, md5) == 0;
    }
    if (rc < 0)
        return -1;
    if (same)
        return 0;
    ts_stmt *w = id > 0
        ? SQL->prepare(run, "UPDATE {user_info_data} SET data = ? WHERE id = ?")
        : SQL->prepare(run, "INSERT INTO {user_info_data} (userid, fieldid, data, dataformat) "
                            "VALUES (?, ?, ?, 0)");
    if (!w || (id > 0 ? SQL->exec(w, "si", md5, id) : SQL->exec(w, "iis", uid, field, md5)) != 0)
        return -1;
    return id > 0 ? 2 : 1;
}

static int save_hash(pic_state *s, const ts_user *u, const char *md5)
{
    if (!s->hashfield)
        return 0;
    if (pic_store_hash(s->run, s->hashfield, R->user_id(u), md5) < 0)
        return -1;
    R->user_profile_changed(s->run, u, 0, md5);
    return 0;
}

static void icon_record(ts_file_record *rec, int64_t ctx, int v, const char *ext, char *name,
                        size_t len)
{
    snprintf(name, len, "f%d.%s", v + 1, ext);
    *rec = (ts_file_record){ TS_FILE_RECORD_HEADER, .contextid = ctx, .component = "user",
                             .filearea = "icon", .itemid = 0, .filepath = "/",
                             .filename = name };
}

/* The three variants are already the stored ones, and user.picture points to f1. */
static int same_icons(pic_state *s, const ts_user *u, int64_t ctx, const pic_result *res)
{
    int64_t f1 = 0;
    for (int v = 0; v < PIC_VARIANTS; v++) {
        ts_file_record rec;
        char name[16], have[TS_SHA1_HEX + 1], want[TS_SHA1_HEX + 1];
        int64_t id;
        icon_record(&rec, ctx, v, res->ext, name, sizeof name);
        int rc = F->find_file(s->run, &rec, &id, have);
        if (rc <= 0)
            return rc;
        F->sha1_hex(res->out[v], (size_t)res->outlen[v], want);
        if (strcmp(have, want) != 0)
            return 0;
        /* The rows are right; their content must be in filedir too (a restored
         * database, a new dataroot): stored again when missing, untouched otherwise. */
        if (F->store_content(s->run, res->out[v], (size_t)res->outlen[v], want) != 0)
            return -1;
        if (v == 0)
            f1 = id;
    }
    return picture_of(s, u) == f1;
}

/* process_new_icon() and what follows it: the area emptied, f1..f3 stored, picture set. */
static int write_icons(pic_state *s, const ts_user *u, int64_t ctx, const pic_result *res)
{
    int64_t uid = R->user_id(u), f1 = 0;
    if (F->delete_area(s->run, ctx, "user", "icon", 0) < 0)
        return -1;
    for (int v = 0; v < PIC_VARIANTS; v++) {
        ts_file_record rec;
        char name[16];
        icon_record(&rec, ctx, v, res->ext, name, sizeof name);
        int64_t id = F->create_file(s->run, &rec, res->out[v], (size_t)res->outlen[v]);
        if (id < 0)
            return -1;
        if (v == 0)
            f1 = id;
    }
    ts_stmt *up = SQL->prepare(s->run, "UPDATE {user} SET picture = ? WHERE id = ?");
    if (!up || SQL->exec(up, "ii", f1, uid) != 0)
        return -1;
    char pic[24];
    snprintf(pic, sizeof pic, "%lld", (long long)f1);
    R->user_changed(s->run, u, s->picture_col, pic);
    ts_event ev = { TS_EVENT_HEADER, .name = "\\core\\event\\user_updated", .crud = "u",
                    .edulevel = TS_EDU_OTHER, .objecttable = "user", .objectid = uid,
                    .contextid = ctx, .contextlevel = TS_CTX_USER, .contextinstanceid = uid,
                    .relateduserid = uid };
    return M->event(s->run, &ev);
}

static int64_t user_context(pic_state *s, const ts_user *u)
{
    int64_t ctx = R->user_contextid(u);
    if (ctx > 0)
        return ctx;
    ctx = M->context_create(s->run, TS_CTX_USER, R->user_id(u), TS_SYSTEM_CONTEXT_ID);
    if (ctx > 0)
        R->user_context_created(s->run, u, ctx);
    return ctx;
}

static pic_result *result_of(pic_state *s, ts_row *row, const unsigned char *d, size_t n)
{
    long line = RT->line(row);
    for (size_t i = 0; i < s->nresults; i++)
        if (s->results[i].line == line && s->results[i].done)
            return &s->results[i];
    pic_result *one = &s->single;           /* not prefetched: processed here */
    img_result_free(one);
    one->line = line;
    img_process(d, n, s->maxpixels, one);
    return one;
}

int pic_row(pic_state *s, ts_row *row)
{
    const unsigned char *d;
    size_t n;
    if (A->entry_data(row, &d, &n) != 0)
        return TS_ERR;
    unsigned w, h;
    img_type t = img_sniff(d, n, &w, &h);
    const ts_user *u;
    if (t != IMG_UNKNOWN && t != IMG_WEBP) {
        int rc = find_user(s, row, &u);
        if (rc <= 0)
            return rc < 0 ? TS_ERR : TS_DONE;
        const char *uname = R->user_value(u, s->username_col);
        if (!s->overwrite && picture_of(s, u) != 0) {
            RT->outcome(row, TS_SKIP, "uploadpicture_userskipped", NULL,
                        "%s has a picture already (pictures.overwrite = false)", uname);
            return TS_DONE;
        }
        char md5[33];
        pic_md5(d, n, md5);
        if (hash_unchanged(s, u, md5)) {
            RT->outcome(row, TS_SKIP, "uploadpicture_unchanged", NULL,
                        "%s: picture unchanged since the last run (userpicturehash)", uname);
            return TS_DONE;
        }
        pic_result *res = result_of(s, row, d, n);
        if (res->failed) {
            RT->outcome(row, TS_ERROR, res->key, "name", "%s", res->text);
            return TS_DONE;
        }
        int64_t ctx = user_context(s, u);
        if (ctx <= 0)
            return TS_ERR;
        int same = same_icons(s, u, ctx, res);
        if (same < 0 || (!same && write_icons(s, u, ctx, res) != 0) || save_hash(s, u, md5) != 0)
            return TS_ERR;
        RT->outcome(row, same ? TS_SKIP : TS_OK,
                    same ? "uploadpicture_unchanged" : "uploadpicture_userupdated", NULL,
                    "%s: %s %ux%u -> f1.%s, f2.%s, f3.%s%s", uname, img_type_name(res->type),
                    res->width, res->height, res->ext, res->ext, res->ext,
                    same ? " already stored" : "");
        return TS_DONE;
    }
    pic_result *res = result_of(s, row, d, n);
    RT->outcome(row, TS_ERROR, res->key, "name", "%s", res->text);
    return TS_DONE;
}
