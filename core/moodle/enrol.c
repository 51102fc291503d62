/* Enrol and unenrol users as enrol_plugin::enrol_user()/unenrol_user() do (Moodle 4.2).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rows, flags and events: spec/moodle-writes.md §1.7 and §1.12 (the helpers shared with
 * roles.c, groups.c and cohorts.c are in writer.c).  Every event `other` is written with
 * the JSON types PHP gives it:
 * values read back from the database are strings ("12"), values PHP computed are
 * numbers (12) — the log store keeps the difference.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "moodle/writer.h"
#include "moodle/enrolstate.h"

/* ---- the instance ------------------------------------------------------------------ */

/* An enrol instance (the row the run remembers) and its course context. */
typedef struct {
    moodle_known_instance k;
    moodle_ctx ctx;
} enrol_instance;


static const char SQL_INSTANCE[] =
    "SELECT enrol, courseid, status, roleid, customint1, customint2 FROM {enrol} "
    "WHERE id = ?";

static int enrol_instance_get(moodle_site *s, int64_t enrolid, enrol_instance *out)
{
    memset(out, 0, sizeof *out);
    const moodle_known_instance *k = moodle_instance_known(s, enrolid);
    moodle_known_instance row = { .id = enrolid };
    if (!k) {
        int r;
        db_stmt *st = moodle_read_row(s, SQL_INSTANCE, "an enrol instance", &r, enrolid);
        if (r <= 0)
            return r < 0 ? -1 : 1;
        const char *name = db_col_text(st, 0);
        snprintf(row.enrol, sizeof row.enrol, "%s", name ? name : "");
        row.courseid = db_col_int(st, 1);
        row.status = (int)db_col_int(st, 2);
        row.roleid = db_col_null(st, 3) ? 0 : db_col_int(st, 3);
        row.customint1 = db_col_null(st, 4) ? 0 : db_col_int(st, 4);
        row.customint2 = db_col_null(st, 5) ? 0 : db_col_int(st, 5);
        moodle_drain(st);
        moodle_instance_learn(s, &row);
        k = &row;
    }
    out->k = *k;

    int r = moodle_course_ctx(s, out->k.courseid, &out->ctx);
    if (r > 0)
        return moodle_fail(s, "course %lld of enrol instance %lld has no context",
                           (long long)out->k.courseid, (long long)enrolid);
    return r;
}

/* ---- enrol ------------------------------------------------------------------------- */

/* enrol_plugin::roles_protected(): the plugins that say false let teachers change the
 * roles they gave, so those roles are written as manual ones (component ''). */
static int roles_protected(const char *plugin)
{
    static const char *const open[] = { "manual", "self", "fee", "paypal", "flatfile" };
    for (size_t i = 0; i < sizeof open / sizeof open[0]; i++)
        if (strcmp(plugin, open[i]) == 0)
            return 0;
    return 1;
}

static const char SQL_UE_INSERT_ID[] =
    "INSERT INTO {user_enrolments} (id, status, enrolid, userid, timestart, timeend, "
    "modifierid, timecreated, timemodified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_UE_INSERT[] =
    "INSERT INTO {user_enrolments} (status, enrolid, userid, timestart, timeend, "
    "modifierid, timecreated, timemodified) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_UE_UPDATE[] =
    "UPDATE {user_enrolments} SET status = ?, timestart = ?, timeend = ?, "
    "modifierid = ?, timemodified = ? WHERE id = ?";

