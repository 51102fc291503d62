/* What the writers remember of the site during a run: contexts (by level and instance,
 * and by id), enrol instances and the course of each group.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A sync of enrolments touches the same few thousand courses over and over; reading
 * their context, instance and groups again for every line was most of its round trips.
 * These facts change only through the writers of core/moodle, which update or drop
 * the entry as they write, and through a rollback, after which moodle_forget drops
 * everything.  Each cache is bounded: past KNOWN_MAX entries it starts afresh, so
 * memory does not grow with the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "moodle/moodle_internal.h"
#include "util/util.h"

#define KNOWN_MAX 50000
/* Contexts carry their path: fewer of them (about 4 MB at most). */
#define KNOWN_CTX_MAX 16384

struct moodle_known {
    imap *ctx_by_inst;      /* instanceid * 128 + level -> moodle_known_ctx *          */
    imap *ctx_by_id;        /* id -> the same entry (this map owns them)                */
    imap *instances;        /* enrol id -> moodle_known_instance *                      */
    imap *course_enrol;     /* course id -> next instance sortorder * 2 + has manual    */
    imap *group_course;     /* group id -> course id                                    */
    imap *group_touched;    /* group id -> the time its timemodified was last set to    */
    ts_map *flags;          /* "flagtype\x1fname" -> the time the cache flag was set    */
};

static int64_t inst_key(int level, int64_t instanceid)
{
    return instanceid * 128 + level;
}

static void free_ptr(void *ctx, int64_t key, int64_t val)
{
    (void)ctx;
    (void)key;
    free((void *)(intptr_t)val);
}

static void clear_ctx(struct moodle_known *k)
{
    imap_each(k->ctx_by_id, free_ptr, NULL);
    imap_clear(k->ctx_by_id);
    imap_clear(k->ctx_by_inst);
}

static void clear_instances(struct moodle_known *k)
{
    imap_each(k->instances, free_ptr, NULL);
    imap_clear(k->instances);
    imap_clear(k->course_enrol);
}

int moodle_known_init(moodle_site *s)
{
    struct moodle_known *k = calloc(1, sizeof *k);
    if (!k)
        return -1;
    s->known = k;
    k->ctx_by_inst = imap_new();
    k->ctx_by_id = imap_new();
    k->instances = imap_new();
    k->course_enrol = imap_new();
    k->group_course = imap_new();
    k->group_touched = imap_new();
    k->flags = map_new();
    return k->ctx_by_inst && k->ctx_by_id && k->instances && k->course_enrol &&
           k->group_course &&
           k->group_touched && k->flags ? 0 : -1;
}

void moodle_known_free(moodle_site *s)
{
    struct moodle_known *k = s->known;
    if (!k)
        return;
    if (k->ctx_by_id)
        clear_ctx(k);
    if (k->instances)
        clear_instances(k);
    imap_free(k->ctx_by_inst);
    imap_free(k->ctx_by_id);
    imap_free(k->instances);
    imap_free(k->course_enrol);
    imap_free(k->group_course);
    imap_free(k->group_touched);
    if (k->flags)
        map_free(k->flags, free);
    free(k);
    s->known = NULL;
}

void moodle_known_forget(moodle_site *s)
{
    struct moodle_known *k = s->known;
    clear_ctx(k);
    clear_instances(k);
    imap_clear(k->group_course);
    imap_clear(k->group_touched);
    map_clear(k->flags, free);
}

/* ---- contexts ------------------------------------------------------------------------ */

void moodle_ctx_cache_put(moodle_site *s, int level, int64_t instanceid, int64_t id,
                          const char *path)
{
    struct moodle_known *k = s->known;
    if (!path || !*path || strlen(path) >= sizeof ((moodle_known_ctx *)0)->path)
        return;
    int64_t old;
    if (imap_get(k->ctx_by_id, id, &old)) {
        moodle_known_ctx *e = (moodle_known_ctx *)(intptr_t)old;
        strcpy(e->path, path);
        return;
    }
    if (imap_count(k->ctx_by_id) >= KNOWN_CTX_MAX)
        clear_ctx(k);
    moodle_known_ctx *e = malloc(sizeof *e);
    if (!e)
        return;
    e->id = id;
    e->level = level;
    e->instanceid = instanceid;
    strcpy(e->path, path);
    if (imap_put(k->ctx_by_id, id, (int64_t)(intptr_t)e) < 0) {
        free(e);
        return;
    }
    if (imap_put(k->ctx_by_inst, inst_key(level, instanceid), (int64_t)(intptr_t)e) < 0)
        clear_ctx(k);   /* never leave one map knowing what the other does not */
}

