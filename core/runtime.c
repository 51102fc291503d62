/* The runtime table handed to modules: registration, service look-up, configuration of
 * the calling module, the input row, outcomes; and what the core's services share about
 * the run (svc.h).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "run.h"
#include "svc.h"
#include "resolve/resolve.h"
#include "moodle/enrol.h"

int loader_register_handler(const ts_handler *h);
int loader_register_command(const ts_command *c);

/* --- configuration ------------------------------------------------------------------- */

static const char *h_conf_str(ts_run *r, const char *name)
{
    return config_module_str(r->e->cfg, r->mod->desc->name, name);
}
static long h_conf_int(ts_run *r, const char *name)
{
    return config_module_int(r->e->cfg, r->mod->desc->name, name);
}
static int h_conf_bool(ts_run *r, const char *name)
{
    return config_module_bool(r->e->cfg, r->mod->desc->name, name);
}
static const char *h_global_str(ts_run *r, const char *name)
{
    return config_global_str(r->e->cfg, name);
}

/* --- the row ------------------------------------------------------------------------------ */

static const char *h_value(ts_row *row, const char *name)
{
    long i = header_index(row->run, name);
    if (i < 0)
        return NULL;
    /* Missing trailing cells read as empty (spec 00 §5.6). */
    return (size_t)i < row->nfields ? row->fields[i] : "";
}
static size_t h_ncolumns(ts_run *r) { return r->ncols; }
static const char *h_column_name(ts_run *r, size_t i) { return i < r->ncols ? r->cols[i] : NULL; }
static const char *h_value_at(ts_row *row, size_t i)
{
    if (i >= row->run->ncols)
        return NULL;
    return i < row->nfields ? row->fields[i] : "";
}
static long h_line(ts_row *row) { return row->line; }
static long h_column_index(ts_run *r, const char *name) { return header_index(r, name); }


static void h_outcome(ts_row *row, ts_status st, const char *key, const char *column,
                      const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (row)
        row_add_msg(row, st, key, column, text);
}

static int h_row_status(ts_row *row)
{
    return row && row->nmsgs ? (int)row_status(row) : -1;
}

static void file_message(ts_run *r, ts_status st, const char *key, const char *column,
                         const char *text)
{
    char full[2200];
    if (column && *column)
        snprintf(full, sizeof full, "column %s: %s", column, text);
    else
        snprintf(full, sizeof full, "%s", text);
    /* A module's command has no report: its outcomes are its output. */
    if (r && r->cmd) {
        command_say(r, st, key, full);
        return;
    }
    if (r && r->rep)
        report_file(r->rep, st, key, full);
    if (st == TS_ERROR)
        ts_logf(TS_LOG_ERROR, "%s: %s", key, text);
}

static void h_file_outcome(ts_run *r, ts_status st, const char *key, const char *column,
                           const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    file_message(r, st, key, column, text);
}

static void h_log(ts_log_level lvl, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ts_vlogf(lvl, fmt, ap);
    va_end(ap);
}

static int64_t h_now(ts_run *r) { return r->now; }
static int h_dry_run(ts_run *r) { return r->e->flags.dry_run; }

/* --- what the services share (svc.h) ------------------------------------------------- */

moodle_site *run_site(ts_run *r) { return r->e->site; }
db *run_db(ts_run *r) { return r->e->db; }
int64_t run_now(ts_run *r) { return r->now; }
void run_fail(ts_run *r, const char *key, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (r && r->current)
        row_set_reason(r->current, key, text);
    else   /* a module's command has no row: the reason of its failure is an error */
        ts_logf(r && r->cmd ? TS_LOG_ERROR : TS_LOG_WARN, "%s: %s", key, text);
}

int run_fail_moodle(ts_run *r, const char *key, const char *what)
{
    const char *why = moodle_error(r->e->site);
    run_fail(r, key, "%s%s%s", what, why && *why ? ": " : "", why ? why : "");
    return -1;
}

static const ts_runtime runtime = {
    .size = sizeof(ts_runtime),
    .abi_major = TOOLSYNC_ABI_MAJOR,
    .abi_minor = TOOLSYNC_ABI_MINOR,
    .register_handler = loader_register_handler,
    .get_api = api_get,
    .log = h_log,
    .conf_str = h_conf_str,
    .conf_int = h_conf_int,
    .conf_bool = h_conf_bool,
    .global_str = h_global_str,
    .ncolumns = h_ncolumns,
    .column_name = h_column_name,
    .column_index = h_column_index,
    .value = h_value,
    .value_at = h_value_at,
    .line = h_line,
    .outcome = h_outcome,
    .row_status = h_row_status,
    .file_outcome = h_file_outcome,
    .now = h_now,
    .dry_run = h_dry_run,
    .register_command = loader_register_command,
};

const ts_runtime *runtime_table(void) { return &runtime; }

/* --- the run's resolvers and purge sink ------------------------------------------------ */

static resolver *run_resolver(ts_run *r) { return r->res; }

static const resolve_host resolve_host_of_core = {
    .of = run_resolver, .site = run_site, .now = run_now, .fail = run_fail,
    .sql = &svc_sql, .groups = &svc_groups, .cohorts = &svc_cohorts, .bridge = &svc_bridge,
};

void run_resolvers_begin(ts_run *r)
{
    resolve_bind(&resolve_host_of_core);
    r->res = resolver_new(db_kind(r->e->db) == TS_DB_MARIADB);
    r->npurges = 0;
    moodle_set_purge_sink(r->e->site, run_request_purge, r);
}

void run_resolvers_end(ts_run *r)
{
    resolver_free(r->res);
    r->res = NULL;
    if (r->e->site)
        moodle_set_purge_sink(r->e->site, NULL, NULL);
}
