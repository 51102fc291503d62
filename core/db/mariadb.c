/* MariaDB/MySQL driver (libmariadb): prepared statements with binds.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * autocommit stays on; db_begin opens an explicit transaction.  Result sets are
 * buffered on the client (mysql_stmt_store_result) so that other statements can run
 * while one is being read.  CLIENT_FOUND_ROWS makes UPDATE report the rows it matched,
 * as PostgreSQL and SQLite do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>
#include "db_internal.h"

typedef struct {
    struct db base;
    MYSQL *m;
} my_db;

typedef struct {
    struct db_stmt base;
    MYSQL_STMT *s;
    /* parameters */
    MYSQL_BIND *pb;
    long long *pint;
    unsigned long *plen;
    /* result columns, fetched as text */
    unsigned ncols;
    MYSQL_BIND *rb;
    char **rbuf;
    unsigned long *rcap;    /* bytes allocated for rbuf[i] */
    unsigned long *rlen;
    my_bool *rnull, *rerr;
    int has_result;         /* a result set is buffered */
    int has_row;
    int64_t last_id, changes;
} my_stmt;

#define MY(d) ((my_db *)(d))
#define MYS(st) ((my_stmt *)(st))

static int lost_errno(unsigned e)
{
    return e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST || e == CR_SERVER_LOST_EXTENDED ||
           e == CR_CONNECTION_ERROR || e == CR_CONN_HOST_ERROR || e == ER_CONNECTION_KILLED ||
           e == ER_SERVER_SHUTDOWN;
}

static int fail_conn(db *d)
{
    MYSQL *m = MY(d)->m;
    unsigned e = mysql_errno(m);
    db_set_error(d, lost_errno(e), "%s (%u)", mysql_error(m), e);
    return -1;
}

static int fail_stmt(my_stmt *st)
{
    unsigned e = mysql_stmt_errno(st->s);
    db_set_error(st->base.d, lost_errno(e), "%s (%u)", mysql_stmt_error(st->s), e);
    return -1;
}

