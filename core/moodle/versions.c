/* The Moodle versions toolsync knows, 4.1 LTS to 5.3 LTS: what each one changed.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One table of versions, read like the list of issue 7: per branch its first version
 * number, the password scheme of new accounts and what it changed in the tables toolsync
 * writes.  Writers name only the columns the live schema has (schema.c); this table
 * keeps the semantic differences, and the columns a site of each version must have,
 * so that a database whose tables do not match its `config` version is refused before
 * any write.  Facts from Moodle's lib/db/install.xml and upgrade steps of each release.
 *
 * A stable branch keeps its branching date in the version (4.5.0 = 2024100700, 4.5.n =
 * 20241007nn) and main moves past it as soon as the branch is cut, so the day after the
 * newest branch date is already the next, unknown, version.
 */
#include <stdio.h>
#include <string.h>
#include "moodle/moodle_internal.h"

#define V41 2022112800LL
#define V42 2023042400LL
#define V43 2023100900LL
#define V44 2024042200LL
#define V45 2024100700LL
#define V50 2025041400LL
#define V51 2025100600LL
#define V52 2026042000LL
#define V53 2026100500LL

static const moodle_family FAMILIES[] = {
    { "4.1", V41, MOODLE_HASH_BCRYPT, "LTS; bcrypt passwords ($2y$)" },
    { "4.2", V42, MOODLE_HASH_BCRYPT,
      "groups.visibility and participation; course.pdfexportfont" },
    { "4.3", V43, MOODLE_HASH_SHA512,
      "new passwords are SHA-512 crypt ($6$rounds=10000$, 5000 in the fast mode of bulk "
      "uploads); bcrypt still validates; external_tokens.name" },
    { "4.4", V44, MOODLE_HASH_SHA512,
      "course_sections.component and itemid (NULL for ordinary sections)" },
    { "4.5", V45, MOODLE_HASH_SHA512, "LTS" },
    { "5.0", V50, MOODLE_HASH_SHA512,
      "user_preferences.value text NOT NULL; course.fullname char(1333); index "
      "course_sections(component, itemid); grade_grades.deductedmark" },
    { "5.1", V51, MOODLE_HASH_SHA512,
      "code under public/; course_sections.name char(1333); course.enableaitools; "
      "customfield_data.component, area, itemid (NOT NULL, no default)" },
    { "5.2", V52, MOODLE_HASH_SHA512,
      "user.moodlenetprofile dropped; course.showactivitydates defaults to 1" },
    { "5.3", V53, MOODLE_HASH_SHA512,
      "LTS; course.deletioninprogress" },
};
#define NFAMILIES (sizeof FAMILIES / sizeof FAMILIES[0])

/* Columns some versions have and others not, in the tables toolsync writes: from
 * `since` (0: every known version) until `until` (exclusive, 0: still there). */
typedef struct {
    const char *table, *column;
    int64_t since, until;
} versioned_column;

static const versioned_column VERSIONED[] = {
    { "user", "moodlenetprofile", 0, V52 },
    { "groups", "visibility", V42, 0 },
    { "groups", "participation", V42, 0 },
    { "course", "pdfexportfont", V42, 0 },
    { "course_sections", "component", V44, 0 },
    { "course_sections", "itemid", V44, 0 },
    { "course", "enableaitools", V51, 0 },
    { "customfield_data", "component", V51, 0 },
    { "customfield_data", "area", V51, 0 },
    { "customfield_data", "itemid", V51, 0 },
    { "course", "deletioninprogress", V53, 0 },
};
#define NVERSIONED (sizeof VERSIONED / sizeof VERSIONED[0])

/* Columns every known version has in the tables toolsync writes most. */
static const char *const BASE_TABLES[][2] = {
    { "user_preferences", "userid,name,value" },
    { "context", "contextlevel,instanceid,path,depth,locked" },
    { "cache_flags", "flagtype,name,timemodified,value,expiry" },
    { "course_sections", "course,section,name,summary,sequence,visible,timemodified" },
    { "groups", "courseid,idnumber,name,description,timecreated,timemodified" },
    { "enrol", "enrol,status,courseid,sortorder,roleid,timecreated,timemodified" },
    { "user_enrolments", "status,enrolid,userid,timestart,timeend,modifierid" },
    { "role_assignments", "roleid,contextid,userid,timemodified,modifierid,component,itemid" },
    { "cohort_members", "cohortid,userid,timeadded" },
};
#define NBASE (sizeof BASE_TABLES / sizeof BASE_TABLES[0])

