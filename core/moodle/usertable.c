/* The columns of Moodle's {user} table: the live ones of the site, which the user
 * resolver reads with every account, and the ones toolsync knows.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The live schema decides: Moodle 5.2 drops moodlenetprofile, and a later version may
 * add columns; an account read names only what the site has.
 */
#include "moodle/moodle_internal.h"

/* lib/db/install.xml order of Moodle 4.1 (moodlenetprofile: up to 5.1). */
static const char *const USER_COLUMNS[] = {
    "id", "auth", "confirmed", "policyagreed", "deleted", "suspended", "mnethostid",
    "username", "password", "idnumber", "firstname", "lastname", "email", "emailstop",
    "phone1", "phone2", "institution", "department", "address", "city", "country", "lang",
    "calendartype", "theme", "timezone", "firstaccess", "lastaccess", "lastlogin",
    "currentlogin", "lastip", "secret", "picture", "description", "descriptionformat",
    "mailformat", "maildigest", "maildisplay", "autosubscribe", "trackforums",
    "timecreated", "timemodified", "trustbitmask", "imagealt", "lastnamephonetic",
    "firstnamephonetic", "middlename", "alternatename", "moodlenetprofile", NULL
};

const char *const *moodle_user_known_columns(size_t *n)
{
    *n = sizeof USER_COLUMNS / sizeof USER_COLUMNS[0] - 1;
    return USER_COLUMNS;
}

const char *const *moodle_user_columns(moodle_site *s, size_t *n)
{
    const char *const *live = moodle_table_columns(s, "user", n);
    /* moodle_open read this table already (moodle_check_schema): failing here would
     * take a database that vanished since; the known list then fails visibly. */
    return live ? live : moodle_user_known_columns(n);
}
