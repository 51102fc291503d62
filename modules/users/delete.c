/* Moodle's user deletion (lib/moodlelib.php delete_user, moodle-writes §1.17), shared by
 * the `deleted` column of the users file and the users-delete file.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The {user} row is kept and anonymised; enrolments and role assignments are removed
 * through the core's writers (so their events are logged), the rest by brute force as
 * Moodle does; the user context is kept, its files are removed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "users.h"

/* --- optional tables ---------------------------------------------------------------- */

/* Tables that plugins own or that a trimmed schema may lack: checked once per run
 * (`{name}` is expanded inside literals too). */
static int table_exists(users_state *s, const char *table)
{
    static ts_map *known;   /* "<dialect>:<table>" -> (void *)1 yes / 2 no */
    if (!known)
        known = U->map_new();
    char key[128];
    snprintf(key, sizeof key, "%d:%s", (int)s->db, table);
    void **slot = U->map_slot(known, key);
    if (*slot)
        return *slot == (void *)1;
    char sql[512];
    switch (s->db) {
    case TS_DB_SQLITE:
        snprintf(sql, sizeof sql,
                 "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{%s}'", table);
        break;
    case TS_DB_POSTGRES:
        snprintf(sql, sizeof sql, "SELECT 1 FROM information_schema.tables WHERE "
                 "table_schema = current_schema() AND table_name = '{%s}'", table);
        break;
    default:
        snprintf(sql, sizeof sql, "SELECT 1 FROM information_schema.tables WHERE "
                 "table_schema = DATABASE() AND table_name = '{%s}'", table);
        break;
    }
    ts_stmt *st = Q(s, sql);
    if (!st || SQL->exec(st, "") != 0)
        return 0;
    int rc = SQL->next(st);
    if (rc > 0)
        while (SQL->next(st) > 0)
            ;
    *slot = rc > 0 ? (void *)1 : (void *)2;
    return rc > 0;
}

/* --- steps ---------------------------------------------------------------------------------- */

static int exec_uid(users_state *s, const char *sql, int64_t uid)
{
    ts_stmt *st = Q(s, sql);
    return st && SQL->exec(st, "i", uid) == 0 ? 0 : -1;
}

/* enrol_user_delete(): every enrolment in an instance of an enabled plugin is removed
 * through the plugin's unenrol_user (roles, groups, events); the others go below. */
static int unenrol_all(users_state *s, int64_t uid)
{
    const char *enabled = M->config(s->run, "enrol_plugins_enabled");
    ts_stmt *st = Q(s, "SELECT ue.enrolid, e.enrol FROM {user_enrolments} ue "
                       "JOIN {enrol} e ON e.id = ue.enrolid "
                       "JOIN {course} c ON c.id = e.courseid "
                       "WHERE ue.userid = ? ORDER BY ue.id");
    if (!st || SQL->exec(st, "i", uid) != 0)
        return -1;
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = SQL->next(st)) > 0) {
        const char *plugin = SQL->col_text(st, 1);
        /* is the plugin in the comma-separated list of enabled ones? */
        int on = 0;
        size_t pl = plugin ? strlen(plugin) : 0;
        for (const char *p = enabled; p && *p && pl;) {
            size_t len = strcspn(p, ",");
            if (len == pl && strncmp(p, plugin, pl) == 0)
                on = 1;
            p += len;
            if (*p)
                p++;
        }
        if (!on)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            ids = realloc(ids, cap * sizeof *ids);
        }
        ids[n++] = SQL->col_int(st, 0);
    }
    int ret = rc < 0 ? -1 : 0;
    for (size_t i = 0; i < n && ret == 0; i++)
        if (E->unenrol_user(s->run, ids[i], uid) < 0)
            ret = -1;
    free(ids);
    return ret;
}

/* role_unassign_all(['userid' => id]): every remaining assignment, with its event. */
static int unassign_all(users_state *s, int64_t uid)
{
    ts_stmt *st = Q(s, "SELECT roleid, contextid, component, itemid FROM {role_assignments} "
                       "WHERE userid = ? ORDER BY id");
    if (!st || SQL->exec(st, "i", uid) != 0)
        return -1;
    struct ra { int64_t role, ctx, item; char *comp; } *ras = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = SQL->next(st)) > 0) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            ras = realloc(ras, cap * sizeof *ras);
        }
        ras[n].role = SQL->col_int(st, 0);
        ras[n].ctx = SQL->col_int(st, 1);
        ras[n].comp = xstrdup(SQL->col_text(st, 2));
        ras[n].item = SQL->col_int(st, 3);
        n++;
    }
    int ret = rc < 0 ? -1 : 0;
    for (size_t i = 0; i < n; i++) {
        ts_role_assignment a = { TS_ROLE_ASSIGNMENT_HEADER, .roleid = ras[i].role,
                                 .contextid = ras[i].ctx, .userid = uid,
                                 .component = ras[i].comp, .itemid = ras[i].item };
        if (ret == 0 && E->role_unassign(s->run, &a) < 0)
            ret = -1;
        free(ras[i].comp);
    }
    free(ras);
    return ret;
}

