/* Column declarations: the {user} table and the header names each handler accepts.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Spec 20 §2: required username, firstname, lastname; optional the listed fields and
 * every other real column of {user} except id and timecreated; oldusername, cohort,
 * cohortid; course/group/role/enrol/start/end/wwwroot<N>; profile_field_<shortname>.
 */
#include <string.h>
#include "users.h"

#define I   UF_INT
#define B   (UF_INT | UF_BOOL)
#define K   UF_KEEP
#define N   UF_NULL

/* Lengths and nullability from Moodle 4.2 lib/db/install.xml (unchanged up to 5.3, where
 * 5.2 dropped moodlenetprofile: the site's live columns decide, usersql.c). */
const ucol UCOLS[UC_COUNT] = {
    [UC_ID]               = { "id",                I | UF_NOFILE, 0 },
    [UC_AUTH]             = { "auth",              K, 20 },
    [UC_CONFIRMED]        = { "confirmed",         B | K, 0 },
    [UC_POLICYAGREED]     = { "policyagreed",      B | K, 0 },
    [UC_DELETED]          = { "deleted",           B | K | UF_SPECIAL, 0 },
    [UC_SUSPENDED]        = { "suspended",         B | K, 0 },
    [UC_MNETHOSTID]       = { "mnethostid",        I | K, 0 },
    [UC_USERNAME]         = { "username",          UF_SPECIAL, 100 },
    [UC_PASSWORD]         = { "password",          UF_SPECIAL, 255 },
    [UC_IDNUMBER]         = { "idnumber",          0, 255 },
    [UC_FIRSTNAME]        = { "firstname",         0, 100 },
    [UC_LASTNAME]         = { "lastname",          0, 100 },
    [UC_EMAIL]            = { "email",             0, 100 },
    [UC_EMAILSTOP]        = { "emailstop",         B | K, 0 },
    [UC_PHONE1]           = { "phone1",            0, 20 },
    [UC_PHONE2]           = { "phone2",            0, 20 },
    [UC_INSTITUTION]      = { "institution",       0, 255 },
    [UC_DEPARTMENT]       = { "department",        0, 255 },
    [UC_ADDRESS]          = { "address",           0, 255 },
    [UC_CITY]             = { "city",              0, 120 },
    [UC_COUNTRY]          = { "country",           0, 2 },
    [UC_LANG]             = { "lang",              K, 30 },
    [UC_CALENDARTYPE]     = { "calendartype",      K, 30 },
    [UC_THEME]            = { "theme",             0, 50 },
    [UC_TIMEZONE]         = { "timezone",          K, 100 },
    [UC_FIRSTACCESS]      = { "firstaccess",       I | K, 0 },
    [UC_LASTACCESS]       = { "lastaccess",        I | K, 0 },
    [UC_LASTLOGIN]        = { "lastlogin",         I | K, 0 },
    [UC_CURRENTLOGIN]     = { "currentlogin",      I | K, 0 },
    [UC_LASTIP]           = { "lastip",            0, 45 },
    [UC_SECRET]           = { "secret",            0, 15 },
    [UC_PICTURE]          = { "picture",           I | K, 0 },
    [UC_DESCRIPTION]      = { "description",       N, 0 },
    [UC_DESCRIPTIONFORMAT]= { "descriptionformat", I | K, 0 },
    [UC_MAILFORMAT]       = { "mailformat",        I | K, 0 },
    [UC_MAILDIGEST]       = { "maildigest",        I | K, 0 },
    [UC_MAILDISPLAY]      = { "maildisplay",       I | K, 0 },
    [UC_AUTOSUBSCRIBE]    = { "autosubscribe",     I | K, 0 },
    [UC_TRACKFORUMS]      = { "trackforums",       I | K, 0 },
    [UC_TIMECREATED]      = { "timecreated",       I | UF_NOFILE, 0 },
    /* Moodle's API sets it to time() whatever the caller passes. */
    [UC_TIMEMODIFIED]     = { "timemodified",      I | UF_IGNORED, 0 },
    [UC_TRUSTBITMASK]     = { "trustbitmask",      I | K, 0 },
    [UC_IMAGEALT]         = { "imagealt",          N, 255 },
    [UC_LASTNAMEPHONETIC] = { "lastnamephonetic",  N, 255 },
    [UC_FIRSTNAMEPHONETIC]= { "firstnamephonetic", N, 255 },
    [UC_MIDDLENAME]       = { "middlename",        N, 255 },
    [UC_ALTERNATENAME]    = { "alternatename",     N, 255 },
    [UC_MOODLENETPROFILE] = { "moodlenetprofile",  N, 255 },
};

/* Listed by spec 20 §2 but dropped from {user} in Moodle 3.11/4.0. */
static const char *const OBSOLETE[] = { "icq", "url", "htmleditor", NULL };

int users_obsolete_column(const char *name)
{
    for (size_t i = 0; OBSOLETE[i]; i++)
        if (strcmp(OBSOLETE[i], name) == 0)
            return 1;
    return 0;
}

#define OPT(n, h) { n, TS_COL_OPTIONAL, h }

