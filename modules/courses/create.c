/* The courses handler's lines (spec 10 §2.2): look the course up by the configured
 * identifier, then create it, update it (forceupdate), or say it exists.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include "courses.h"

static const char *ident_value(cstate *s, ts_row *r, const crec *c)
{
    if (s->ident == CI_ID)
        return RT->value_at(r, (size_t)s->c_id);
    return s->ident == CI_IDNUMBER ? c->s[CF_IDNUMBER] : c->s[CF_SHORTNAME];
}

#define KEYS_CHUNK 100
#define ABSENT ((void *)(intptr_t)-3)

/* The batch's shortnames or idnumbers in one query per hundred: every key of the batch
 * is then known, present or absent, so that a new course costs no lookup (a miss is
 * not cached by the resolver, since a later line may create the course). */
static int keys_chunk(cstate *s, const char *col, char tag, const char **keys, size_t k)
{
    char sql[1400];
    ts_value v[KEYS_CHUNK];
    char types[KEYS_CHUNK + 1];
    size_t o = (size_t)snprintf(sql, sizeof sql, "SELECT id, %s FROM {course} WHERE %s IN (",
                                col, col);
    for (size_t i = 0; i < KEYS_CHUNK; i++) {
        o += (size_t)snprintf(sql + o, sizeof sql - o, i ? ", ?" : "?");
        types[i] = i < k ? 's' : 'n';
        v[i].s = i < k ? keys[i] : NULL;
    }
    types[KEYS_CHUNK] = '\0';
    snprintf(sql + o, sizeof sql - o, ")");
    ts_stmt *st = SQL->prepare(s->run, sql);
    if (!st || SQL->exec_array(st, types, v) != 0)
        return -1;
    int rc;
    while ((rc = SQL->next(st)) > 0) {
        char key[400];
        snprintf(key, sizeof key, "%c%s", tag, SQL->col_text(st, 1));
        void **slot = U->map_slot(s->keys, key);
        *slot = *slot && *slot != ABSENT ? (void *)(intptr_t)TS_R_AMBIGUOUS
                                          : (void *)(intptr_t)SQL->col_int(st, 0);
    }
    return rc < 0 ? -1 : 0;
}

static int keys_load(cstate *s, ts_row *const *rows, size_t n, const char *col, char tag)
{
    long c = RT->column_index(s->run, col);
    const char *keys[KEYS_CHUNK];
    size_t k = 0;
    if (c < 0)
        return 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n) {
            const char *v = RT->value_at(rows[i], (size_t)c);
            char key[400];
            if (!v || !*v)
                continue;
            snprintf(key, sizeof key, "%c%s", tag, v);
            void **slot = U->map_slot(s->keys, key);
            if (*slot)
                continue;
            *slot = ABSENT;
            keys[k++] = v;
        }
        if (k && (k == KEYS_CHUNK || i == n)) {
            if (keys_chunk(s, col, tag, keys, k) != 0)
                return -1;
            k = 0;
        }
    }
    return 0;
}

int create_prefetch(ts_run *run, void *st, ts_row *const *rows, size_t n)
{
    cstate *s = st;
    (void)run;
    U->map_clear(s->keys, NULL);
    return keys_load(s, rows, n, "shortname", 's') == 0 &&
           keys_load(s, rows, n, "idnumber", 'i') == 0 ? TS_DONE : TS_ERR;
}

/* A course by shortname or idnumber: from the batch's keys when it is one of them. */
static int64_t course_by(cstate *s, ts_by by, const char *key)
{
    char k[400];
    snprintf(k, sizeof k, "%c%s", by == TS_BY_SHORTNAME ? 's' : 'i', key);
    void *v = U->map_get(s->keys, k);
    if (v)
        return v == ABSENT ? 0 : (int64_t)(intptr_t)v;
    return R->course(s->run, by, key);
}

static void learn(cstate *s, const crec *c, int64_t id)
{
    char k[400];
    snprintf(k, sizeof k, "s%s", c->s[CF_SHORTNAME]);
    *U->map_slot(s->keys, k) = (void *)(intptr_t)id;
    if (*c->s[CF_IDNUMBER]) {
        snprintf(k, sizeof k, "i%s", c->s[CF_IDNUMBER]);
        *U->map_slot(s->keys, k) = (void *)(intptr_t)id;
    }
}

