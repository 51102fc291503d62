/* The self and guest columns (spec 10 §2.6) and teacherN_account/_role (§2.8, engine
 * rules: the user is enrolled in the course's manual instance with that role).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "courses.h"

static int instance_switch(cstate *s, ts_row *r, int64_t courseid, const char *plugin,
                           int on)
{
    int64_t inst = R->enrol_instance(s->run, courseid, plugin, 1);
    if (inst < 0)
        return -1;
    if (inst > 0)
        return E->instance_set_status(s->run, inst, on ? TS_INSTANCE_ENABLED
                                                       : TS_INSTANCE_DISABLED) < 0 ? -1 : 0;
    if (!on)
        return 0;
    /* A new instance: roleid 0 takes the plugin's default role (self: student). */
    ts_enrol_instance i = { TS_ENROL_INSTANCE_HEADER, .courseid = courseid, .enrol = plugin,
                            .status = TS_INSTANCE_ENABLED };
    return E->instance_add(s->run, &i) > 0 ? 0 : -1;
}

int enrols_apply(cstate *s, ts_row *r, int64_t courseid, int creating)
{
    static const char *const PLUGINS[] = { "guest", "self" };
    long cols[2] = { s->c_guest, s->c_self };
    (void)creating;
    for (int k = 0; k < 2; k++) {
        const char *v = cols[k] >= 0 ? RT->value_at(r, (size_t)cols[k]) : NULL;
        int on;
        if (!v || !*v)
            continue;
        if (U->parse_bool(v, &on) != 0) {
            RT->outcome(r, TS_ERROR, "errorvalidation", PLUGINS[k], "%s: '%s' is not 0 or 1",
                        PLUGINS[k], v);
            return -1;
        }
        if (instance_switch(s, r, courseid, PLUGINS[k], on) != 0)
            return -1;
    }
    return 0;
}

/* --- teachers ------------------------------------------------------------------------ */

int teachers_check(cstate *s, ts_row *r)
{
    for (int n = 1; n < s->nteachers; n++) {
        const char *role = s->c_teacher_role[n] >= 0
                         ? RT->value_at(r, (size_t)s->c_teacher_role[n]) : NULL;
        const char *acc = s->c_teacher_account[n] >= 0
                        ? RT->value_at(r, (size_t)s->c_teacher_account[n]) : NULL;
        if (role && *role && (!acc || !*acc)) {
            RT->outcome(r, TS_ERROR, "errornoteacheraccountkey", "teacher",
                        "teacher%d_role is given without teacher%d_account", n, n);
            return -1;
        }
    }
    return 0;
}

/* A user by id, or by a search as Moodle's user listing does it (exact username, or
 * part of the full name or e-mail, any case), neither deleted nor the guest. */
static int64_t find_user(cstate *s, ts_row *r, int n, const char *v)
{
    int64_t id;
    ts_stmt *st;
    if (U->parse_int(v, &id) == 0) {
        st = SQL->prepare(s->run, "SELECT id FROM {user} WHERE id = ? AND deleted = 0");
        id = st && SQL->exec(st, "i", id) == 0 ? SQL->single_id(st) : -1;
        if (id == 0)
            RT->outcome(r, TS_ERROR, "errorvalidationbaduserid", "teacher",
                        "teacher%d_account: no user with id %s", n, v);
        return id;
    }
    st = SQL->prepare(s->run, s->db == TS_DB_MARIADB
        ? "SELECT id FROM {user} WHERE deleted = 0 AND id <> ? AND (LOWER(username) = "
          "LOWER(?) OR LOWER(email) LIKE ? OR LOWER(CONCAT(firstname, ' ', lastname)) "
          "LIKE ?) ORDER BY id"
        : "SELECT id FROM {user} WHERE deleted = 0 AND id <> ? AND (LOWER(username) = "
          "LOWER(?) OR LOWER(email) LIKE ? OR LOWER(firstname || ' ' || lastname) LIKE ?) "
          "ORDER BY id");
    char *low = U->utf8_lower(v);
    size_t len = strlen(low) + 3;
    char *like = malloc(len);
    snprintf(like, len, "%%%s%%", low);
    id = st && SQL->exec(st, "isss", M->guest_user(s->run), v, like, like) == 0
         ? SQL->single_id(st) : -1;
    free(like);
    free(low);
    if (id == 0)
        RT->outcome(r, TS_ERROR, "errorvalidationsearchfails", "teacher",
                    "teacher%d_account: no user matches '%s'", n, v);
    else if (id == -2)
        RT->outcome(r, TS_ERROR, "errorvalidationmultipleresults", "teacher",
                    "teacher%d_account: several users match '%s'", n, v);
    return id;
}

int teachers_apply(cstate *s, ts_row *r, int64_t courseid, int64_t ctx)
{
    (void)ctx;
    for (int n = 1; n < s->nteachers; n++) {
        const char *acc = s->c_teacher_account[n] >= 0
                        ? RT->value_at(r, (size_t)s->c_teacher_account[n]) : NULL;
        if (!acc || !*acc)
            continue;
        const char *rname = s->c_teacher_role[n] >= 0
                          ? RT->value_at(r, (size_t)s->c_teacher_role[n]) : NULL;
        if (!rname || !*rname)
            rname = "teacher";
        int64_t user = find_user(s, r, n, acc);
        if (user <= 0)
            return -1;
        int64_t role = R->role(s->run, TS_BY_SHORTNAME, rname);
        if (role <= 0) {
            if (role == 0)
                RT->outcome(r, TS_ERROR, "errorteacherrolemissing", "teacher",
                            "teacher%d_role: no role '%s'", n, rname);
            return -1;
        }
        int64_t inst = R->enrol_instance(s->run, courseid, "manual", 0);
        if (inst <= 0) {
            if (inst == 0)
                RT->outcome(r, TS_ERROR, "errorteacherenrolincourse", "teacher",
                            "the course has no enabled manual enrolment instance");
            return -1;
        }
        ts_enrolment e = { TS_ENROLMENT_HEADER, .enrolid = inst, .userid = user,
                           .roleid = role, .status = TS_ENROLMENT_KEEP };
        if (E->enrol_user(s->run, &e) < 0)
            return -1;
    }
    return 0;
}