/* The optional {user} columns, shared by both lists. */
#define USER_OPTIONAL \
    OPT("auth", "authentication plugin (default manual)"), \
    OPT("confirmed", "1 confirmed (default), 0 not"), \
    OPT("policyagreed", "site policy agreed (0/1)"), \
    OPT("deleted", "true: delete the account (Moodle's deletion); false: ignored"), \
    OPT("suspended", "1 suspends (and ends the sessions), 0 unsuspends"), \
    OPT("mnethostid", "MNet host of the account (default: the local host)"), \
    OPT("password", "empty: to be generated; *NOPASS*: no password; else the clear password"), \
    OPT("idnumber", "ID number"), \
    OPT("email", "e-mail address"), \
    OPT("emailstop", "e-mail disabled (0/1)"), \
    OPT("phone1", "phone"), OPT("phone2", "mobile phone"), \
    OPT("institution", "institution"), OPT("department", "department"), \
    OPT("address", "address"), OPT("city", "city (default: site default city)"), \
    OPT("country", "ISO 3166 code, upper-cased (default: site country)"), \
    OPT("lang", "language, lower-cased, _utf8 removed (default: site language)"), \
    OPT("calendartype", "calendar type (default gregorian)"), \
    OPT("theme", "preferred theme"), \
    OPT("timezone", "time zone (default 99 = server)"), \
    OPT("firstaccess", "Unix time"), OPT("lastaccess", "Unix time"), \
    OPT("lastlogin", "Unix time"), OPT("currentlogin", "Unix time"), \
    OPT("lastip", "last IP address"), OPT("secret", "secret"), \
    OPT("picture", "picture revision"), \
    OPT("description", "profile description"), \
    OPT("descriptionformat", "text format of the description (default 1)"), \
    OPT("mailformat", "0 plain, 1 HTML"), \
    OPT("maildigest", "0 none, 1 complete, 2 subjects"), \
    OPT("maildisplay", "e-mail visibility (default: site setting)"), \
    OPT("autosubscribe", "forum auto-subscription (0/1)"), \
    OPT("trackforums", "forum tracking (0/1)"), \
    OPT("timemodified", "accepted, ignored (always the time of the run)"), \
    OPT("trustbitmask", "trust bit mask"), \
    OPT("imagealt", "picture description"), \
    OPT("lastnamephonetic", "last name, phonetic"), \
    OPT("firstnamephonetic", "first name, phonetic"), \
    OPT("middlename", "middle name"), OPT("alternatename", "alternate name"), \
    OPT("moodlenetprofile", "MoodleNet profile (Moodle up to 5.1; ignored from 5.2)"), \
    OPT("icq", "obsolete (not a column of Moodle 4): ignored"), \
    OPT("url", "obsolete (not a column of Moodle 4): ignored"), \
    OPT("htmleditor", "obsolete (not a column of Moodle 4): ignored")

#define EXTRA_COLUMNS \
    OPT("oldusername", "current username of an account to rename (needs allowrename)"), \
    OPT("cohort", "name of a cohort to join (created in the system context if missing)"), \
    OPT("cohortid", "idnumber given to a cohort created by the cohort column"), \
    { "course", TS_COL_INDEXED, "course<N>: course to enrol in (see courseidentifier)" }, \
    { "role", TS_COL_INDEXED, "role<N>: role shortname in course<N>" }, \
    { "enrol", TS_COL_INDEXED, "enrol<N>: enrolment plugin of course<N> (e.g. manual)" }, \
    { "group", TS_COL_INDEXED, "group<N>: group name in course<N> (created if missing)" }, \
    { "start", TS_COL_INDEXED, "start<N>: enrolment start (Unix time or date; empty: now)" }, \
    { "end", TS_COL_INDEXED, "end<N>: enrolment end (Unix time or date; empty: none)" }, \
    { "wwwroot", TS_COL_INDEXED, "wwwroot<N>: remote Moodle (not supported)" }, \
    { "profile_field_", TS_COL_PREFIX, "profile_field_<shortname>: custom profile field" }

const ts_column USERS_IMPORT_COLUMNS[] = {
    { "username", TS_COL_REQUIRED, "login name, lower-cased" },
    { "firstname", TS_COL_REQUIRED, "first name" },
    { "lastname", TS_COL_REQUIRED, "last name" },
    USER_OPTIONAL,
    EXTRA_COLUMNS,
    { NULL, 0, NULL }
};

/* Delete, suspend and restore files: the identity column (named after primaryidentity,
 * checked in begin_file) and any column of the users file, ignored. */
const ts_column USERS_ACTION_COLUMNS[] = {
    OPT("id", "account id (primaryidentity id)"),
    OPT("username", "login name (primaryidentity username)"),
    OPT("idnumber", "ID number (primaryidentity idnumber)"),
    OPT("email", "e-mail address (primaryidentity email)"),
    /* The same file as the users file may be given: its other columns are ignored. */
    { "", TS_COL_PREFIX, "any other column: accepted and ignored" },
    { NULL, 0, NULL }
};
