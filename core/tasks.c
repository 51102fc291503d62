/* Tasks: named sequences of handlers run by one command, in the order Moodle's
 * tool_sync runs them (spec 00 §12, spec 10 §2), so that cron needs one line per task.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The built-in tasks follow the reference plugin's scheduled tasks (courses: deletions
 * before creations, then metacourses; cohorts then their bindings) plus `courses-all`,
 * the order of a combined course run: reset, check, delete, create, metas.  A `task`
 * section of toolsync.conf replaces or adds one:  task "nightly" { run = {"users",
 * "enrols"} }.  A handler of a module not loaded is skipped with a note.
 */
#include <stdio.h>
#include <string.h>
#include "config.h"
#include "engine.h"

typedef struct {
    const char *name;
    const char *handlers[6];
} builtin_task;

static const builtin_task BUILTIN[] = {
    { "users", { "users" } },
    { "enrols", { "enrols" } },
    { "pictures", { "pictures" } },
    { "cohorts", { "cohorts", "cohorts-courses" } },
    { "courses", { "courses-delete", "courses", "courses-metas" } },
    { "courses-all", { "courses-reset", "courses-check", "courses-delete", "courses",
                       "courses-metas" } },
    { "groups", { "groups", "groupmembers" } },
};
#define NBUILTIN (sizeof BUILTIN / sizeof BUILTIN[0])

/* The handlers of a task into out[] (at most max): configured first, else built in.
 * Their number, or -1 when there is no such task. */
static long task_handlers(engine *e, const char *name, const char **out, size_t max)
{
    cfg_t *sec = cfg_gettsec(e->cfg, "task", name);
    if (sec) {
        size_t n = cfg_size(sec, "run");
        for (size_t i = 0; i < n && i < max; i++)
            out[i] = cfg_getnstr(sec, "run", (unsigned)i);
        return (long)(n < max ? n : max);
    }
    for (size_t t = 0; t < NBUILTIN; t++) {
        if (strcmp(BUILTIN[t].name, name) != 0)
            continue;
        size_t n = 0;
        while (n < 6 && n < max && BUILTIN[t].handlers[n])
            out[n] = BUILTIN[t].handlers[n], n++;
        return (long)n;
    }
    return -1;
}

static void list_tasks(engine *e)
{
    const char *h[32];
    unsigned nconf = cfg_size(e->cfg, "task");
    for (unsigned i = 0; i < nconf; i++) {
        const char *name = cfg_title(cfg_getnsec(e->cfg, "task", i));
        long n = task_handlers(e, name, h, 32);
        printf("%-14s", name);
        for (long k = 0; k < n; k++)
            printf(" %s", h[k]);
        printf("   (toolsync.conf)\n");
    }
    for (size_t t = 0; t < NBUILTIN; t++) {
        if (cfg_gettsec(e->cfg, "task", BUILTIN[t].name))
            continue;
        long n = task_handlers(e, BUILTIN[t].name, h, 32);
        printf("%-14s", BUILTIN[t].name);
        for (long k = 0; k < n; k++)
            printf(" %s", h[k]);
        printf("\n");
    }
}

int run_task(engine *e, const char *name)
{
    if (!name) {
        list_tasks(e);
        return TS_EXIT_OK;
    }
    const char *h[32];
    long n = task_handlers(e, name, h, 32);
    if (n < 0) {
        fprintf(stderr, "toolsync: no task named '%s' (toolsync task lists them)\n", name);
        return TS_EXIT_FATAL;
    }
    int worst = TS_EXIT_OK;
    for (long i = 0; i < n; i++) {
        handler_entry *he = loader_find_handler(e, h[i]);
        if (!he) {
            ts_logf(TS_LOG_INFO, "task %s: handler %s skipped (its module is not loaded)",
                    name, h[i]);
            continue;
        }
        int st = run_waiting(e, he);
        if (st > worst)
            worst = st;
        /* A configuration or database failure stops the task: what follows depends on
         * what failed (a course not created cannot take its meta links). */
        if (st == TS_EXIT_FATAL)
            break;
    }
    return worst;
}
