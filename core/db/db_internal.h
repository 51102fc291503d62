/* Private structures of the SQL layer, shared by db.c and the drivers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A driver embeds `struct db` / `struct db_stmt` as the first member of its own
 * connection / statement structure and casts back and forth.
 */
#ifndef TS_DB_INTERNAL_H
#define TS_DB_INTERNAL_H

#include "db.h"

/* First word of a statement; only SELECT is known not to write. */
typedef enum {
    DB_VERB_OTHER = 0, DB_VERB_SELECT, DB_VERB_INSERT, DB_VERB_UPDATE, DB_VERB_DELETE
} db_verb;

/* Rows inserted per table since its statistics were last refreshed (stats.c). */
#define DB_STATS_TABLES 16
typedef struct {
    char name[64];
    uint64_t inserted, threshold;
} db_table_stats;

struct db {
    const db_driver *drv;
    ts_db_kind kind;
    char *prefix;
    uint64_t writes;
    uint64_t reads;         /* SELECTs run: what the caches save is counted in tests */
    db_table_stats stats[DB_STATS_TABLES];
    int nstats;
    struct db_later *later;  /* rows queued by db_insert_later (later.c), or NULL */
    int lost;              /* the last error meant the connection is gone */
    char err[1024];        /* last error message (never holds the password) */
};

struct db_stmt {
    db *d;
    int nparams;
    db_verb verb;
    int stats_slot;        /* INSERT: its table's entry in d->stats, else -1 */
    char *sql;             /* expanded text: does it name a table with rows queued?  */
};

/* The nt values of `types` from a va_list into args (db_execv, db_insert_laterv). */
void db_args_from(const char *types, size_t nt, va_list ap, db_arg *args);

/* later.c: sends the queued rows before a statement naming one of their tables (any
 * statement when sql is NULL), 0 or -1; drops them (rollback); frees the queue. */
int db_later_before(db *d, const char *sql);
int db_later_send(db *d);
void db_later_drop(db *d);
void db_later_free(db *d);

/* stats.c: keeps the planner's statistics up with bulk loads. */
int db_stats_slot(db *d, const char *sql);
void db_stats_after_commit(db *d);

/* Records the connection's last error (printf-style); `lost` marks connection loss. */
void db_set_error(db *d, int lost, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void db_clear_error(db *d);
/* Driver table entries most drivers share. */
const char *db_base_error(const db *d);
int db_base_connection_lost(const db *d);

/* Fills the common part of a statement a driver just allocated. */
void db_stmt_init(db_stmt *st, db *d, const char *sql, int nparams);

/* Text of a transaction operation ("SAVEPOINT x", ...), written into buf. */
const char *db_txn_sql(db_txn_op op, const char *name, ts_db_kind kind,
                       char *buf, size_t len);

/* Dialect helpers (dialect.c). */
char *dialect_expand_n(ts_db_kind kind, const char *prefix, const char *sql,
                       int *nparams);
db_verb dialect_verb(const char *sql);
/* Does `word` (case-insensitive, whole word) occur outside literals and comments? */
int dialect_has_word(ts_db_kind kind, const char *sql, const char *word);
/* Is s a non-empty [a-z0-9_]+ (ok_upper: also A-Z) name of at most maxlen bytes? */
int dialect_valid_name(const char *s, size_t maxlen, int ok_upper);

#endif
