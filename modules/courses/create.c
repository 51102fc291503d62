/* The courses handler's lines (spec 10 §2.2): look the course up by the configured
 * identifier, then create it, update it (forceupdate), or say it exists.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "courses.h"

static const char *ident_value(cstate *s, ts_row *r, const crec *c)
{
    if (s->ident == CI_ID)
        return RT->value_at(r, (size_t)s->c_id);
    return s->ident == CI_IDNUMBER ? c->s[CF_IDNUMBER] : c->s[CF_SHORTNAME];
}

int create_prefetch(ts_run *run, void *st, ts_row *const *rows, size_t n)
{
    cstate *s = st;
    const char **keys = malloc((n ? n : 1) * sizeof *keys);
    int rc = 0;
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        long col = pass == 0 ? RT->column_index(run, "shortname")
                             : RT->column_index(run, "idnumber");
        if (col < 0)
            continue;
        for (size_t i = 0; i < n; i++)
            keys[i] = RT->value_at(rows[i], (size_t)col);
        rc = R->course_prefetch(run, pass == 0 ? TS_BY_SHORTNAME : TS_BY_IDNUMBER, keys, n);
    }
    (void)s;
    free(keys);
    return rc == 0 ? TS_DONE : TS_ERR;
}

/* Moodle refuses a shortname, or a non-empty idnumber, that another course holds. */
static int collides(cstate *s, ts_row *r, const crec *c, int64_t self)
{
    int64_t other = R->course(s->run, TS_BY_SHORTNAME, c->s[CF_SHORTNAME]);
    if (other < 0 && other != TS_R_AMBIGUOUS)
        return -1;
    if (other == TS_R_AMBIGUOUS || (other > 0 && other != self)) {
        RT->outcome(r, TS_ERROR, "errorshortnamecollision", "shortname",
                    "shortname '%s' is already taken by another course", c->s[CF_SHORTNAME]);
        return -1;
    }
    if (!*c->s[CF_IDNUMBER])
        return 0;
    other = R->course(s->run, TS_BY_IDNUMBER, c->s[CF_IDNUMBER]);
    if (other < 0 && other != TS_R_AMBIGUOUS)
        return -1;
    if (other == TS_R_AMBIGUOUS || (other > 0 && other != self)) {
        RT->outcome(r, TS_ERROR, "erroridnumbercollision", "idnumber",
                    "idnumber '%s' is already used by another course", c->s[CF_IDNUMBER]);
        return -1;
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
    int64_t id = courses_lookup(s, s->ident, key);
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
