/* The users (create/update) file: one line → checks, lookup, collisions, then creation,
 * update or deletion of the account, its profile fields, cohort and course sets.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Spec 20 §3 "Engine" rules.  Lookups use the core's resolver, filled by prefetch (one
 * query per key kind for the whole batch); the row then only writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "users.h"

/* --- the keys of a line (used by prefetch and by the row) --------------------------- */

typedef struct {
    char *username;          /* cleaned; NULL when invalid */
    char *oldusername;       /* lower-cased, NULL when no rename is asked */
    int64_t host;
    int badhost;
    const char *idnumber, *email, *password;
} lkeys;

static const char *val(users_state *s, ts_row *row, int c)
{
    if (s->ci[c] < 0)
        return NULL;
    const char *v = RT->value_at(row, (size_t)s->ci[c]);
    return v ? v : "";
}

static void line_keys(users_state *s, ts_row *row, lkeys *k)
{
    memset(k, 0, sizeof *k);
    const char *u = val(s, row, UC_USERNAME);
    if (u && *u && users_clean_username(u, s->extendedchars, &k->username) != 0) {
        free(k->username);
        k->username = NULL;
    }
    if (s->allowrename && s->c_oldusername >= 0) {
        const char *o = RT->value_at(row, (size_t)s->c_oldusername);
        if (o && *o)
            k->oldusername = U->utf8_lower(o);
    }
    k->host = s->mnet_local;
    const char *h = val(s, row, UC_MNETHOSTID);
    if (h && *h && U->parse_int(h, &k->host) != 0)
        k->badhost = 1;
    k->idnumber = val(s, row, UC_IDNUMBER);
    k->email = val(s, row, UC_EMAIL);
    k->password = val(s, row, UC_PASSWORD);
}

static void lkeys_free(lkeys *k)
{
    free(k->username);
    free(k->oldusername);
}

/* --- prefetch ----------------------------------------------------------------------------- */

static void line_key(long line, char *buf)
{
    snprintf(buf, 24, "%ld", line);
}

/* Hashes, on every core, the passwords the batch will store: those of new accounts and
 * those that differ from the stored hash (re-runs hash nothing). */
static int prefetch_passwords(users_state *s, ts_row *const *rows, lkeys *keys, size_t n)
{
    /* Keep the hashes of these lines (a replay of the same batch), drop the others. */
    ts_map *old = s->pw;
    s->pw = U->map_new();
    const char **plain = malloc((n ? n : 1) * sizeof *plain);
    long *lines = malloc((n ? n : 1) * sizeof *lines);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = keys[i].password;
        if (!p || !*p || strcmp(p, "*NOPASS*") == 0 || !keys[i].username)
            continue;
        char k[24];
        line_key(RT->line(rows[i]), k);
        void **o = old ? U->map_slot(old, k) : NULL;
        if (o && *o) {
            *U->map_slot(s->pw, k) = *o;
            *o = NULL;
            continue;
        }
        const urec *r = NULL;
        if (resolve_identity(s, keys[i].host, keys[i].username, keys[i].idnumber,
                             keys[i].email, &r) == 0 && r && UV(s, r, UC_PASSWORD) &&
            *UV(s, r, UC_PASSWORD) && M->check_password(p, UV(s, r, UC_PASSWORD)) == 1)
            continue;
        plain[m] = p;
        lines[m] = RT->line(rows[i]);
        m++;
    }
    U->map_free(old, free);
    int ret = 0;
    if (m > 0) {
        char **out = calloc(m, sizeof *out);
        if (M->hash_passwords(s->run, plain, out, m) != 0)
            ret = -1;
        for (size_t i = 0; i < m; i++) {
            if (!out[i])
                continue;
            char k[24];
            line_key(lines[i], k);
            void **slot = U->map_slot(s->pw, k);
            free(*slot);
            *slot = out[i];
        }
        free(out);
    }
    free(plain);
    free(lines);
    if (ret != 0)
        RT->log(TS_LOG_ERROR, "users: password hashing failed");
    return ret;
}