/* clean_param($email, PARAM_USERNAME): lower case, trimmed, and without extended
 * characters only a-z 0-9 - . @ _ kept. */
static char *clean_username(const char *in, int extended)
{
    char *low = U->utf8_lower(in);
    size_t b = strspn(low, " \t\r\n\v"), e = strlen(low);
    while (e > b && strchr(" \t\r\n\v", low[e - 1]))
        e--;
    memmove(low, low + b, e - b);
    low[e - b] = '\0';
    if (extended)
        return low;
    char *o = low;
    for (const char *p = low; *p; p++)
        if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
            *p == '@' || *p == '_')
            *o++ = *p;
    *o = '\0';
    return low;
}

/* The first `n` characters of a UTF-8 string (core_text::substr). */
static void utf8_truncate(char *s, size_t n)
{
    size_t chars = 0;
    for (char *p = s; *p; p++) {
        if (((unsigned char)*p & 0xC0) != 0x80) {
            if (chars == n) {
                *p = '\0';
                return;
            }
            chars++;
        }
    }
}

static int username_taken(users_state *s, const char *name)
{
    /* Moodle checks without mnethostid. */
    ts_stmt *st = Q(s, "SELECT id FROM {user} WHERE username = ?");
    if (!st || SQL->exec(st, "s", name) != 0)
        return -1;
    int rc = SQL->next(st);
    if (rc > 0)
        while (SQL->next(st) > 0)
            ;
    return rc;
}

/* tool_dataprivacy's observer: one automatic deletion request unless one is under way
 * or already done (api::has_ongoing_request / get_data_requests_count). */
static int dataprivacy_request(users_state *s, int64_t uid)
{
    if (!s->dataprivacy || !table_exists(s, "tool_dataprivacy_request"))
        return 0;
    ts_stmt *st = Q(s, "SELECT id FROM {tool_dataprivacy_request} WHERE userid = ? AND "
                       "type = 2 AND status NOT IN (6, 7, 8, 9)");
    if (!st || SQL->exec(st, "i", uid) != 0)
        return -1;
    int rc = SQL->next(st);
    if (rc < 0)
        return -1;
    if (rc > 0) {
        while (SQL->next(st) > 0)
            ;
        return 0;
    }
    /* Automatic approval would also queue an ad-hoc task; the engine leaves the request
     * awaiting approval (status 2), as a site without automatic approval does. */
    int64_t admin = M->acting_user(s->run), now = RT->now(s->run);
    st = Q(s, "INSERT INTO {tool_dataprivacy_request} (type, comments, commentsformat, "
              "userid, requestedby, status, dpo, dpocomment, dpocommentformat, "
              "systemapproved, usermodified, timecreated, timemodified, creationmethod) "
              "VALUES (2, ?, 2, ?, ?, 2, 0, '', 2, 0, ?, ?, ?, 1)");
    return st && SQL->exec(st, "siiiii", "Automatically created upon user deletion.", uid,
                         admin, admin, now, now) == 0 ? 0 : -1;
}

