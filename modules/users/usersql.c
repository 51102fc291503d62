/* The {user} statements of this site: only the columns its Moodle version has.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The resolver reads the site's live columns (Moodle 5.2 dropped moodlenetprofile, and
 * an INSERT naming it fails there), so s->uix[c] < 0 tells a column this site lacks.
 * The INSERT and UPDATE texts are built once per file from what is there; the values
 * are handed over in the same order by users_sql_values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "users.h"

static int on_site(const users_state *s, int c)
{
    return s->uix[c] >= 0;
}

/* "a, b, c" of the site's columns from 1 (id excluded); `update`: "a = COALESCE(?, a)". */
static char *column_list(const users_state *s, int update)
{
    size_t size = 64 + UC_COUNT * 64, o = 0;
    char *out = malloc(size);
    if (!out)
        return NULL;
    out[0] = '\0';
    for (int c = 1; c < UC_COUNT; c++) {
        if (!on_site(s, c))
            continue;
        const char *n = UCOLS[c].name;
        o += (size_t)(update ? snprintf(out + o, size - o, "%s%s = COALESCE(?, %s)",
                                        o ? ", " : "", n, n)
                             : snprintf(out + o, size - o, "%s%s", o ? ", " : "", n));
    }
    return out;
}

int users_sql_begin(users_state *s)
{
    s->nsitecols = 0;
    for (int c = 1; c < UC_COUNT; c++)
        s->nsitecols += on_site(s, c);
    char *cols = column_list(s, 0), *set = column_list(s, 1);
    char *q = malloc(3 * (size_t)s->nsitecols + 1);
    if (!cols || !set || !q) {
        free(cols);
        free(set);
        free(q);
        return -1;
    }
    q[0] = '\0';
    for (int k = 0; k < s->nsitecols; k++)
        strcat(q, k ? ", ?" : "?");
    s->insert_id_sql = xprintf("INSERT INTO {user} (id, %s) VALUES (?, %s)", cols, q);
    s->insert_sql = xprintf("INSERT INTO {user} (%s) VALUES (%s)", cols, q);
    s->update_sql = xprintf("UPDATE {user} SET %s WHERE id = ?", set);
    free(cols);
    free(set);
    free(q);
    return s->insert_id_sql && s->insert_sql && s->update_sql ? 0 : -1;
}

size_t users_sql_values(const users_state *s, char *const v[UC_COUNT], ts_value *out)
{
    size_t k = 0;
    for (int c = 1; c < UC_COUNT; c++)
        if (on_site(s, c))
            out[k++].s = v[c];
    return k;
}

int users_site_lacks(const users_state *s, int c)
{
    return !on_site(s, c);
}