static db *my_open(const db_params *p, char *err, size_t errlen)
{
    my_db *d = calloc(1, sizeof *d);
    if (!d || !(d->m = mysql_init(NULL))) {
        snprintf(err, errlen, "out of memory");
        free(d);
        return NULL;
    }
    unsigned timeout = 10;
    my_bool off = 0;
    mysql_options(d->m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_options(d->m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_options(d->m, MYSQL_OPT_RECONNECT, &off);   /* a silent reconnect loses the txn */

    const char *host = p->host && *p->host ? p->host : NULL;
    const char *sock = p->socket && *p->socket ? p->socket : NULL;
    if (host && host[0] == '/' && !sock) {            /* a socket path given as host */
        sock = host;
        host = "localhost";
    }
    if (!mysql_real_connect(d->m, host, p->user, p->password, p->name,
                            p->port > 0 ? (unsigned)p->port : 0, sock,
                            CLIENT_FOUND_ROWS | CLIENT_MULTI_STATEMENTS)) {
        /* libmariadb takes the socket only for a missing host or "localhost". */
        int by_socket = !host || strcmp(host, "localhost") == 0;
        char where[300];
        if (by_socket)
            snprintf(where, sizeof where, "%s", sock ? sock : "the default socket");
        else if (p->port > 0)
            snprintf(where, sizeof where, "%s:%d", host, p->port);
        else
            snprintf(where, sizeof where, "%s", host);
        snprintf(err, errlen, "MariaDB: cannot connect to database %s on %s as %s: %s",
                 p->name && *p->name ? p->name : "(none)", where,
                 p->user && *p->user ? p->user : "(default user)", mysql_error(d->m));
        mysql_close(d->m);
        free(d);
        return NULL;
    }
    /* A server configured without strict mode cuts an overlong value to the column and
     * says nothing: the line would be reported OK and a re-run would create a second
     * object.  Strict mode on our session makes it an error of that line instead. */
    if (mysql_query(d->m, "SET SESSION sql_mode = 'STRICT_ALL_TABLES,"
                          "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'") != 0) {
        snprintf(err, errlen, "MariaDB: cannot set a strict sql_mode: %s", mysql_error(d->m));
        mysql_close(d->m);
        free(d);
        return NULL;
    }
    return &d->base;
}

static void my_close(db *d)
{
    mysql_close(MY(d)->m);
    free(d);
}

static int my_exec_script(db *d, const char *sql)
{
    MYSQL *m = MY(d)->m;
    int st;
    if (mysql_real_query(m, sql, strlen(sql)))
        return fail_conn(d);
    do {
        MYSQL_RES *r = mysql_store_result(m);
        if (r)
            mysql_free_result(r);
        else if (mysql_field_count(m) != 0)
            return fail_conn(d);
        st = mysql_next_result(m);
        if (st > 0)
            return fail_conn(d);
    } while (st == 0);
    return 0;
}

static void free_stmt(my_stmt *st)
{
    if (st->s)
        mysql_stmt_close(st->s);
    for (unsigned i = 0; st->rbuf && i < st->ncols; i++)
        free(st->rbuf[i]);
    free(st->pb);
    free(st->pint);
    free(st->plen);
    free(st->rb);
    free(st->rbuf);
    free(st->rcap);
    free(st->rlen);
    free(st->rnull);
    free(st->rerr);
    free(st);
}

static int alloc_results(my_stmt *st, unsigned n)
{
    st->ncols = n;
    st->rb = calloc(n, sizeof *st->rb);
    st->rbuf = calloc(n, sizeof *st->rbuf);
    st->rcap = calloc(n, sizeof *st->rcap);
    st->rlen = calloc(n, sizeof *st->rlen);
    st->rnull = calloc(n, sizeof *st->rnull);
    st->rerr = calloc(n, sizeof *st->rerr);
    if (!st->rb || !st->rbuf || !st->rcap || !st->rlen || !st->rnull || !st->rerr)
        return -1;
    for (unsigned i = 0; i < n; i++) {
        st->rcap[i] = 64;
        if (!(st->rbuf[i] = malloc(st->rcap[i])))
            return -1;
        st->rb[i].buffer_type = MYSQL_TYPE_STRING;
        st->rb[i].buffer = st->rbuf[i];
        st->rb[i].buffer_length = st->rcap[i] - 1;   /* room for our '\0' */
        st->rb[i].length = &st->rlen[i];
        st->rb[i].is_null = &st->rnull[i];
        st->rb[i].error = &st->rerr[i];
    }
    return 0;
}

static db_stmt *my_prepare(db *d, const char *sql, int nparams)
{
    my_stmt *st = calloc(1, sizeof *st);
    if (!st || !(st->s = mysql_stmt_init(MY(d)->m))) {
        if (st)
            fail_conn(d);
        else
            db_set_error(d, 0, "out of memory");
        free(st);
        return NULL;
    }
    if (mysql_stmt_prepare(st->s, sql, strlen(sql))) {
        fail_stmt(st);
        free_stmt(st);
        return NULL;
    }
    (void)nparams;   /* the server counts the placeholders */
    unsigned np = mysql_stmt_param_count(st->s);
    db_stmt_init(&st->base, d, sql, (int)np);
    if (np) {
        st->pb = calloc(np, sizeof *st->pb);
        st->pint = calloc(np, sizeof *st->pint);
        st->plen = calloc(np, sizeof *st->plen);
    }
    unsigned nc = mysql_stmt_field_count(st->s);
    if ((np && (!st->pb || !st->pint || !st->plen)) || (nc && alloc_results(st, nc) < 0)) {
        db_set_error(d, 0, "out of memory");
        free_stmt(st);
        return NULL;
    }
    return &st->base;
}

static void my_finalize(db_stmt *st)
{
    free_stmt(MYS(st));
}

static int my_execa(db_stmt *bst, const char *types, const db_arg *args)
{
    my_stmt *st = MYS(bst);
    int np = bst->nparams;

    if (st->has_result) {
        mysql_stmt_free_result(st->s);
        st->has_result = 0;
    }
    st->has_row = 0;
    st->last_id = st->changes = 0;
    for (int i = 0; i < np; i++) {
        MYSQL_BIND *b = &st->pb[i];
        memset(b, 0, sizeof *b);
        if (types[i] == 'i') {
            st->pint[i] = (long long)args[i].i;
            b->buffer_type = MYSQL_TYPE_LONGLONG;
            b->buffer = &st->pint[i];
        } else {
            const char *v = types[i] == 's' ? args[i].s : NULL;
            if (v) {
                st->plen[i] = strlen(v);
                b->buffer_type = MYSQL_TYPE_STRING;
                b->buffer = (void *)v;
                b->buffer_length = st->plen[i];
                b->length = &st->plen[i];
            } else {
                b->buffer_type = MYSQL_TYPE_NULL;
            }
        }
    }
    if (np && mysql_stmt_bind_param(st->s, st->pb))
        return fail_stmt(st);
    if (mysql_stmt_execute(st->s))
        return fail_stmt(st);
    if (mysql_stmt_field_count(st->s) > 0) {
        if (mysql_stmt_field_count(st->s) != st->ncols) {
            db_set_error(bst->d, 0, "result columns changed since the statement was prepared");
            return -1;
        }
        if (mysql_stmt_bind_result(st->s, st->rb) || mysql_stmt_store_result(st->s))
            return fail_stmt(st);
        st->has_result = 1;
    } else {
        st->last_id = (int64_t)mysql_stmt_insert_id(st->s);
        st->changes = (int64_t)mysql_stmt_affected_rows(st->s);
    }
    return 0;
}

static int my_next(db_stmt *bst)
{
    my_stmt *st = MYS(bst);
    st->has_row = 0;
    if (!st->has_result)
        return 0;
    int rc = mysql_stmt_fetch(st->s);
    if (rc == MYSQL_NO_DATA)
        return 0;
    if (rc == 1)
        return fail_stmt(st);
    if (rc == MYSQL_DATA_TRUNCATED) {
        /* Grow the buffers that were too small and fetch those columns again. */
        int rebind = 0;
        for (unsigned i = 0; i < st->ncols; i++) {
            if (st->rnull[i] || st->rlen[i] <= st->rb[i].buffer_length)
                continue;
            unsigned long cap = st->rlen[i] + 1;
            char *p = realloc(st->rbuf[i], cap);
            if (!p) {
                db_set_error(bst->d, 0, "out of memory");
                return -1;
            }
            st->rbuf[i] = p;
            st->rcap[i] = cap;
            st->rb[i].buffer = p;
            st->rb[i].buffer_length = cap - 1;
            if (mysql_stmt_fetch_column(st->s, &st->rb[i], i, 0))
                return fail_stmt(st);
            rebind = 1;
        }
        if (rebind && mysql_stmt_bind_result(st->s, st->rb))
            return fail_stmt(st);
    }
    for (unsigned i = 0; i < st->ncols; i++)
        st->rbuf[i][st->rnull[i] ? 0 : st->rlen[i]] = '\0';
    st->has_row = 1;
    return 1;
}

static int valid_col(my_stmt *st, int col)
{
    return st->has_row && col >= 0 && (unsigned)col < st->ncols;
}

static const char *my_col_text(db_stmt *bst, int col)
{
    my_stmt *st = MYS(bst);
    return valid_col(st, col) && !st->rnull[col] ? st->rbuf[col] : NULL;
}

static int64_t my_col_int(db_stmt *bst, int col)
{
    const char *v = my_col_text(bst, col);
    return v ? strtoll(v, NULL, 10) : 0;
}

static int my_col_null(db_stmt *bst, int col)
{
    my_stmt *st = MYS(bst);
    return valid_col(st, col) ? st->rnull[col] != 0 : 1;
}

static int my_ncols(db_stmt *st) { return (int)MYS(st)->ncols; }
static int64_t my_last_id(db_stmt *st) { return MYS(st)->last_id; }
static int64_t my_changes(db_stmt *st) { return MYS(st)->changes; }

static int my_txn(db *d, db_txn_op op, const char *name)
{
    char sql[128];
    db_txn_sql(op, name, TS_DB_MARIADB, sql, sizeof sql);
    if (mysql_real_query(MY(d)->m, sql, strlen(sql)))
        return fail_conn(d);
    return 0;
}

const db_driver db_driver_mariadb = {
    .name = "mariadb",
    .open = my_open,
    .close = my_close,
    .exec_script = my_exec_script,
    .prepare = my_prepare,
    .finalize = my_finalize,
    .execa = my_execa,
    .next = my_next,
    .col_int = my_col_int,
    .col_text = my_col_text,
    .col_null = my_col_null,
    .ncols = my_ncols,
    .last_id = my_last_id,
    .changes = my_changes,
    .sync = NULL,
    .reserve_id = NULL,
    .error = db_base_error,
    .connection_lost = db_base_connection_lost,
    .txn = my_txn,
    .set_pipeline = NULL,
};