int delete_account(users_state *s, const urec *r)
{
    int64_t uid = UID(r), now = RT->now(s->run);
    const char *uname = UV(s, r, UC_USERNAME) ? UV(s, r, UC_USERNAME) : "";
    if (users_is_guest(s, r)) {
        say(s, TS_ERROR, "usernotdeletederror", NULL,
               "[%s]: the guest account cannot be deleted", uname);
        return -1;
    }
    if (users_is_siteadmin(s, uid)) {
        say(s, TS_ERROR, "usernotdeletedadmin", NULL,
               "[%s]: site administrators cannot be deleted", uname);
        return -1;
    }
    int64_t ctx = user_context(s, r);
    if (ctx <= 0)
        return -1;

    /* What user_deleted reports, as read from the database (strings). */
    char other[2048] = "{\"username\":";
    U->json_string(other, sizeof other, uname);
    strcat(other, ",\"email\":");
    U->json_string(other, sizeof other, UV(s, r, UC_EMAIL) ? UV(s, r, UC_EMAIL) : "");
    strcat(other, ",\"idnumber\":");
    U->json_string(other, sizeof other, UV(s, r, UC_IDNUMBER) ? UV(s, r, UC_IDNUMBER) : "");
    strcat(other, ",\"picture\":");
    U->json_string(other, sizeof other, UV(s, r, UC_PICTURE) ? UV(s, r, UC_PICTURE) : "0");
    strcat(other, ",\"mnethostid\":");
    U->json_string(other, sizeof other, UV(s, r, UC_MNETHOSTID) ? UV(s, r, UC_MNETHOSTID) : "");
    strcat(other, "}");

    if (unenrol_all(s, uid) != 0 || unassign_all(s, uid) != 0)
        return -1;

    static const char *const brute[] = {
        "DELETE FROM {event} WHERE userid = ? AND subscriptionid IS NOT NULL",
        "DELETE FROM {cohort_members} WHERE userid = ?",
        "DELETE FROM {groups_members} WHERE userid = ?",
        "DELETE FROM {user_enrolments} WHERE userid = ?",
        "DELETE FROM {user_preferences} WHERE userid = ?",
        "DELETE FROM {user_info_data} WHERE userid = ?",
        "DELETE FROM {user_password_history} WHERE userid = ?",
        "DELETE FROM {user_lastaccess} WHERE userid = ?",
        "DELETE FROM {external_tokens} WHERE userid = ?",
        "DELETE FROM {external_services_users} WHERE userid = ?",
        "DELETE FROM {user_private_key} WHERE userid = ?",
        "DELETE FROM {my_pages} WHERE userid = ? AND private = 1",
        "DELETE FROM {oauth2_refresh_token} WHERE userid = ?",
        "DELETE FROM {sessions} WHERE userid = ?",
        NULL
    };
    for (size_t i = 0; brute[i]; i++)
        if (exec_uid(s, brute[i], uid) != 0)
            return -1;
    E->state_changed(s->run);   /* the core's memory of those enrolments is stale */
    if (table_exists(s, "event_subscriptions") &&
        exec_uid(s, "DELETE FROM {event_subscriptions} WHERE userid = ?", uid) != 0)
        return -1;
    if (table_exists(s, "tag_instance") &&
        exec_uid(s, "DELETE FROM {tag_instance} WHERE component = 'core' AND "
                    "itemtype = 'user' AND itemid = ?", uid) != 0)
        return -1;

    /* username = clean(<email or username.id@unknownemail.invalid>) cut to fit, "." and
     * the time, incremented PHP-style until unique. */
    char *delemail = UV(s, r, UC_EMAIL) && *UV(s, r, UC_EMAIL)
        ? strdup(UV(s, r, UC_EMAIL))
        : xprintf("%s.%lld@unknownemail.invalid", uname, (long long)uid);
    char *base = clean_username(delemail, s->extendedchars);
    free(delemail);
    char tbuf[24];
    int tlen = snprintf(tbuf, sizeof tbuf, "%lld", (long long)now);
    utf8_truncate(base, (size_t)(100 - (tlen + 1)));
    char delname[512];
    snprintf(delname, sizeof delname, "%s.%s", base, tbuf);
    free(base);
    int taken;
    while ((taken = username_taken(s, delname)) > 0)
        php_string_increment(delname, sizeof delname);
    if (taken < 0)
        return -1;

    char md5[33];
    if (md5_hex(uname, md5) != 0)
        return -1;
    char *nv[UC_COUNT] = { 0 };
    char nowtxt[24];
    snprintf(nowtxt, sizeof nowtxt, "%lld", (long long)now);
    nv[UC_DELETED] = "1";
    nv[UC_USERNAME] = delname;
    nv[UC_EMAIL] = md5;
    nv[UC_IDNUMBER] = "";
    nv[UC_PICTURE] = "0";
    nv[UC_TIMEMODIFIED] = nowtxt;
    if (users_write_columns(s, r, nv) != 0)
        return -1;

    /* $usercontext->delete_content(): the files of the user context (picture...). */
    ts_stmt *st = Q(s, "DELETE FROM {files} WHERE contextid = ?");
    if (!st || SQL->exec(st, "i", ctx) != 0)
        return -1;

    if (users_event(s, "\\core\\event\\user_deleted", "d", "user", uid, ctx, other) != 0)
        return -1;
    return dataprivacy_request(s, uid);
}