int users_prefetch(ts_run *run, void *state, ts_row *const *rows, size_t n)
{
    users_state *s = state;
    (void)run;

    lkeys *keys = calloc(n ? n : 1, sizeof *keys);
    char **list = malloc((2 * n + 1) * sizeof *list);
    int ret = 0;
    for (size_t i = 0; i < n; i++)
        line_keys(s, rows[i], &keys[i]);

    /* usernames (and old usernames), host by host: (mnethostid, username) is indexed */
    int64_t *hosts = malloc((n ? n : 1) * sizeof *hosts);
    size_t nh = 0;
    for (size_t i = 0; i < n; i++) {
        size_t h;
        for (h = 0; h < nh && hosts[h] != keys[i].host; h++)
            ;
        if (h == nh)
            hosts[nh++] = keys[i].host;
    }
    for (size_t h = 0; h < nh && ret == 0; h++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (keys[i].host == hosts[h]) {
                if (keys[i].username)
                    list[m++] = keys[i].username;
                if (keys[i].oldusername)
                    list[m++] = keys[i].oldusername;
            }
        ret = R->user_prefetch(s->run, TS_BY_USERNAME, hosts[h], (const char *const *)list, m);
    }
    free(hosts);
    if (ret == 0 && s->ci[UC_IDNUMBER] >= 0 &&
        (s->identity == ID_IDNUMBER || s->uniqueidnumber)) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (keys[i].idnumber && *keys[i].idnumber)
                list[m++] = (char *)keys[i].idnumber;
        ret = R->user_prefetch(s->run, TS_BY_IDNUMBER, TS_ANY_HOST,
                               (const char *const *)list, m);
    }
    if (ret == 0 && s->ci[UC_EMAIL] >= 0 && (s->identity == ID_EMAIL || s->emailrefuse)) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (keys[i].email && *keys[i].email)
                list[m++] = (char *)keys[i].email;
        ret = R->user_prefetch(s->run, TS_BY_EMAIL, TS_ANY_HOST, (const char *const *)list, m);
    }
    if (ret == 0 && s->ci[UC_PASSWORD] >= 0)
        ret = prefetch_passwords(s, rows, keys, n);
    if (ret == 0)
        ret = enrolcols_prefetch(s, rows, n);

    for (size_t i = 0; i < n; i++)
        lkeys_free(&keys[i]);
    free(keys);
    free(list);
    return ret == 0 ? TS_DONE : TS_ERR;
}

/* --- parsing a line ------------------------------------------------------------------------- */

static void uline_free(uline *l)
{
    free(l->username);
    free(l->oldusername);
    for (int c = 0; c < UC_COUNT; c++)
        free(l->val[c]);
}

