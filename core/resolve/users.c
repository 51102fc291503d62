/* The user resolver: accounts read in one query per batch and key kind, found by id,
 * username (per mnet host), idnumber or e-mail, kept right as the run writes them.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * IN lists have a fixed length (padded with NULL, which matches nothing) so that the
 * statement cache holds one statement per key kind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "resolve/ustore.h"

#define CHUNK 100

/* The store of the run, set up with the site's columns on first use. */
static ustore *store_of(ts_run *run)
{
    resolver *rs = RH->of(run);
    ustore *u = rs->users;
    if (!u->cols) {
        u->cols = moodle_user_columns(RH->site(run), &u->ncols);
        for (size_t i = 0; i < u->ncols; i++) {
            const char *c = u->cols[i];
            if (!strcmp(c, "username")) u->c_username = i;
            else if (!strcmp(c, "mnethostid")) u->c_host = i;
            else if (!strcmp(c, "idnumber")) u->c_idnumber = i;
            else if (!strcmp(c, "email")) u->c_email = i;
            else if (!strcmp(c, "deleted")) u->c_deleted = i;
        }
    }
    return u;
}

int res_user_column(ts_run *run, const char *name)
{
    ustore *u = store_of(run);
    for (size_t i = 0; i < u->ncols; i++)
        if (strcmp(u->cols[i], name) == 0)
            return (int)i;
    return -1;
}

int res_user_read_columns(ts_run *run, const char *const *names, size_t n)
{
    ustore *u = store_of(run);
    ustore_clear(u);
    free(u->want);
    u->want = calloc(u->ncols ? u->ncols : 1, 1);
    if (!u->want)
        return -1;
    u->want[0] = 1;                     /* id */
    size_t keys[] = { u->c_username, u->c_host, u->c_idnumber, u->c_email, u->c_deleted };
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (keys[i] < u->ncols)
            u->want[keys[i]] = 1;
    for (size_t i = 0; i < n; i++) {
        int c = res_user_column(run, names[i]);
        if (c >= 0)
            u->want[c] = 1;
    }
    /* The SELECTs of the wide store are built for every column. */
    for (int i = 0; i < 8; i++) {
        free(u->fetch_sql[i][0]), free(u->fetch_sql[i][1]);
        u->fetch_sql[i][0] = u->fetch_sql[i][1] = NULL;
    }
    return 0;
}

int res_user_profile_fields(ts_run *run, const int64_t *fieldids, size_t n)
{
    ustore *u = store_of(run);
    ustore_clear(u);     /* records hold pdata arrays of the old length */
    free(u->fieldids);
    u->fieldids = n ? malloc(n * sizeof *u->fieldids) : NULL;
    if (n)
        memcpy(u->fieldids, fieldids, n * sizeof *fieldids);
    u->nprofile = n;
    return 0;
}

static int read_users(ustore *u, ts_stmt *st)
{
    int rc;
    while ((rc = RH->sql->next(st)) > 0) {
        int64_t id = RH->sql->col_int(st, 0);
        if (ustore_by_id(u, id))
            continue;    /* already known (and possibly changed by this batch) */
        ts_user *r = ustore_rec_new(u, id);
        for (size_t c = 0; c < u->ncols; c++) {
            const char *t = RH->sql->col_text(st, (int)c);
            r->v[c] = t ? strdup(t) : NULL;
        }
        if (!RH->sql->col_null(st, (int)u->ncols))
            r->ctxid = RH->sql->col_int(st, (int)u->ncols);
        ustore_add(u, r);
    }
    return rc < 0 ? -1 : 0;
}

static const char *by_column(ts_by by)
{
    switch (by) {
    case TS_BY_ID: return "id";
    case TS_BY_IDNUMBER: return "idnumber";
    case TS_BY_USERNAME: return "username";
    case TS_BY_EMAIL: return "email";
    default: return NULL;
    }
}

/* SELECT <every column>, <user context id> FROM {user} WHERE [mnethostid = ? AND]
 * <field> IN (? x CHUNK).  The context comes along: every update logs an event in it. */
static ts_stmt *fetch_stmt(ts_run *run, ustore *u, ts_by by, const char *field, int byhost)
{
    char **cached = &u->fetch_sql[(int)by & 7][byhost != 0];
    if (*cached)
        return RH->sql->prepare(run, *cached);
    char sql[4096];
    size_t o = (size_t)snprintf(sql, sizeof sql, "SELECT ");
    /* A column the run does not read is selected as NULL: the indexes stay the site's. */
    for (size_t i = 0; i < u->ncols; i++)
        o += (size_t)snprintf(sql + o, sizeof sql - o, "%s%s", i ? ", " : "",
                              !u->want || u->want[i] ? u->cols[i] : "NULL");
    o += (size_t)snprintf(sql + o, sizeof sql - o, ", (SELECT c.id FROM {context} c WHERE "
                          "c.contextlevel = 30 AND c.instanceid = {user}.id) FROM {user} WHERE ");
    if (byhost)
        o += (size_t)snprintf(sql + o, sizeof sql - o, "mnethostid = ? AND ");
    o += (size_t)snprintf(sql + o, sizeof sql - o, "%s IN (", field);
    for (int i = 0; i < CHUNK; i++)
        o += (size_t)snprintf(sql + o, sizeof sql - o, i ? ", ?" : "?");
    snprintf(sql + o, sizeof sql - o, ")");
    *cached = strdup(sql);
    return RH->sql->prepare(run, sql);
}