int moodle_enrol_user(moodle_site *s, int64_t now, int64_t enrolid, int64_t userid,
                      int64_t roleid, int64_t timestart, int64_t timeend, int status)
{
    s->err[0] = '\0';
    if (userid <= 0)
        return moodle_fail(s, "enrol: no user");
    enrol_instance in;
    int r = enrol_instance_get(s, enrolid, &in);
    if (r < 0)
        return -1;
    if (r > 0)
        return moodle_fail(s, "enrol instance %lld does not exist", (long long)enrolid);
    if (in.k.courseid == MOODLE_SITEID)
        return moodle_fail(s, "cannot enrol into the front page course");
    if (strcmp(in.k.enrol, "guest") == 0)
        return moodle_fail(s, "guest access instances hold no enrolments");

    char json[96], namejs[48];
    snprintf(json, sizeof json, "{\"enrol\":%s}",
             moodle_json_str(namejs, sizeof namejs, in.k.enrol));
    int wrote = 0;

    ks_ue ue;
    r = moodle_state_ue(s, in.k.courseid, enrolid, userid, &ue);
    if (r < 0)
        return -1;
    if (r > 0) {
        /* enrol_user() updates only when something differs (update_user_enrol()). */
        if (ue.timestart != timestart || ue.timeend != timeend ||
            (status >= 0 && ue.status != status)) {
            int newstatus = status >= 0 ? status : ue.status;
            if (moodle_exec(s, SQL_UE_UPDATE, "cannot update a user enrolment", "iiiiii",
                           (int64_t)newstatus, timestart, timeend, moodle_admin_id(s), now,
                           ue.id) < 0)
                return -1;
            ks_ue now_ue = { ue.id, newstatus, timestart, timeend };
            moodle_state_ue_set(s, in.k.courseid, enrolid, userid, &now_ue);
            if (moodle_mark_user_dirty(s, now, userid) < 0)
                return -1;
            if (moodle_core_event(s, now, "user_enrolment_updated", "u", "user_enrolments",
                                  ue.id, &in.ctx, userid, json) < 0)
                return -1;
            moodle_request_purge(s, "coursecontacts");
            wrote = 1;
        }
    } else {
        int64_t id = moodle_reserve_id(s, "user_enrolments");
        if (id < 0)
            return -1;
        int st0 = status >= 0 ? status : 0;
        id = moodle_insert_later(s, SQL_UE_INSERT_ID, SQL_UE_INSERT, "iiiiiiiii", id, (int64_t)st0,
                          enrolid, userid, timestart, timeend, moodle_admin_id(s), now, now);
        if (id < 0)
            return -1;
        ks_ue new_ue = { id, st0, timestart, timeend };
        moodle_state_ue_set(s, in.k.courseid, enrolid, userid, &new_ue);
        /* No dirtyusers flag here: Moodle sets it through role_assign() only. */
        if (moodle_core_event(s, now, "user_enrolment_created", "c", "user_enrolments", id,
                        &in.ctx, userid, json) < 0)
            return -1;
        /* core_course_category::user_enrolment_changed() drops the course's contacts. */
        moodle_request_purge(s, "coursecontacts");
        wrote = 1;
    }

    /* enrol_meta observes user_enrolment_created/updated (not of its own instances). */
    if (wrote && strcmp(in.k.enrol, "meta") != 0 && moodle_meta_note(s, in.k.courseid, userid) < 0)
        return -1;
    /* Grade history recovery ($CFG->recovergradesdefault, off by default) is not done. */
    if (roleid > 0) {
        char component[32] = "";
        int64_t itemid = 0;
        if (roles_protected(in.k.enrol)) {
            snprintf(component, sizeof component, "enrol_%s", in.k.enrol);
            itemid = in.k.id;
        }
        r = moodle_role_assign(s, now, roleid, in.ctx.id, userid, component, itemid);
        if (r < 0)
            return -1;
        wrote |= r;
    }
    return wrote;
}

/* ---- unenrol ----------------------------------------------------------------------- */

static const char SQL_UE_ROW[] =
    "SELECT id, status, enrolid, userid, timestart, timeend, modifierid, timecreated, "
    "timemodified FROM {user_enrolments} WHERE enrolid = ? AND userid = ?";
static const char SQL_UE_DELETE[] = "DELETE FROM {user_enrolments} WHERE id = ?";
static const char SQL_GM_OWNED[] =
    "SELECT groupid FROM {groups_members} WHERE userid = ? AND component = ? AND itemid = ? "
    "ORDER BY id";
static const char SQL_GM_COURSE[] =
    "SELECT gm.groupid FROM {groups_members} gm JOIN {groups} g ON g.id = gm.groupid "
    "WHERE g.courseid = ? AND gm.userid = ? ORDER BY gm.id";
static const char SQL_LASTACCESS_DELETE[] =
    "DELETE FROM {user_lastaccess} WHERE userid = ? AND courseid = ?";

