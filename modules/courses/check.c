/* courses-check (spec 10 §4): says which courses of a headerless list exist.  Missing
 * ones are errors, so that the tryback is exactly the list of missing courses (with
 * their descriptions: the tryback keeps each line whole).  Writes nothing.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <string.h>
#include "courses.h"

int check_row(ts_run *run, void *st, ts_row *r)
{
    cstate *s = st;
    const char *key = RT->value_at(r, 0);
    (void)run;
    int64_t id = courses_find(s, r, key, "coursenotfound2", NULL);
    if (id <= 0)
        return id < 0 ? TS_ERR : TS_DONE;
    ts_stmt *q = SQL->prepare(s->run, "SELECT idnumber, fullname, shortname FROM {course} "
                              "WHERE id = ?");
    if (!q || SQL->exec(q, "i", id) != 0 || SQL->next(q) <= 0)
        return TS_ERR;
    RT->outcome(r, TS_OK, "coursefoundas", NULL, "course with %s '%s' found as "
                "idnumber '%s', fullname '%s', shortname '%s' (id %lld)",
                courses_ident_name(s->ident), key, SQL->col_text(q, 0) ? SQL->col_text(q, 0) : "",
                SQL->col_text(q, 1), SQL->col_text(q, 2), (long long)id);
    while (SQL->next(q) > 0)
        ;
    return TS_DONE;
}
