/* A test module for the enrol service's instances (version 2) in a real run: handler
 * "instances" does one action per line on the course `course` (shortname) and reports
 * the resolver's answer, so that test_instances_run.sh can check that enrol_instance
 * lookups follow instances added, switched, deleted and rolled back.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Actions: defaults | add | disable | enable | delete (the first instance of `method`,
 * any status) | lookup (enabled only) | lookupany.  Every action ends with a lookup of
 * `method` reported as "found <id>" or "none".  A `fail` column "yes" makes the line
 * fail after its writes (they are rolled back).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "toolsync/toolsync.h"

static const ts_runtime *host;
static const ts_resolve_api *res;
static const ts_enrol_api *enrol;

static const ts_column columns[] = {
    { "course", TS_COL_REQUIRED, "course shortname" },
    { "action", TS_COL_REQUIRED, "what to do" },
    { "method", TS_COL_OPTIONAL, "enrol plugin" },
    { "fail", TS_COL_OPTIONAL, "yes: fail after writing" },
    { NULL, 0, NULL },
};

/* The action's write: > 0 id or count, 0 nothing, -1 failed. */
static int64_t act(ts_run *run, int64_t course, const char *action, const char *method)
{
    if (strcmp(action, "defaults") == 0)
        return enrol->instance_add_defaults(run, course);
    if (strcmp(action, "add") == 0) {
        ts_enrol_instance i = { TS_ENROL_INSTANCE_HEADER, .courseid = course,
                                .enrol = method };
        return enrol->instance_add(run, &i);
    }
    int64_t id = res->enrol_instance(run, course, method, 1);
    if (id <= 0)
        return id == 0 ? 0 : -1;
    if (strcmp(action, "disable") == 0 || strcmp(action, "enable") == 0)
        return enrol->instance_set_status(run, id, action[0] == 'd' ? TS_INSTANCE_DISABLED
                                                                    : TS_INSTANCE_ENABLED);
    if (strcmp(action, "delete") == 0)
        return enrol->instance_delete(run, id);
    return 0;
}

static int row(ts_run *run, void *state, ts_row *r)
{
    (void)state;
    const char *action = host->value(r, "action"), *method = host->value(r, "method");
    const char *fail = host->value(r, "fail");
    if (!method || !*method)
        method = "manual";
    int64_t course = res->course(run, TS_BY_SHORTNAME, host->value(r, "course"));
    if (course <= 0) {
        host->outcome(r, TS_ERROR, "unknowncourse", "course", "no such course");
        return TS_DONE;
    }
    int64_t done = act(run, course, action, method);
    if (done < 0)
        return TS_ERR;
    int any = strcmp(action, "lookup") != 0;
    int64_t found = res->enrol_instance(run, course, method, any);
    if (fail && strcmp(fail, "yes") == 0) {
        host->outcome(r, TS_ERROR, "refused", "fail", "failed after writing");
        return TS_DONE;
    }
    if (found > 0)
        host->outcome(r, TS_OK, "found", NULL, "%s %lld: found %lld", action, (long long)done,
                      (long long)found);
    else
        host->outcome(r, TS_OK, "none", NULL, "%s %lld: none", action, (long long)done);
    return TS_DONE;
}

static const ts_handler instances = {
    TS_HANDLER_HEADER,
    .name = "instances", .summary = "enrol instance test handler",
    .default_file = "instances.csv", .columns = columns, .row = row,
};

static int init(const ts_runtime *rt)
{
    host = rt;
    res = rt->get_api(TS_RESOLVE_API, TS_RESOLVE_API_VERSION);
    enrol = rt->get_api(TS_ENROL_API, TS_ENROL_API_VERSION);
    if (!res || !enrol)
        return -1;
    return host->register_handler(&instances);
}

TOOLSYNC_MODULE("instmod", "1.0", "test module for enrol instances", NULL, init, NULL);