const moodle_family *moodle_family_of(int64_t version)
{
    if (version < FAMILIES[0].version)
        return NULL;
    size_t i = NFAMILIES - 1;
    while (FAMILIES[i].version > version)
        i--;
    return &FAMILIES[i];
}

const moodle_family *moodle_newest_family(void)
{
    return &FAMILIES[NFAMILIES - 1];
}

int64_t moodle_known_end(void)
{
    return FAMILIES[NFAMILIES - 1].version + 100;   /* 5.3.x = 20261005xx */
}

/* "5.0 (Build: 20250414)" when the site says so, else "version 2025041400". */
static void site_name(const moodle_site *s, char *out, size_t len)
{
    if (s->release && *s->release)
        snprintf(out, len, "%s (version %lld)", s->release, (long long)s->version);
    else
        snprintf(out, len, "version %lld", (long long)s->version);
}

int moodle_version_gate(moodle_site *s, int64_t accept, char *err, size_t errlen)
{
    const moodle_family *last = moodle_newest_family();
    char name[300];
    site_name(s, name, sizeof name);
    if (s->version < FAMILIES[0].version) {
        snprintf(err, errlen, "toolsync supports Moodle %s to %s; this site runs %s, which is "
                 "older", FAMILIES[0].name, last->name, name);
        return -1;
    }
    if (s->version >= moodle_known_end() && s->version > accept) {
        snprintf(err, errlen, "this site runs Moodle %s, newer than the newest Moodle toolsync "
                 "knows, %s (%lld); to run toolsync on it at your own risk, set "
                 "moodle.acceptversion = %lld in toolsync.conf", name, last->name,
                 (long long)last->version, (long long)s->version);
        return -1;
    }
    s->family = moodle_family_of(s->version);
    s->beyond = s->version >= moodle_known_end();
    return 0;
}

/* Does the site's table exist at all?  A table Moodle has but toolsync's own test
 * sites leave out (customfield_data) is not ours to check: its writer says so. */
static int table_present(moodle_site *s, const char *table)
{
    return moodle_column_exists(s, table, "id");
}

static int check_column(moodle_site *s, const char *table, const char *column)
{
    int rc = moodle_column_exists(s, table, column);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return moodle_fail(s, "the schema does not match Moodle %s: table %s%s lacks column %s",
                           s->family->name, db_prefix(s->d), table, column);
    return 0;
}

/* Every column of a comma-separated list. */
static int check_list(moodle_site *s, const char *table, const char *list)
{
    char col[64];
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        snprintf(col, sizeof col, "%.*s", (int)n, p);
        if (check_column(s, table, col) != 0)
            return -1;
        p += n + (p[n] == ',');
    }
    return 0;
}

int moodle_check_schema(moodle_site *s)
{
    size_t nuser;
    const char *const *ucols = moodle_user_known_columns(&nuser);
    int rc = table_present(s, "user");
    if (rc < 0)
        return -1;
    for (size_t i = 0; rc > 0 && i < nuser; i++)
        if (strcmp(ucols[i], "moodlenetprofile") != 0 && check_column(s, "user", ucols[i]) != 0)
            return -1;
    for (size_t i = 0; i < NBASE; i++) {
        if ((rc = table_present(s, BASE_TABLES[i][0])) < 0)
            return -1;
        if (rc > 0 && check_list(s, BASE_TABLES[i][0], BASE_TABLES[i][1]) != 0)
            return -1;
    }
    for (size_t i = 0; i < NVERSIONED; i++) {
        const versioned_column *v = &VERSIONED[i];
        if (s->version < v->since || (v->until && s->version >= v->until))
            continue;
        if ((rc = table_present(s, v->table)) < 0)
            return -1;
        if (rc > 0 && check_column(s, v->table, v->column) != 0)
            return -1;
    }
    return 0;
}

const moodle_family *moodle_site_family(const moodle_site *s)
{
    return s->family;
}

int moodle_version_beyond(const moodle_site *s)
{
    return s->beyond;
}
