/* Internal structures shared by the core's files: the loaded modules and handlers, the
 * configuration, and one run (one input file processed by one handler).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef TS_ENGINE_H
#define TS_ENGINE_H

#include <stdio.h>
#include <time.h>
#include <confuse.h>
#include "toolsync/toolsync.h"
#include "db/db.h"
#include "moodle/moodle.h"
#include "report.h"
#include "csvin.h"

#define TS_MAX_MODULES 32
#define TS_MAX_HANDLERS 64
#define TS_MAX_COMMANDS 32

/* Exit statuses, for cron and monitoring. */
enum {
    TS_EXIT_OK = 0,         /* every line applied (OK, SKIP, WARN)          */
    TS_EXIT_LINES = 1,      /* some lines failed and went to the tryback    */
    TS_EXIT_FILE = 2,       /* file rejected: missing, header, lock busy    */
    TS_EXIT_FATAL = 3       /* configuration or database failure            */
};

typedef struct module_entry {
    void *handle;                    /* lt_dlhandle                                */
    const ts_module_desc *desc;      /* = &copy                                    */
    ts_module_desc copy;             /* the module's descriptor, as much of it as it
                                        has (the rest zero): never read past its size */
    ts_option *options;              /* its options, normalised to our layout      */
    char path[4200];
} module_entry;

typedef struct handler_entry {
    const ts_handler *h;             /* = &copy                                    */
    ts_handler copy;                 /* as registered, normalised like the desc    */
    ts_column *columns;              /* normalised to our layout                   */
    module_entry *mod;
} handler_entry;

typedef struct command_entry {
    const ts_command *c;             /* = &copy                                    */
    ts_command copy;                 /* as registered, normalised like the desc    */
    module_entry *mod;
} command_entry;

/* Command-line switches that shape a run. */
typedef struct {
    int dry_run;
    int verbose;
    int quiet;
    int no_capture;
    int stats;
    int progress;           /* -1 auto (a terminal), 0 off, 1 on */
} run_flags;

typedef struct engine {
    cfg_t *cfg;                      /* validated configuration                     */
    char conf_path[1024];
    module_entry modules[TS_MAX_MODULES];
    size_t nmodules;
    handler_entry handlers[TS_MAX_HANDLERS];
    size_t nhandlers;
    command_entry commands[TS_MAX_COMMANDS];   /* modules' own commands (ABI 2.2)  */
    size_t ncommands;
    module_entry *loading;           /* module whose init() is running             */
    db *db;                          /* opened on demand                           */
    moodle_site *site;
    struct bridge *bridge;           /* Moodle's PHP, made on first use            */
    run_flags flags;
} engine;

/* --- config.c ------------------------------------------------------------------------ */
/* Overrides given with --set, applied after each parse. */
typedef struct { const char *key; const char *value; } conf_override;
/* First pass: global options only (unknown sections ignored) to learn the modules. */
cfg_t *config_parse_global(const char *path, const conf_override *ov, size_t nov);
/* Second pass: everything, strictly, including the loaded modules' sections. */
cfg_t *config_parse_full(const char *path, const conf_override *ov, size_t nov,
                         const module_entry *mods, size_t nmods);
/* A global value as text (strings, ints, bools: "true"/"false"). */
const char *config_global_str(cfg_t *cfg, const char *name);
/* A module option as text; "" when absent. */
const char *config_module_str(cfg_t *cfg, const char *module, const char *name);
long config_module_int(cfg_t *cfg, const char *module, const char *name);
int config_module_bool(cfg_t *cfg, const char *module, const char *name);
int config_db_params(cfg_t *cfg, db_params *p, char *err, size_t errlen);

/* --- loader.c ------------------------------------------------------------------------ */
int loader_load_all(engine *e, cfg_t *global);
void loader_unload_all(engine *e);
handler_entry *loader_find_handler(engine *e, const char *name);
command_entry *loader_find_command(engine *e, const char *name);
void host_set_engine(engine *e);       /* for register_handler during init */

/* --- log.c --------------------------------------------------------------------------- */
void ts_log_setup(int quiet, int verbose);
void ts_logf(ts_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ts_vlogf(ts_log_level lvl, const char *fmt, va_list ap);

/* --- run.c: one file through one handler ---------------------------------------------- */
int run_handler(engine *e, handler_entry *he, const char *explicit_file);
/* `run` without a file: the first waiting file, or with TS_H_EVERY_MATCH each in turn.
 * The worst exit status. */
int run_waiting(engine *e, handler_entry *he);
/* tasks.c: runs a task's handlers in order (NULL: lists the tasks).  The worst status. */
int run_task(engine *e, const char *name);
/* run_command.c: a module's command, as a run without input; its exit status. */
int run_command(engine *e, command_entry *ce, int argc, char **argv);
/* Opens the database and the Moodle site once; 0 or -1 (logged). */
int engine_open_site(engine *e);
/* run_bridge.c: `check`'s line about the PHP bridge (0 ok or not configured, -1 it
 * fails), and freeing the bridge at exit. */
int engine_bridge_check(engine *e);
void engine_bridge_free(engine *e);

#endif
