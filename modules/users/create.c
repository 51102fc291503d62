/* Creation of an account as user_create_user() leaves it (moodle-writes §1.1): the
 * {user} row with the site's defaults, the user context, the password preference and
 * events, then the tool_sync extras (create_password preferences, profile fields).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "users.h"

/* --- passwords ------------------------------------------------------------------------ */

char *password_value(users_state *s, uline *l, const urec *r, int *changed)
{
    *changed = 0;
    if (!l->has_password || !*l->password)
        return r ? NULL : strdup("");   /* never the plugin's placeholder text */
    if (strcmp(l->password, "*NOPASS*") == 0) {
        if (r && streq_null(UV(s, r, UC_PASSWORD), "*NOPASS*"))
            return NULL;
        *changed = 1;
        return strdup("*NOPASS*");
    }
    if (r && UV(s, r, UC_PASSWORD) && *UV(s, r, UC_PASSWORD) &&
        M->check_password(l->password, UV(s, r, UC_PASSWORD)) == 1)
        return NULL;   /* same password: nothing to write (re-runs change nothing) */
    char k[24];
    snprintf(k, sizeof k, "%ld", l->line);
    void **slot = U->map_slot(s->pw, k);
    char *hash = *slot;
    *slot = NULL;
    if (!hash) {
        const char *plain[1] = { l->password };
        char *out[1] = { NULL };
        if (M->hash_passwords(s->run, plain, out, 1) != 0 || !out[0]) {
            free(out[0]);
            say(s, TS_ERROR, "passwordhasherror", "password",
                   "the password could not be hashed");
            return NULL;
        }
        hash = out[0];
    }
    *changed = 2;   /* a real password: events follow */
    return hash;
}

int password_changed(users_state *s, int64_t userid, int64_t ctxid, const char *auth)
{
    if (!auth || strcmp(auth, "manual") != 0)
        return 0;
    char now[24];
    snprintf(now, sizeof now, "%lld", (long long)RT->now(s->run));
    if (M->set_user_preference(s->run, userid, "auth_manual_passwordupdatetime", now) != 0)
        return -1;
    return users_event(s, "\\core\\event\\user_password_updated", "u", NULL, userid, ctxid,
                       "{\"forgottenreset\":false}");
}

/* --- the user context ------------------------------------------------------------------- */

int64_t user_context(users_state *s, const urec *r)
{
    int64_t id = R->user_contextid(r);
    if (id > 0)
        return id;
    id = M->context_id(s->run, TS_CTX_USER, UID(r));
    if (id == 0) {
        /* context_user::instance() creates a missing context on the fly. */
        id = M->context_create(s->run, TS_CTX_USER, UID(r), TS_SYSTEM_CONTEXT_ID);
    }
    if (id > 0)
        R->user_context_created(s->run, r, id);
    return id;
}

/* --- creation --------------------------------------------------------------------------- */

static void set_default(char **v, int c, const char *value)
{
    if (!v[c])
        v[c] = strdup(value);
}

static void set_int_default(char **v, int c, long long value)
{
    if (!v[c])
        v[c] = xprintf("%lld", value);
}

