/* An out-of-tree toolsync module: handler "hello" reads username and (optionally) a
 * course shortname, says whether the account exists and, with a course, enrols it there
 * as a student through the core's services.  A starting point for sites' own modules.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Build it against the installed SDK alone:
 *   cc -shared -fPIC $(pkg-config --cflags toolsync-sdk) -o hello.so hello.c
 */
#include <toolsync/toolsync.h>

static const ts_runtime *rt;
static const ts_resolve_api *res;
static const ts_enrol_api *enrol;

static const ts_option options[] = {
    { "filelocation", TS_OPT_STRING, "", NULL, "where hello.csv is" },
    { NULL, 0, NULL, NULL, NULL },
};

static const ts_column columns[] = {
    { "username", TS_COL_REQUIRED, "the account to look for" },
    { "course", TS_COL_OPTIONAL, "shortname of a course to enrol it in, as a student" },
    { NULL, 0, NULL },
};

/* One query for the accounts of the whole batch. */
static int prefetch(ts_run *run, void *state, ts_row *const *rows, size_t n)
{
    const char *keys[256];
    size_t k = 0;
    (void)state;
    for (size_t i = 0; i < n && k < 256; i++)
        keys[k++] = rt->value(rows[i], "username");
    return res->user_prefetch(run, TS_BY_USERNAME, 1, keys, k) == 0 ? TS_DONE : TS_ERR;
}

static int enrol_in(ts_run *run, ts_row *r, int64_t userid, const char *shortname)
{
    int64_t course = res->course(run, TS_BY_SHORTNAME, shortname);
    int64_t instance = course > 0 ? res->enrol_instance(run, course, "manual", 0) : 0;
    int64_t student = res->role(run, TS_BY_SHORTNAME, "student");
    if (course <= 0 || instance <= 0 || student <= 0) {
        rt->outcome(r, TS_ERROR, "errornocourse", "course",
                    "no course '%s' with a manual enrolment", shortname);
        return TS_DONE;
    }
    ts_enrolment e = { TS_ENROLMENT_HEADER, .enrolid = instance, .userid = userid,
                       .roleid = student, .status = TS_ENROLMENT_ACTIVE };
    int done = enrol->enrol_user(run, &e);
    if (done < 0)
        return TS_ERR;   /* the core reports why */
    rt->outcome(r, done ? TS_OK : TS_SKIP, "enrolled", "course", "%s in %s",
                done ? "enrolled" : "already enrolled", shortname);
    return TS_DONE;
}

static int row(ts_run *run, void *state, ts_row *r)
{
    const char *username = rt->value(r, "username"), *course = rt->value(r, "course");
    const ts_user *u = NULL;
    (void)state;
    if (res->user_find(run, TS_BY_USERNAME, username, 1, 0, &u) <= 0) {
        rt->outcome(r, TS_ERROR, "usernotfound", "username", "no user '%s'", username);
        return TS_DONE;
    }
    if (course && *course)
        return enrol_in(run, r, res->user_id(u), course);
    rt->outcome(r, TS_SKIP, "userexists", NULL, "%s has id %lld", username,
                (long long)res->user_id(u));
    return TS_DONE;
}

static const ts_handler hello = {
    TS_HANDLER_HEADER,
    .name = "hello",
    .summary = "says whether each username exists, and enrols it in a course",
    .default_file = "hello.csv",
    .location_option = "filelocation",
    .columns = columns,
    .prefetch = prefetch,
    .row = row,
};

static int init(const ts_runtime *runtime)
{
    rt = runtime;
    res = rt->get_api(TS_RESOLVE_API, TS_RESOLVE_API_VERSION);
    enrol = rt->get_api(TS_ENROL_API, TS_ENROL_API_VERSION);
    if (!res || !enrol) {
        rt->log(TS_LOG_ERROR, "hello: this toolsync lacks the resolve or enrol service");
        return -1;
    }
    return rt->register_handler(&hello);
}

TOOLSYNC_MODULE("hello", "2.0", "example out-of-tree module", options, init, NULL);
