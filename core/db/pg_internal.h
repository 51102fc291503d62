/* The PostgreSQL driver's private types and its pipeline queue (pg_pipeline.c), shared
 * with the rest of the driver (pg.c).  See pg.c for why the driver pipelines.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef TS_DB_PG_INTERNAL_H
#define TS_DB_PG_INTERNAL_H

#include <libpq-fe.h>
#include "db_internal.h"

/* Past this many unanswered commands the queue is read (errors stay pending), so that
 * a caller that never synchronises cannot grow memory without bound. */
#define QUEUE_SOFT_MAX 8192

typedef enum { E_EXEC, E_PREPARE, E_CMD, E_QUERY, E_SYNC } ent_kind;

enum {
    EF_DISCARD = 1,   /* its error is being rolled back: do not report it               */
    EF_IGNORE = 2,    /* housekeeping (DEALLOCATE): an error here does not matter       */
    EF_OWN = 4        /* the caller waits for this one's result in pg->own              */
};

typedef enum { PREP_NONE, PREP_SENT, PREP_OK } prep_state;

typedef struct pg_stmt pg_stmt;

typedef struct {
    ent_kind kind;
    unsigned flags;
    pg_stmt *st;          /* E_EXEC / E_PREPARE; NULL once the statement was finalized */
    db_txn_op op;         /* E_CMD                                                     */
} ent;

typedef struct {
    char *table;
    int64_t *ids;
    size_t n, pos, block;
} id_cache;

typedef struct {
    struct db base;
    PGconn *c;
    ent *q;
    size_t qhead, qlen, qcap;     /* entries [qhead, qlen) are unanswered */
    char *pend_err;               /* first error not yet reported           */
    int pend_lost;
    char seg_err[1024];           /* last error of the current Sync segment  */
    PGresult *own;                /* result of the EF_OWN entry              */
    int in_txn;
    int pipeline;
    unsigned long nstmt;          /* for statement names                     */
    id_cache *ids;
    size_t nids;
} pg_db;

struct pg_stmt {
    struct db_stmt base;
    char name[24];
    char *sql;            /* text to prepare                                   */
    char *sql_plain;      /* the text without our RETURNING id (NULL if none)  */
    prep_state prep;
    const char **vals;
    char (*ibuf)[24];
    PGresult *res;        /* rows to hand out through db_next                  */
    int row;
    int64_t last_id, changes;
};

#define PG(d) ((pg_db *)(d))
#define PGS(st) ((pg_stmt *)(st))

/* pg_pipeline.c: errors, the queue of commands sent and the reading of their answers. */
int pgq_sqlstate_is(const PGresult *r, const char *code);
int pgq_sqlstate_lost(const PGresult *r);
void pgq_result_message(pg_db *pd, const PGresult *r, char *buf, size_t len);
int pgq_report(pg_db *pd);
int pgq_conn_bad(pg_db *pd);
void pgq_connection_gone(pg_db *pd);
int pgq_dead(pg_db *pd);
int pgq_push(pg_db *pd, ent_kind kind, pg_stmt *st, unsigned flags, db_txn_op op);
int pgq_queue_empty(const pg_db *pd);
int pgq_send_sync(pg_db *pd);
void pgq_set_result(pg_stmt *st, PGresult *r);
void pgq_collect(pg_db *pd);
void pgq_flush_all(pg_db *pd);
int pgq_sync(db *d);

#endif