int create_account(users_state *s, uline *l, const urec **out)
{
    char *v[UC_COUNT] = { 0 };
    int64_t now = RT->now(s->run);
    int ret = -1;
    *out = NULL;

    for (int c = 0; c < UC_COUNT; c++)
        if (l->given[c] && l->val[c])
            v[c] = strdup(l->val[c]);
    int pwkind = 0;
    v[UC_PASSWORD] = password_value(s, l, NULL, &pwkind);
    if (!v[UC_PASSWORD])
        goto done;   /* hashing failed (outcome added) */

    set_default(v, UC_AUTH, "manual");
    set_default(v, UC_CONFIRMED, "1");
    set_default(v, UC_POLICYAGREED, "0");
    free(v[UC_DELETED]);
    v[UC_DELETED] = strdup("0");
    set_default(v, UC_SUSPENDED, "0");
    set_int_default(v, UC_MNETHOSTID, (long long)l->host);
    set_default(v, UC_IDNUMBER, "");
    set_default(v, UC_EMAIL, "");
    set_default(v, UC_EMAILSTOP, "0");
    static const int empty[] = { UC_PHONE1, UC_PHONE2, UC_INSTITUTION, UC_DEPARTMENT,
                                 UC_ADDRESS, UC_THEME, UC_LASTIP, UC_SECRET };
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++)
        set_default(v, empty[i], "");
    set_default(v, UC_CITY, s->def_city);
    set_default(v, UC_COUNTRY, s->def_country);
    set_default(v, UC_LANG, s->def_lang);
    set_default(v, UC_CALENDARTYPE, s->def_calendartype);
    set_default(v, UC_TIMEZONE, "99");
    static const int zero[] = { UC_FIRSTACCESS, UC_LASTACCESS, UC_LASTLOGIN, UC_CURRENTLOGIN,
                                UC_PICTURE, UC_TRUSTBITMASK };
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
        set_default(v, zero[i], "0");
    set_default(v, UC_DESCRIPTIONFORMAT, "1");
    set_int_default(v, UC_MAILFORMAT, s->def_mailformat);
    set_int_default(v, UC_MAILDIGEST, s->def_maildigest);
    set_int_default(v, UC_MAILDISPLAY, s->def_maildisplay);
    set_int_default(v, UC_AUTOSUBSCRIBE, s->def_autosubscribe);
    set_int_default(v, UC_TRACKFORUMS, s->def_trackforums);
    free(v[UC_TIMECREATED]);
    free(v[UC_TIMEMODIFIED]);
    v[UC_TIMECREATED] = xprintf("%lld", (long long)now);
    v[UC_TIMEMODIFIED] = xprintf("%lld", (long long)now);
    /* description, imagealt, *phonetic, middlename, alternatename, moodlenetprofile stay
     * NULL unless given (moodle-writes §0.6). */

    /* The columns this site has (5.2+: no moodlenetprofile), in the statements'
     * order: a[0] the id when reserved, then the values. */
    char types[UC_COUNT + 2];
    memset(types, 's', (size_t)s->nsitecols + 1);
    types[s->nsitecols + 1] = '\0';
    types[0] = 'i';
    int64_t id = SQL->reserve_id(s->run, "user");
    ts_value a[UC_COUNT + 1];
    a[0].i = id;
    users_sql_values(s, v, a + 1);
    ts_stmt *st;
    if (id > 0) {
        st = Q(s, s->insert_id_sql);
        if (!st || SQL->exec_array(st, types, a) != 0)
            goto done;
    } else {
        st = Q(s, s->insert_sql);
        if (!st || SQL->exec_array(st, types + 1, a + 1) != 0)
            goto done;
        id = SQL->last_id(st);
        if (id <= 0)
            goto done;
    }

    int64_t ctx = M->context_create(s->run, TS_CTX_USER, id, TS_SYSTEM_CONTEXT_ID);
    if (ctx <= 0)
        goto done;
    if (pwkind == 2 && password_changed(s, id, ctx, v[UC_AUTH]) != 0)
        goto done;
    if (users_event(s, "\\core\\event\\user_created", "c", "user", id, ctx, NULL) != 0)
        goto done;

    /* Passwords Moodle's cron generates and mails (spec 20 §3.6 steps 2-3). */
    if (s->createpasswords && !(l->has_password && *l->password)) {
        if (M->set_user_preference(s->run, id, "create_password", "1") != 0)
            goto done;
        if (!l->has_password &&
            M->set_user_preference(s->run, id, "auth_forcepasswordchange", "1") != 0)
            goto done;
    }

    const char *names[UC_COUNT];
    for (int c = 0; c < UC_COUNT; c++)
        names[c] = UCOLS[c].name;
    const urec *r = R->user_created(s->run, id, names, (const char *const *)v, UC_COUNT, ctx);
    if (profile_save(s, l, r) != 0)
        goto done;
    *out = r;
    say(s, TS_OK, "useraccountadded", NULL, "[%s] (id %lld) created", l->username, (long long)id);
    ret = 0;
done:
    for (int c = 0; c < UC_COUNT; c++)
        free(v[c]);
    return ret;
}