/* Moodle refuses a shortname, or a non-empty idnumber, that another course holds. */
static int collides(cstate *s, ts_row *r, const crec *c, int64_t self)
{
    static const struct { ts_by by; int field; const char *key, *text; } K[] = {
        { TS_BY_SHORTNAME, CF_SHORTNAME, "errorshortnamecollision",
          "shortname '%s' is already taken by another course" },
        { TS_BY_IDNUMBER, CF_IDNUMBER, "erroridnumbercollision",
          "idnumber '%s' is already used by another course" },
    };
    for (size_t k = 0; k < sizeof K / sizeof K[0]; k++) {
        const char *v = c->s[K[k].field];
        if (!*v)
            continue;
        int64_t other = course_by(s, K[k].by, v);
        if (other < 0 && other != TS_R_AMBIGUOUS)
            return -1;
        if (other == TS_R_AMBIGUOUS || (other > 0 && other != self)) {
            RT->outcome(r, TS_ERROR, K[k].key, CFIELDS[K[k].field].name, K[k].text, v);
            return -1;
        }
    }
    return 0;
}

static void say_categories(cstate *s, ts_row *r, int created)
{
    if (created <= 0)
        return;
    RT->outcome(r, TS_OK, "categorycreated", "category", "%d categor%s created", created,
                created > 1 ? "ies" : "y");
}

static int create(cstate *s, ts_row *r, const crec *c)
{
    int created = 0;
    if (collides(s, r, c, 0) != 0)
        return TS_DONE;
    int64_t catid = category_of_row(s, r, 1, &created);
    if (catid <= 0)
        return TS_DONE;
    say_categories(s, r, created);
    const char *tpl = s->c_template >= 0 ? RT->value_at(r, (size_t)s->c_template) : NULL;
    if (tpl && *tpl)
    {
        if (template_queue(s, r, c, catid, 0) != 0)
            return TS_ERR;
        s->catcreated += RT->row_status(r) == TS_ERROR ? 0 : created;
        return TS_DONE;
    }
    int64_t id = course_insert(s, r, c, catid);
    if (id <= 0)
        return TS_ERR;
    learn(s, c, id);
    int64_t ctx = M->context_id(s->run, TS_CTX_COURSE, id);
    if (ctx <= 0 || topics_apply(s, r, id, ctx, 1) < 0 || enrols_apply(s, r, id, 1) != 0 ||
        teachers_apply(s, r, id, ctx) != 0)
        return TS_ERR;
    B->purge(s->run, "changesincourse");
    s->created++;
    s->catcreated += created;
    RT->outcome(r, TS_OK, "coursecreated", NULL, "course %s (%s) created, id %lld",
                c->s[CF_SHORTNAME], c->s[CF_FULLNAME], (long long)id);
    return TS_DONE;
}

static int update(cstate *s, ts_row *r, const crec *c, int64_t id)
{
    int created = 0;
    if (!s->forceupdate) {
        s->existing++;
        RT->outcome(r, TS_SKIP, "courseexists", NULL, "course %s (%s) exists: not updated "
                    "(forceupdate is off)", c->s[CF_SHORTNAME], c->s[CF_FULLNAME]);
        return TS_DONE;
    }
    if (collides(s, r, c, id) != 0)
        return TS_DONE;
    int64_t catid = s->protectcategory ? 0 : category_of_row(s, r, 0, &created);
    if (catid < 0)
        return TS_DONE;
    if (catid > 0)
        say_categories(s, r, created);
    const char *tpl = s->c_template >= 0 ? RT->value_at(r, (size_t)s->c_template) : NULL;
    if (tpl && *tpl && s->templatemode > 0 && template_queue(s, r, c, catid, id) != 0)
        return TS_ERR;
    if (course_update(s, r, c, id, catid) != 0)
        return TS_ERR;
    B->purge(s->run, "changesincourse");
    s->updated++;
    s->catcreated += catid > 0 ? created : 0;
    RT->outcome(r, TS_OK, "courseupdated", NULL, "course %s (%s) updated, id %lld",
                c->s[CF_SHORTNAME], c->s[CF_FULLNAME], (long long)id);
    return TS_DONE;
}

int create_row(ts_run *run, void *st, ts_row *r)
{
    cstate *s = st;
    crec c;
    (void)run;
    if (fields_read(s, r, &c) != 0)
        return TS_DONE;
    const char *key = ident_value(s, r, &c);
    int64_t id = s->ident == CI_ID ? courses_lookup(s, s->ident, key)
               : !key || !*key ? 0
               : course_by(s, s->ident == CI_IDNUMBER ? TS_BY_IDNUMBER : TS_BY_SHORTNAME, key);
    if (id == TS_R_AMBIGUOUS) {
        RT->outcome(r, TS_ERROR, "nonuniqueidentifierexception", courses_ident_name(s->ident),
                    "several courses have %s '%s'", courses_ident_name(s->ident), key);
        return TS_DONE;
    }
    if (id < 0)
        return TS_ERR;
    if (id > 0)
        return update(s, r, &c, id);
    if (s->ident == CI_ID) {
        RT->outcome(r, TS_ERROR, "coursenotfound", "id", "no course with id '%s' (a course "
                    "cannot be created with a chosen id)", key ? key : "");
        return TS_DONE;
    }
    return create(s, r, &c);
}