/* The key under which a lookup is remembered as asked (found or not). */
static char *asked_key(const ustore *u, ts_by by, int64_t host, const char *key)
{
    char *k = ustore_key(u, key);
    size_t n = strlen(k) + 48;
    char *full = malloc(n);
    snprintf(full, n, "%d\x1f%lld\x1f%s", (int)by, (long long)host, k);
    free(k);
    return full;
}

/* Keys not asked yet, each once (the same username may come twice in a batch); they
 * are marked asked. */
static size_t dedupe(ustore *u, ts_by by, int64_t host, const char **keys, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!keys[i] || !*keys[i])
            continue;
        char *k = asked_key(u, by, host, keys[i]);
        void **slot = map_slot(u->asked, k);
        free(k);
        if (*slot)
            continue;
        *slot = (void *)1;
        keys[m++] = keys[i];
    }
    return m;
}

static int fetch_chunk(ts_stmt *st, ustore *u, int byid, int64_t host,
                       const char **keys, size_t k)
{
    char types[CHUNK + 2];
    ts_value a[CHUNK + 1];
    size_t t = 0, m = 0;
    if (host >= 0) {
        types[t] = 'i';
        a[t++].i = host;
    }
    for (size_t i = 0; i < CHUNK; i++) {
        if (byid) {
            int64_t idv = 0;
            while (m < k && value_int(keys[m], &idv) != 0)
                m++;
            types[t] = m < k ? 'i' : 'n';
            a[t++].i = m < k ? idv : 0;
            m++;
        } else {
            types[t] = i < k ? 's' : 'n';
            a[t++].s = i < k ? keys[i] : NULL;
        }
    }
    types[t] = '\0';
    return RH->sql->exec_array(st, types, a) != 0 || read_users(u, st) != 0 ? -1 : 0;
}

static int fetch_profiles(ts_run *run, ustore *u);

int res_user_prefetch(ts_run *run, ts_by by, int64_t host, const char *const *keys, size_t n)
{
    ustore *u = store_of(run);
    const char *field = by_column(by);
    if (!field)
        return -1;
    if (by != TS_BY_USERNAME)
        host = TS_ANY_HOST;      /* only usernames are unique per host */
    const char **list = malloc((n ? n : 1) * sizeof *list);
    memcpy(list, keys, n * sizeof *keys);
    n = dedupe(u, by, host, list, n);
    ts_stmt *st = n ? fetch_stmt(run, u, by, field, host >= 0) : NULL;
    int ret = n && !st ? -1 : 0;
    for (size_t at = 0; st && at < n && ret == 0; at += CHUNK)
        ret = fetch_chunk(st, u, by == TS_BY_ID, host, list + at,
                          n - at < CHUNK ? n - at : CHUNK);
    free(list);
    if (ret == 0)
        ret = fetch_profiles(run, u);
    return ret;
}

/* user_info_data of the asked profile fields, for every known account without it. */
static int fetch_profiles(ts_run *run, ustore *u)
{
    if (u->nprofile == 0)
        return 0;
    char sql[2048];
    size_t o = (size_t)snprintf(sql, sizeof sql,
        "SELECT userid, fieldid, data FROM {user_info_data} WHERE userid IN (");
    for (int i = 0; i < CHUNK; i++)
        o += (size_t)snprintf(sql + o, sizeof sql - o, i ? ", ?" : "?");
    snprintf(sql + o, sizeof sql - o, ")");
    ts_stmt *st = RH->sql->prepare(run, sql);
    if (!st)
        return -1;
    ts_user **todo = malloc((u->n ? u->n : 1) * sizeof *todo);
    size_t nt = 0;
    for (size_t i = 0; i < u->n; i++)
        if (!u->recs[i]->pfetched) {
            ts_user *r = u->recs[i];
            r->pdata = calloc(u->nprofile, sizeof *r->pdata);
            r->pfetched = 1;
            todo[nt++] = r;
        }
    int ret = 0;
    for (size_t at = 0; at < nt && ret == 0; at += CHUNK) {
        size_t k = nt - at < CHUNK ? nt - at : CHUNK;
        ts_value ids[CHUNK];
        char types[CHUNK + 1];
        for (size_t i = 0; i < CHUNK; i++) {
            ids[i].i = i < k ? todo[at + i]->id : 0;
            types[i] = i < k ? 'i' : 'n';
        }
        types[CHUNK] = '\0';
        if (RH->sql->exec_array(st, types, ids) != 0) {
            ret = -1;
            break;
        }
        int rc;
        while ((rc = RH->sql->next(st)) > 0) {
            ts_user *r = ustore_by_id(u, RH->sql->col_int(st, 0));
            int64_t fid = RH->sql->col_int(st, 1);
            for (size_t p = 0; r && p < u->nprofile; p++)
                if (u->fieldids[p] == fid) {
                    const char *d = RH->sql->col_text(st, 2);
                    free(r->pdata[p]);
                    r->pdata[p] = strdup(d ? d : "");
                }
        }
        if (rc < 0)
            ret = -1;
    }
    free(todo);
    return ret;
}