const moodle_known_ctx *moodle_ctx_known(moodle_site *s, int level, int64_t instanceid)
{
    int64_t v;
    return imap_get(s->known->ctx_by_inst, inst_key(level, instanceid), &v)
        ? (const moodle_known_ctx *)(intptr_t)v : NULL;
}

const moodle_known_ctx *moodle_ctx_known_id(moodle_site *s, int64_t id)
{
    int64_t v;
    return imap_get(s->known->ctx_by_id, id, &v) ? (const moodle_known_ctx *)(intptr_t)v
                                                 : NULL;
}

void moodle_contexts_changed(moodle_site *s)
{
    clear_ctx(s->known);
}

/* ---- enrol instances ------------------------------------------------------------------- */

const moodle_known_instance *moodle_instance_known(moodle_site *s, int64_t enrolid)
{
    int64_t v;
    return imap_get(s->known->instances, enrolid, &v)
        ? (const moodle_known_instance *)(intptr_t)v : NULL;
}

void moodle_instance_learn(moodle_site *s, const moodle_known_instance *in)
{
    struct moodle_known *k = s->known;
    int64_t old;
    if (imap_get(k->instances, in->id, &old)) {
        *(moodle_known_instance *)(intptr_t)old = *in;
        return;
    }
    if (imap_count(k->instances) >= KNOWN_MAX)
        clear_instances(k);
    moodle_known_instance *e = malloc(sizeof *e);
    if (!e)
        return;
    *e = *in;
    if (imap_put(k->instances, in->id, (int64_t)(intptr_t)e) < 0)
        free(e);
}

int moodle_course_enrol_known(moodle_site *s, int64_t courseid, int64_t *next_sortorder,
                              int *has_manual)
{
    int64_t v;
    if (!imap_get(s->known->course_enrol, courseid, &v))
        return 0;
    *next_sortorder = v >> 1;
    *has_manual = (int)(v & 1);
    return 1;
}

void moodle_course_enrol_learn(moodle_site *s, int64_t courseid, int64_t next_sortorder,
                               int has_manual)
{
    struct moodle_known *k = s->known;
    if (imap_count(k->course_enrol) >= KNOWN_MAX)
        imap_clear(k->course_enrol);
    imap_put(k->course_enrol, courseid, next_sortorder * 2 + (has_manual ? 1 : 0));
}

void moodle_instances_changed(moodle_site *s)
{
    clear_instances(s->known);
}

/* ---- groups ----------------------------------------------------------------------------- */

int64_t moodle_group_course_known(moodle_site *s, int64_t groupid)
{
    int64_t v;
    return imap_get(s->known->group_course, groupid, &v) ? v : 0;
}

void moodle_group_course_learn(moodle_site *s, int64_t groupid, int64_t courseid)
{
    struct moodle_known *k = s->known;
    if (imap_count(k->group_course) >= KNOWN_MAX)
        imap_clear(k->group_course);
    imap_put(k->group_course, groupid, courseid);
}

void moodle_groups_changed(moodle_site *s)
{
    imap_clear(s->known->group_course);
}

/* ---- writes already made ------------------------------------------------------------------
 * Setting a group's timemodified, or a cache flag, to the value it was given earlier in
 * the same transaction writes the row it already holds: remembered, it is not sent again
 * (a file that adds 10 members to a group updates the group once).  A rollback forgets. */

int moodle_group_touched(moodle_site *s, int64_t groupid, int64_t now)
{
    struct moodle_known *k = s->known;
    int64_t when;
    if (imap_get(k->group_touched, groupid, &when) && when == now)
        return 1;
    if (imap_count(k->group_touched) >= KNOWN_MAX)
        imap_clear(k->group_touched);
    imap_put(k->group_touched, groupid, now);
    return 0;
}

int moodle_flag_set_before(moodle_site *s, const char *flagtype, const char *name,
                           int64_t now)
{
    struct moodle_known *k = s->known;
    size_t n = strlen(flagtype) + strlen(name) + 2;
    char *key = malloc(n);
    if (!key)
        return 0;
    snprintf(key, n, "%s\x1f%s", flagtype, name);
    if (map_count(k->flags) >= KNOWN_MAX)
        map_clear(k->flags, free);
    void **slot = map_slot(k->flags, key);
    free(key);
    if (*slot && *(int64_t *)*slot == now)
        return 1;
    if (!*slot && !(*slot = malloc(sizeof(int64_t))))
        return 0;
    *(int64_t *)*slot = now;
    return 0;
}