/* Reads and checks every {user} column of the line.  0, or -1 with an outcome. */
static int parse_line(users_state *s, uline *l)
{
    ts_row *row = l->row;
    static const int required[] = { UC_USERNAME, UC_FIRSTNAME, UC_LASTNAME };
    for (size_t i = 0; i < 3; i++) {
        const char *v = val(s, row, required[i]);
        if (!v || !*v) {
            say(s, TS_ERROR, "missingfield", UCOLS[required[i]].name,
                   "required value missing");
            return -1;
        }
    }
    /* tool_sync ignores a line whose first value is empty; the engine reports it. */
    const char *first = RT->value_at(row, 0);
    if (!first || !*first) {
        say(s, TS_ERROR, "missingfield", RT->column_name(s->run, 0),
               "the first column of the line is empty");
        return -1;
    }

    const char *u = val(s, row, UC_USERNAME);
    if (users_clean_username(u, s->extendedchars, &l->username) != 0) {
        say(s, TS_ERROR, "usernotaddederror", "username",
               "invalid username '%s': lower case letters, digits and _ - . @ only, "
               "100 characters at most", u);
        return -1;
    }
    l->val[UC_USERNAME] = strdup(l->username);
    l->given[UC_USERNAME] = 1;

    for (int c = 0; c < UC_COUNT; c++) {
        unsigned f = UCOLS[c].flags;
        if (s->ci[c] < 0 || (f & (UF_SPECIAL | UF_NOFILE | UF_IGNORED)))
            continue;
        const char *raw = val(s, row, c);
        if ((f & UF_KEEP) && !*raw)
            continue;   /* empty: default on creation, unchanged on update */
        char *v = NULL;
        if (f & UF_BOOL) {
            int b;
            if (U->parse_bool(raw, &b) != 0)
                goto invalid;
            v = strdup(b ? "1" : "0");
        } else if (f & UF_INT) {
            int64_t n;
            if (U->parse_int(raw, &n) != 0)
                goto invalid;
            v = xprintf("%lld", (long long)n);
        } else if (c == UC_COUNTRY) {
            if (!(v = norm_country(raw)))
                goto invalid;
        } else if (c == UC_LANG) {
            if (!(v = norm_lang(raw)))
                goto invalid;
        } else {
            v = strdup(raw);
        }
        if (UCOLS[c].maxlen && U->utf8_chars(v) > (size_t)UCOLS[c].maxlen) {
            say(s, TS_ERROR, "invalidvalue", UCOLS[c].name,
                   "longer than %d characters", UCOLS[c].maxlen);
            free(v);
            return -1;
        }
        l->val[c] = v;
        l->given[c] = 1;
        continue;
invalid:
        say(s, TS_ERROR, "invalidvalue", UCOLS[c].name, "invalid value '%s'", raw);
        return -1;
    }

    l->host = l->val[UC_MNETHOSTID] ? strtoll(l->val[UC_MNETHOSTID], NULL, 10) : s->mnet_local;
    if (s->ci[UC_PASSWORD] >= 0) {
        l->has_password = 1;
        l->password = val(s, row, UC_PASSWORD);
        if (U->utf8_chars(l->password) > 255 && strcmp(l->password, "*NOPASS*") != 0) {
            /* bcrypt uses 72 bytes anyway; refuse silly values without echoing them */
            say(s, TS_ERROR, "invalidvalue", "password", "password too long");
            return -1;
        }
    }
    if (s->allowrename && s->c_oldusername >= 0) {
        const char *o = RT->value_at(row, (size_t)s->c_oldusername);
        if (o && *o)
            l->oldusername = U->utf8_lower(o);
    }
    return users_check_values(s, l);
}

/* --- collisions (spec 20 §3.4, engine rules) ------------------------------------------------ */

static const char *nz(const char *s)
{
    return s ? s : "";
}

static int collision(users_state *s, uline *l, const urec *found, const char *why, int mail,
                     const urec *other)
{
    const char *key = found ? (mail ? "userupdatemailcollision" : "userupdatecollision")
                            : (mail ? "usercreatemailcollision" : "usercreatecollision");
    char existing[64] = "";
    if (found)
        snprintf(existing, sizeof existing, ", existing id %lld", (long long)UID(found));
    say(s, TS_ERROR, key, NULL, "[%s] %s %s %s%s: %s (account id %lld, username %s)",
           l->username, nz(l->val[UC_IDNUMBER]), nz(l->val[UC_FIRSTNAME]),
           nz(l->val[UC_LASTNAME]), existing, why, (long long)UID(other),
           nz(UV(s, other, UC_USERNAME)));
    return -1;
}

static int check_collisions(users_state *s, uline *l, const urec *found)
{
    /* (a) the username belongs to another account of the host (a deleted one too: the
     * unique index (mnethostid, username) would refuse the write anyway). */
    const urec *holder = users_by_username(s, l->host, l->username);
    if (holder && holder != found)
        return collision(s, l, found, users_is_deleted(s, holder)
                         ? "username held by a deleted account"
                         : "username already used by another account", 0, holder);

    /* (b) implicit renames: the account found by its identity has another username. */
    if (found && !users_is_deleted(s, found) &&
        (s->identity == ID_IDNUMBER || s->identity == ID_EMAIL) &&
        !streq_null(UV(s, found, UC_USERNAME), l->username))
        return collision(s, l, found, "identity bound to another username (renames go "
                         "through oldusername)", 0, found);

    const urec *c[32];
    /* (c) e-mail used by another account (unless the e-mail is not being written). */
    const char *email = l->val[UC_EMAIL];
    int protected_ = found && !users_is_deleted(s, found) && s->protectemails && UV(s, found, UC_EMAIL) &&
                     *UV(s, found, UC_EMAIL);
    if (email && *email && s->emailrefuse && !protected_) {
        size_t n = users_by_key(s, TS_BY_EMAIL, l->host, email, c, 32);
        for (size_t i = 0; i < n && i < 32; i++)
            if (c[i] != found && !users_is_deleted(s, c[i]))
                return collision(s, l, found, "e-mail already used by another account", 1,
                                 c[i]);
    }

    /* (e) idnumber held by another account (option uniqueidnumber). */
    const char *idn = l->val[UC_IDNUMBER];
    if (s->uniqueidnumber && s->identity != ID_IDNUMBER && idn && *idn) {
        size_t n = users_by_key(s, TS_BY_IDNUMBER, l->host, idn, c, 32);
        for (size_t i = 0; i < n && i < 32; i++)
            if (c[i] != found && !users_is_deleted(s, c[i]))
                return collision(s, l, found, "idnumber already used by another account", 0,
                                 c[i]);
    }
    return 0;
}