static int is_deleted(const ustore *u, const ts_user *r)
{
    const char *d = r->v[u->c_deleted];
    return d && strcmp(d, "0") != 0;
}

size_t res_user_find_all(ts_run *run, ts_by by, const char *key, int64_t host,
                         const ts_user **out, size_t max)
{
    ustore *u = store_of(run);
    ts_user *one = NULL;
    if (!key || !*key)
        return 0;
    if (by == TS_BY_IDNUMBER || by == TS_BY_EMAIL)
        return ustore_by_vec(u, by == TS_BY_IDNUMBER, host, key, (ts_user **)out, max);
    if (by == TS_BY_USERNAME) {
        one = ustore_by_username(u, host < 0 ? 1 : host, key);
    } else if (by == TS_BY_ID) {
        int64_t id;
        one = value_int(key, &id) == 0 ? ustore_by_id(u, id) : NULL;
        if (one && host >= 0 && ustore_host(u, one) != host)
            one = NULL;
    }
    if (one && max > 0)
        out[0] = one;
    return one ? 1 : 0;
}

/* Not known yet: one query for this key alone (a lookup that was not prefetched). */
static int ensure_known(ts_run *run, ts_by by, const char *key, int64_t host)
{
    const char *keys[1] = { key };
    return res_user_prefetch(run, by, host, keys, 1);
}

int res_user_find(ts_run *run, ts_by by, const char *key, int64_t host, unsigned flags,
                  const ts_user **out)
{
    ustore *u = store_of(run);
    const ts_user *c[32];
    *out = NULL;
    if (!key || !*key || !by_column(by))
        return TS_R_NOTFOUND;
    if (ensure_known(run, by, key, host) != 0)
        return TS_R_ERROR;
    size_t n = res_user_find_all(run, by, key, host, c, 32);
    if (n > 32)
        return TS_R_AMBIGUOUS;
    /* Deleted accounts answer (to be revived) only when no live one matches. */
    const ts_user *live = NULL, *dead = NULL;
    size_t nlive = 0, ndead = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_deleted(u, c[i])) {
            dead = c[i];
            ndead++;
        } else {
            live = c[i];
            nlive++;
        }
    }
    if (nlive > 1)
        return TS_R_AMBIGUOUS;
    if (nlive == 0 && !(flags & TS_R_DELETED))
        return TS_R_NOTFOUND;
    if (nlive == 0 && ndead > 1)
        return TS_R_AMBIGUOUS;
    *out = nlive ? live : dead;
    return *out ? 1 : TS_R_NOTFOUND;
}

int64_t res_user_id(const ts_user *u) { return u ? u->id : 0; }
int64_t res_user_contextid(const ts_user *u) { return u ? u->ctxid : 0; }
int res_user_is_new(const ts_user *u) { return u && u->isnew; }

const char *res_user_value(const ts_user *u, int column)
{
    /* Every record has the site's column count; a negative index is a column the site
     * does not have. */
    return u && column >= 0 ? u->v[column] : NULL;
}

const char *res_user_profile(const ts_user *u, size_t i)
{
    return u && u->pdata ? u->pdata[i] : NULL;
}

const ts_user *res_user_created(ts_run *run, int64_t id, const char *const *names,
                                const char *const *values, size_t n, int64_t contextid)
{
    ustore *u = store_of(run);
    ts_user *r = ustore_rec_new(u, id);
    r->isnew = 1;
    r->pfetched = 1;
    r->ctxid = contextid;
    r->pdata = calloc(u->nprofile ? u->nprofile : 1, sizeof *r->pdata);
    for (size_t i = 0; i < n; i++) {
        /* Callers usually give the columns in the table's order: try that first. */
        int c = i < u->ncols && strcmp(u->cols[i], names[i]) == 0 ? (int)i
              : res_user_column(run, names[i]);
        if (c >= 0 && values[i]) {
            free(r->v[c]);
            r->v[c] = strdup(values[i]);
        }
    }
    ustore_add(u, r);
    ustore_journal_new(u, r);
    return r;
}

void res_user_changed(ts_run *run, const ts_user *u, int column, const char *value)
{
    ustore *s = store_of(run);
    if (u && column >= 0 && (size_t)column < s->ncols)
        ustore_set(s, (ts_user *)u, (size_t)column, value);
}

void res_user_profile_changed(ts_run *run, const ts_user *u, size_t i, const char *value)
{
    ustore *s = store_of(run);
    if (u && i < s->nprofile)
        ustore_set_pdata(s, (ts_user *)u, i, value);
}

void res_user_context_created(ts_run *run, const ts_user *u, int64_t contextid)
{
    ustore *s = store_of(run);
    if (!u)
        return;
    ustore_journal_change(s, (ts_user *)u);
    ((ts_user *)u)->ctxid = contextid;
}
