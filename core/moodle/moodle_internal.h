/* Private state of a moodle_site, shared by the files of core/moodle.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef TS_MOODLE_INTERNAL_H
#define TS_MOODLE_INTERNAL_H

#include <stdarg.h>
#include "moodle/moodle.h"

/* One name/value setting; arrays of them are kept sorted by name for bsearch. */
typedef struct {
    char *name;
    char *value;
} moodle_kv;

typedef struct {
    char *plugin;
    moodle_kv *kv;
    size_t n;
} moodle_plugin_cfg;

/* About 70 statements in all; a table well above it keeps probing short. */
#define MOODLE_STMT_SLOTS 256

/* known.c: what the writers remember during a run (dropped by moodle_forget). */
typedef struct {
    int64_t id;
    int level;
    int64_t instanceid;
    char path[256];
} moodle_known_ctx;
typedef struct {
    int64_t id;
    char enrol[24];          /* plugin name, varchar(20) */
    int64_t courseid;
    int status;
    int64_t roleid;
    int64_t customint1, customint2;
} moodle_known_instance;
int moodle_known_init(moodle_site *s);
void moodle_known_free(moodle_site *s);
void moodle_known_forget(moodle_site *s);
/* A context already seen this run, or NULL. */
const moodle_known_ctx *moodle_ctx_known(moodle_site *s, int level, int64_t instanceid);
const moodle_known_ctx *moodle_ctx_known_id(moodle_site *s, int64_t id);
/* An enrol instance already read this run, or NULL; learn/changed keep it true. */
const moodle_known_instance *moodle_instance_known(moodle_site *s, int64_t enrolid);
void moodle_instance_learn(moodle_site *s, const moodle_known_instance *in);
void moodle_instances_changed(moodle_site *s);
/* A course's next instance sortorder and whether it has a manual instance, when known
 * (1; 0 not known); learn after reading or adding one. */
int moodle_course_enrol_known(moodle_site *s, int64_t courseid, int64_t *next_sortorder,
                              int *has_manual);
void moodle_course_enrol_learn(moodle_site *s, int64_t courseid, int64_t next_sortorder,
                               int has_manual);
/* The course of a group already seen (0: not known); groups_changed after a delete. */
int64_t moodle_group_course_known(moodle_site *s, int64_t groupid);
void moodle_group_course_learn(moodle_site *s, int64_t groupid, int64_t courseid);
void moodle_groups_changed(moodle_site *s);
/* 1 when this run already set the group's timemodified / the cache flag at `now` (the
 * write would change nothing), else 0 and it is remembered as done. */
int moodle_group_touched(moodle_site *s, int64_t groupid, int64_t now);
int moodle_flag_set_before(moodle_site *s, const char *flagtype, const char *name,
                           int64_t now);
/* enrolstate.c: drops the enrolment state (a rollback, or a write it did not see). */
void moodle_state_forget(moodle_site *s);
/* knowncohorts.c: drops what is known of cohorts (a rollback). */
void moodle_cohorts_forget(moodle_site *s);

/* context.c: the deferred part of context creation. */
int moodle_ctx_flush(moodle_site *s);
void moodle_ctx_discard(moodle_site *s);
/* The path of a context inserted by this transaction whose path is not written yet
 * (MariaDB, SQLite): 0 and path set, or 1 when it is not one of those. */
int moodle_ctx_pending_path(moodle_site *s, int64_t id, char *path, size_t len);

struct moodle_site {
    db *d;
    int64_t version;
    char *release;
    const moodle_family *family;    /* the branch of the version (versions.c)          */
    int beyond;                     /* newer than the newest known, admitted by setting */
    int bcrypt_cost, sha512_rounds; /* of new passwords (moodle_options)               */
    moodle_kv *cfg;
    size_t ncfg;
    moodle_plugin_cfg *plugins;     /* config_plugins, read per plugin on first use */
    size_t nplugins;
    int64_t admin_id, guest_id, mnet_localhost_id, sessiontimeout;
    int log_standard;               /* tool_log/enabled_stores has logstore_standard */
    int log_json;                   /* logstore_standard/jsonformat */
    char err[512];

