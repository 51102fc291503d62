/* The account store of the user resolver (ustore.c), shared with users.c.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef TS_RESOLVE_USTORE_H
#define TS_RESOLVE_USTORE_H

#include "resolve/resolve.h"

struct ts_user {
    int64_t id;
    char **v;               /* text of each {user} column, NULL = SQL NULL            */
    char **pdata;           /* user_info_data of the profile fields asked for         */
    int pfetched;           /* pdata was read (or the account is new)                 */
    int isnew;              /* created by this batch                                  */
    int64_t ctxid;          /* the user context (0: none known)                       */
};

struct ustore_undo { ts_user *rec; ts_user *copy; };   /* copy NULL: created by the row */

struct ustore {
    ts_user **recs;
    size_t n, cap;
    ts_map *by_id;          /* "<id>"                  -> ts_user *                    */
    ts_map *by_uname;       /* "<host>\x1f<username>"  -> pvec of ts_user *            */
    ts_map *by_idn;         /* idnumber (folded)       -> pvec                          */
    ts_map *by_email;       /* e-mail (folded)         -> pvec                          */
    ts_map *asked;          /* "<by>\x1f<host>\x1f<key>" already read from the database */
    struct ustore_undo *undo;
    size_t nundo, capundo;
    int fold;               /* keys compared case-insensitively (MariaDB collation)    */
    /* the site's {user} columns */
    const char *const *cols;
    size_t ncols;
    /* user_read_columns: only the columns marked are read, and the store outlives the
     * batch (up to USTORE_KEEP accounts) */
    unsigned char *want;
    size_t c_username, c_host, c_idnumber, c_email, c_deleted;
    /* the SQL of fetch_stmt, built once per key kind (with or without the host) */
    char *fetch_sql[8][2];
    /* profile fields read with each account */
    int64_t *fieldids;
    size_t nprofile;
};

/* Accounts a narrow store keeps across batches; past it, the next batch starts afresh. */
#define USTORE_KEEP 50000

ts_user *ustore_rec_new(ustore *u, int64_t id);
char *ustore_key(const ustore *u, const char *s);
int64_t ustore_host(const ustore *u, const ts_user *r);
void ustore_add(ustore *u, ts_user *r);
ts_user *ustore_by_id(const ustore *u, int64_t id);
ts_user *ustore_by_username(const ustore *u, int64_t host, const char *username);
size_t ustore_by_vec(const ustore *u, int idn, int64_t host, const char *v, ts_user **out,
                     size_t max);
void ustore_journal_new(ustore *u, ts_user *r);
void ustore_journal_change(ustore *u, ts_user *r);
void ustore_set(ustore *u, ts_user *r, size_t c, const char *value);
void ustore_set_pdata(ustore *u, ts_user *r, size_t i, const char *value);

#endif