/* --- deletion through the `deleted` column -------------------------------------------------- */

static int delete_by_line(users_state *s, uline *l)
{
    const urec *r = NULL;
    if (resolve_identity(s, l->host, l->username, l->val[UC_IDNUMBER], l->val[UC_EMAIL],
                         &r) != 0) {
        say(s, TS_ERROR, "ambiguous", NULL, "several accounts match [%s]", l->username);
        return -1;
    }
    if (r && users_is_deleted(s, r)) {
        say(s, TS_SKIP, "useralreadydeleted", NULL, "[%s] was deleted", l->username);
        return 0;
    }
    if (!r) {
        /* The identity the line was looked up by (spec 20 §3.4). */
        const char *idn = l->val[UC_IDNUMBER], *mail = l->val[UC_EMAIL];
        if (s->identity == ID_IDNUMBER && idn && *idn)
            return users_missing(s, TS_BY_IDNUMBER, "idnumber", idn);
        if (s->identity == ID_EMAIL && mail && *mail)
            return users_missing(s, TS_BY_EMAIL, "email", mail);
        return users_missing(s, TS_BY_USERNAME, "username", l->username);
    }
    char old[256];
    snprintf(old, sizeof old, "%s", nz(UV(s, r, UC_USERNAME)));
    if (delete_account(s, r) != 0)
        return -1;
    say(s, TS_OK, "userdeleted", NULL, "[%s] (id %lld) deleted", old, (long long)UID(r));
    return 0;
}

/* --- the row -------------------------------------------------------------------------------- */

static int process(users_state *s, uline *l)
{
    if (parse_line(s, l) != 0)
        return -1;

    if (s->ci[UC_DELETED] >= 0) {
        int del;
        const char *raw = val(s, l->row, UC_DELETED);
        if (U->parse_bool(raw, &del) != 0) {
            say(s, TS_ERROR, "invalidvalue", "deleted", "invalid value '%s'", raw);
            return -1;
        }
        if (del)
            return delete_by_line(s, l);
    }

    const urec *renamed = NULL;
    if (rename_prepare(s, l, &renamed) != 0)
        return -1;

    const urec *found = NULL;
    if (resolve_identity(s, l->host, l->username, l->val[UC_IDNUMBER], l->val[UC_EMAIL],
                         &found) != 0) {
        say(s, TS_ERROR, "ambiguous", NULL,
               "several accounts match the identity of [%s] (%s)", l->username,
               s->identity == ID_EMAIL ? "email" : "idnumber");
        return -1;
    }
    /* A renamed account that is not the one the line designates now holds the line's
     * username: rule (a) refuses the line, and the rename with it. */
    if (check_collisions(s, l, found) != 0)
        return -1;

    const urec *r = found;
    if (found) {
        if (update_account(s, l, found, users_is_deleted(s, found), renamed == found) != 0)
            return -1;
    } else if (create_account(s, l, &r) != 0) {
        return -1;
    }
    if (s->c_cohort >= 0 && cohort_apply(s, l->row, UID(r)) != 0)
        return -1;
    if (s->ncsets > 0 && enrolcols_apply(s, l->row, UID(r), found == NULL) != 0)
        return -1;
    return 0;
}

int import_row(ts_run *run, void *state, ts_row *row)
{
    users_state *s = state;
    (void)run;
    uline l;
    memset(&l, 0, sizeof l);
    l.row = row;
    l.line = RT->line(row);
    l.host = s->mnet_local;
    s->row = row;
    int rc = process(s, &l);
    uline_free(&l);
    return users_row_done(s, rc);
}
