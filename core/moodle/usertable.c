/* The columns of Moodle's {user} table, for the site's version: what the user resolver
 * reads with every account.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lib/db/install.xml order of Moodle 4.1 to 4.5 (the versions the site gate admits).
 * moodlenetprofile comes last on purpose: Moodle 5.2 drops it, and a site without it
 * then simply has one column fewer, every other index unchanged.
 */
#include "moodle/moodle_internal.h"

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

const char *const *moodle_user_columns(const moodle_site *s, size_t *n)
{
    (void)s;
    *n = sizeof USER_COLUMNS / sizeof USER_COLUMNS[0] - 1;
    return USER_COLUMNS;
}
