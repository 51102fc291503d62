/* Custom profile fields: profile_field_<shortname> columns → {user_info_data}.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Like profile_field_base::edit_save_data(): one row per user and field (data,
 * dataformat 0), inserted or updated — here only when the value differs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "users.h"

#define PREFIX "profile_field_"

int profile_begin(users_state *s)
{
    size_t nc = RT->ncolumns(s->run);
    ts_stmt *st = NULL;
    for (size_t i = 0; i < nc; i++) {
        const char *name = RT->column_name(s->run, i);
        if (strncmp(name, PREFIX, strlen(PREFIX)) != 0)
            continue;
        const char *shortname = name + strlen(PREFIX);
        if (!st)
            st = Q(s, "SELECT id, datatype FROM {user_info_field} WHERE shortname = ?");
        if (!st || SQL->exec(st, "s", shortname) != 0) {
            RT->file_outcome(s->run, TS_ERROR, "dberror", name, "cannot read the profile fields");
            return -1;
        }
        int rc = SQL->next(st);
        if (rc <= 0) {
            RT->file_outcome(s->run, TS_ERROR, "invalidfieldname", name,
                       "no custom profile field has the shortname '%s'", shortname);
            return -1;
        }
        s->pcols = realloc(s->pcols, (s->npcols + 1) * sizeof *s->pcols);
        pcol *p = &s->pcols[s->npcols++];
        p->col = (long)i;
        p->fieldid = SQL->col_int(st, 0);
        p->shortname = strdup(shortname);
        p->datatype = strdup(SQL->col_text(st, 1) ? SQL->col_text(st, 1) : "");
        while (SQL->next(st) > 0)
            ;
    }
    /* The resolver reads these fields with every account. */
    int64_t *ids = malloc((s->npcols ? s->npcols : 1) * sizeof *ids);
    for (size_t i = 0; i < s->npcols; i++)
        ids[i] = s->pcols[i].fieldid;
    int rc = R->user_profile_fields(s->run, ids, s->npcols);
    free(ids);
    return rc;
}

/* The value to store for profile column i, normalised by field type; NULL = invalid. */
static char *pvalue(users_state *s, ts_row *row, size_t i)
{
    const char *v = RT->value_at(row, (size_t)s->pcols[i].col);
    if (!v)
        v = "";
    const char *type = s->pcols[i].datatype;
    if (!strcmp(type, "checkbox") && *v) {
        int b;
        return U->parse_bool(v, &b) == 0 ? strdup(b ? "1" : "0") : NULL;
    }
    if (!strcmp(type, "datetime") && *v) {
        int64_t t;
        return U->parse_date(v, &t) == 0 ? xprintf("%lld", (long long)t) : NULL;
    }
    return strdup(v);
}

int profile_differs(users_state *s, const uline *l, const urec *r)
{
    for (size_t i = 0; i < s->npcols; i++) {
        char *v = pvalue(s, l->row, i);
        const char *old = R->user_profile(r, i);
        int diff = !v || !old || strcmp(old, v) != 0;
        free(v);
        if (diff)
            return 1;
    }
    return 0;
}

int profile_save(users_state *s, const uline *l, const urec *r)
{
    for (size_t i = 0; i < s->npcols; i++) {
        char *v = pvalue(s, l->row, i);
        if (!v) {
            say(s, TS_ERROR, "invalidvalue", RT->column_name(s->run, (size_t)s->pcols[i].col),
                   "invalid value for a %s field", s->pcols[i].datatype);
            return -1;
        }
        const char *old = R->user_profile(r, i);
        int rc = 0;
        if (!old) {
            ts_stmt *st = Q(s, "INSERT INTO {user_info_data} (userid, fieldid, data, dataformat) "
                               "VALUES (?, ?, ?, 0)");
            rc = st && SQL->exec(st, "iis", UID(r), s->pcols[i].fieldid, v) == 0 ? 0 : -1;
        } else if (strcmp(old, v) != 0) {
            ts_stmt *st = Q(s, "UPDATE {user_info_data} SET data = ? WHERE userid = ? AND "
                               "fieldid = ?");
            rc = st && SQL->exec(st, "sii", v, UID(r), s->pcols[i].fieldid) == 0 ? 0 : -1;
        }
        if (rc == 0 && !streq_null(old, v))
            R->user_profile_changed(s->run, r, i, v);
        free(v);
        if (rc != 0)
            return -1;
    }
    return 0;
}