static int remove_groups(moodle_site *s, int64_t now, int64_t userid, const char *sql,
                         const char *types, ...)
{
    db_stmt *st = moodle_prepared(s, sql);
    if (!st)
        return -1;
    va_list ap;
    va_start(ap, types);
    int rc = db_execv(st, types, ap);
    va_end(ap);
    if (rc != 0)
        return moodle_fail_db(s, "cannot read group memberships");
    int64_t *ids;
    size_t n;
    if (moodle_read_ids(s, st, &ids, &n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (moodle_group_remove_member(s, now, ids[i], userid) < 0) {
            free(ids);
            return -1;
        }
    free(ids);
    return 0;
}

int moodle_unenrol_user(moodle_site *s, int64_t now, int64_t enrolid, int64_t userid)
{
    s->err[0] = '\0';
    enrol_instance in;
    int r = enrol_instance_get(s, enrolid, &in);
    if (r < 0)
        return -1;
    if (r > 0)
        return moodle_fail(s, "enrol instance %lld does not exist", (long long)enrolid);

    /* The old row, as text: the event carries it the way PHP read it (strings). */
    static const char *const cols[] = { "id", "status", "enrolid", "userid", "timestart",
                                        "timeend", "modifierid", "timecreated",
                                        "timemodified" };
    char vals[9][24];
    db_stmt *st = moodle_prepared(s, SQL_UE_ROW);
    if (!st)
        return -1;
    if (db_exec(st, "ii", enrolid, userid) != 0)
        return moodle_fail_db(s, "cannot read user enrolments");
    r = db_next(st);
    if (r < 0)
        return moodle_fail_db(s, "cannot read user enrolments");
    if (r == 0)
        return 0;
    for (int i = 0; i < 9; i++) {
        const char *v = db_col_text(st, i);
        snprintf(vals[i], sizeof vals[i], "%s", v ? v : "0");
    }
    int64_t ueid = db_col_int(st, 0);
    moodle_drain(st);

    char component[32];
    snprintf(component, sizeof component, "enrol_%s", in.k.enrol);

    /* What this instance owns: its group memberships, then its roles. */
    if (remove_groups(s, now, userid, SQL_GM_OWNED, "isi", userid, component, in.k.id) < 0)
        return -1;
    if (moodle_role_unassign_all(s, now, 0, in.ctx.id, userid, component, in.k.id, 0) < 0)
        return -1;
    if (moodle_exec(s, SQL_UE_DELETE, "cannot delete a user enrolment", "i", ueid) < 0)
        return -1;
    moodle_state_ue_gone(s, in.k.courseid, enrolid, userid);

    r = moodle_state_enrolled(s, in.k.courseid, userid);
    if (r < 0)
        return -1;
    int last = (r == 0);

    if (last) {
        /* The user leaves the course: every role in it and below, every group. */
        if (moodle_role_unassign_all(s, now, 0, in.ctx.id, userid, NULL, 0, 1) < 0)
            return -1;
        if (remove_groups(s, now, userid, SQL_GM_COURSE, "ii", in.k.courseid, userid) < 0)
            return -1;
        /* grade_user_unenrol() would delete the user's grades in the course (kept in
         * grade history for recovery).  Grades are deliberately left alone here: the
         * gradebook's tables and its history are Moodle's business, and leaving them
         * only means they are still there if the user comes back. */
        if (moodle_exec(s, SQL_LASTACCESS_DELETE, "cannot delete last access", "ii", userid,
                       in.k.courseid) < 0)
            return -1;
    }

    /* other = {"userenrolment": (array)$ue + courseid, enrol, lastenrol, "enrol": name} */
    char json[768], namejs[48], coursejs[32], cid[24];
    size_t o = 0;
    o += (size_t)snprintf(json + o, sizeof json - o, "{\"userenrolment\":{");
    for (int i = 0; i < 9; i++) {
        char v[40];
        o += (size_t)snprintf(json + o, sizeof json - o, "%s\"%s\":%s", i ? "," : "",
                              cols[i], moodle_json_str(v, sizeof v, vals[i]));
    }
    snprintf(cid, sizeof cid, "%lld", (long long)in.k.courseid);
    moodle_json_str(namejs, sizeof namejs, in.k.enrol);
    snprintf(json + o, sizeof json - o,
             ",\"courseid\":%s,\"enrol\":%s,\"lastenrol\":%s},\"enrol\":%s}",
             moodle_json_str(coursejs, sizeof coursejs, cid), namejs,
             last ? "true" : "false", namejs);
    if (moodle_core_event(s, now, "user_enrolment_deleted", "d", "user_enrolments", ueid,
                    &in.ctx, userid, json) < 0)
        return -1;
    if (moodle_mark_user_dirty(s, now, userid) < 0)
        return -1;
    moodle_request_purge(s, "coursecontacts");
    /* enrol_meta observes user_enrolment_deleted (not of its own instances). */
    if (strcmp(in.k.enrol, "meta") != 0 && moodle_meta_note(s, in.k.courseid, userid) < 0)
        return -1;
    return 1;
}

/* ---- questions (enrol service version 3) ---------------------------------------------- */

int moodle_enrolment_get(moodle_site *s, int64_t enrolid, int64_t userid, int *status,
                         int64_t *timestart, int64_t *timeend)
{
    s->err[0] = '\0';
    enrol_instance in;
    int r = enrol_instance_get(s, enrolid, &in);
    if (r != 0)
        return r < 0 ? -1 : 0;   /* no instance, no enrolment through it */
    ks_ue ue;
    r = moodle_state_ue(s, in.k.courseid, enrolid, userid, &ue);
    if (r > 0) {
        if (status)
            *status = ue.status;
        if (timestart)
            *timestart = ue.timestart;
        if (timeend)
            *timeend = ue.timeend;
    }
    return r;
}

int moodle_is_enrolled(moodle_site *s, int64_t courseid, int64_t userid)
{
    s->err[0] = '\0';
    return moodle_state_enrolled(s, courseid, userid);
}

int moodle_course_roles(moodle_site *s, int64_t courseid, int64_t userid, int64_t roleid,
                        const char *component, int64_t itemid)
{
    s->err[0] = '\0';
    moodle_ctx ctx;
    int r = moodle_course_ctx(s, courseid, &ctx);
    if (r != 0)
        return r < 0 ? -1 : 0;
    if (component && !*component)
        itemid = 0;
    return moodle_state_ra_count(s, courseid, ctx.id, userid, roleid, component, itemid,
                                 NULL);
}

void moodle_enrolment_state_changed(moodle_site *s)
{
    moodle_state_forget(s);
}
