/* Groups and groupings beyond creation and membership (enrol.h): updates, groupings and
 * their groups, deletions, and the empty ones of a course, as group/lib.php writes them.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Answers as enrol.h: 1 wrote, 0 already so (or no such object), -1 with s->err.
 * Every change asks for the groupdata and user_group_groupings purges.
 */
#ifndef TS_MOODLE_GROUPS_H
#define TS_MOODLE_GROUPS_H

#include "moodle/moodle.h"

/* A group or grouping's fields.  Strings NULL: none (create) / unchanged (update);
 * visibility -1 and participation -1: Moodle's default (create) / unchanged (update).
 * visibility and participation exist from Moodle 4.2 on and are ignored before. */
typedef struct {
    int64_t courseid;
    const char *name, *idnumber, *description;
    int visibility, participation;
} moodle_group_fields;

/* groups_create_group() with visibility and participation (groups.c). */
int64_t moodle_group_create_fields(moodle_site *s, int64_t now, const moodle_group_fields *f);
/* groups_update_group(): only the given fields; an idnumber of another group refused. */
int moodle_group_update(moodle_site *s, int64_t now, int64_t groupid,
                        const moodle_group_fields *f);
/* The name and idnumber a group (grouping) has now: 0, 1 no such row, -1 error. */
int moodle_group_names(moodle_site *s, int grouping, int64_t id, char *name, size_t nlen,
                       char *idnumber, size_t ilen);

/* groupings.c: groups_create_grouping(), groups_update_grouping() (visibility and
 * participation unused), groups_assign_grouping(), groups_unassign_grouping(),
 * groups_delete_grouping(). */
int64_t moodle_grouping_create(moodle_site *s, int64_t now, const moodle_group_fields *f);
int moodle_grouping_update(moodle_site *s, int64_t now, int64_t groupingid,
                           const moodle_group_fields *f);
int moodle_grouping_add_group(moodle_site *s, int64_t now, int64_t groupingid,
                              int64_t groupid);
int moodle_grouping_remove_group(moodle_site *s, int64_t now, int64_t groupingid,
                                 int64_t groupid);
int moodle_grouping_delete(moodle_site *s, int64_t now, int64_t groupingid);

/* groupdel.c: groups_delete_group(); a group with files or a conversation is refused
 * (only Moodle's file storage and messaging API delete those). */
int moodle_group_delete(moodle_site *s, int64_t now, int64_t groupid);
/* Ids of the course's groups without members / groupings without groups, in id order:
 * their number (the first `max` in ids), or -1. */
long moodle_groups_empty(moodle_site *s, int64_t courseid, int64_t *ids, size_t max);
long moodle_groupings_empty(moodle_site *s, int64_t courseid, int64_t *ids, size_t max);

/* Shared by groups.c, groupings.c and groupdel.c: PHP's trim() into out (-1 when it
 * does not fit), and the course of a group or grouping row (table "groups" or
 * "groupings"): 0 found, 1 none, -1 error. */
int moodle_php_trim(char *out, size_t outlen, const char *in);
int moodle_group_row_course(moodle_site *s, const char *table, int64_t id, int64_t *courseid);
/* Is the (trimmed) idnumber held in the course by another group (grouping) than `self`?
 * '' and "0" are no idnumber.  1 yes (s->err says so), 0 no, -1 error. */
int moodle_idnumber_taken(moodle_site *s, int grouping, int64_t courseid,
                          const char *idnumber, int64_t self);

#endif