    /* Contexts inserted without their path (no id reserved ahead): the paths are set
     * by moodle_flush, many rows per UPDATE (context.c). */
    struct moodle_pending_ctx *pctx;
    size_t npctx, cappctx;

    struct moodle_known *known;     /* contexts, instances, groups (known.c) */
    struct moodle_enrolstate *state; /* enrolments of the courses touched (enrolstate.c) */
    struct moodle_known_cohorts *cohorts;   /* cohort rows and instances (knowncohorts.c) */

    /* Every statement of core/moodle, keyed by its SQL text (moodle_prepared). */
    struct moodle_stmt_slot { char *sql; db_stmt *st; } stmts[MOODLE_STMT_SLOTS];
    /* Where the writers' cache purge requests go (moodle_set_purge_sink). */
    void (*purge_sink)(void *ctx, const char *what);
    void *purge_ctx;
    /* The live schema, one entry per table asked about (schema.c). */
    struct moodle_table_cols *tables;
    size_t ntables;
    /* enrol_meta (meta.c): the site's meta instances, read once (meta_loaded) and
     * sorted by parent course, and the (course, user) pairs whose enrolments or
     * course roles changed since the last moodle_meta_flush. */
    struct moodle_meta_link *meta;
    size_t nmeta;
    int meta_loaded, meta_busy;
    unsigned meta_reads;
    struct moodle_meta_pending *metapend;
    size_t nmetapend, capmetapend;
};

/* site.c: is `item` one element of the comma-separated `list`? */
int moodle_list_has(const char *list, const char *item);
/* meta.c: frees what the site remembers of meta links and pending syncs. */
void moodle_meta_free(moodle_site *s);

/* versions.c: refuses (-1, message in err) a version outside what toolsync knows unless
 * `accept` admits it; sets s->family. */
int moodle_version_gate(moodle_site *s, int64_t accept, char *err, size_t errlen);
/* versions.c: -1 (message in s->err) when a table lacks a column of the site's version. */
int moodle_check_schema(moodle_site *s);

/* schema.c: the columns of a table in its order (NULL-terminated; NULL and *n = 0 when
 * the table is absent or cannot be read). */
const char *const *moodle_table_columns(moodle_site *s, const char *table, size_t *n);
/* schema.c: frees n table entries (not the array). */
void moodle_table_cols_free(struct moodle_table_cols *t, size_t n);

/* The prepared statement of `sql` (prepared on first use, kept until moodle_close);
 * NULL (and s->err set) on failure. */
db_stmt *moodle_prepared(moodle_site *s, const char *sql);
void moodle_release_statements(moodle_site *s);
/* Sets s->err (printf-style); returns -1 for `return moodle_fail(...)`. */
int moodle_fail(moodle_site *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s->err from the database's last error, prefixed with what we were doing. */
int moodle_fail_db(moodle_site *s, const char *doing);
/* Reads the rest of a result set so that the statement can be run again (MariaDB
 * refuses new commands while rows are pending). */
void moodle_drain(db_stmt *st);

void moodle_ctx_cache_put(moodle_site *s, int level, int64_t instanceid, int64_t id,
                          const char *path);

/* Event `other` column, from the caller's JSON to what Moodle's log store writes:
 * json = 1: as PHP json_encode() writes the decoded value (escaped "/" and non-ASCII,
 * objects with keys 0..n-1 become lists, {} becomes []); json = 0: PHP serialize().
 * NULL/"" input means no data: "null" / "N;".  Returns a malloc'd string, or NULL with
 * a message in err when the JSON is invalid. */
char *moodle_php_other(const char *json_in, int json, char *err, size_t errlen);

#endif
