<?php
// Moodle's own view of the cohorts and cohort enrolments toolsync wrote (issue 10):
//   php cohorts.php DIRROOT members FILE    cohort_is_member agrees with FILE (cohort;user;member)
//   php cohorts.php DIRROOT expect FILE     is_enrolled, user_has_role_assignment agree with FILE
//   php cohorts.php DIRROOT sync            enrol_cohort_sync() changes nothing
// SPDX-License-Identifier: GPL-3.0-or-later
require(__DIR__ . '/lib.php');
require_once($CFG->dirroot . '/cohort/lib.php');

switch ($argv[2]) {
    case 'members':
        foreach (t_csv($argv[3]) as $m) {
            $cohortid = t_id('cohort', ['idnumber' => $m['cohort']]);
            $userid = t_id('user', ['username' => $m['user']]);
            $is = cohort_is_member($cohortid, $userid);
            t_check($is === ($m['member'] === '1'), "cohort_is_member: $m[user] "
                . ($m['member'] === '1' ? 'is' : 'is not') . " in $m[cohort]", ['Moodle says ' . var_export($is, true)]);
        }
        break;
    case 'expect':
        t_expect_enrolments($argv[3], 'cohorts');
        break;
    case 'sync':
        require_once($CFG->dirroot . '/enrol/cohort/locallib.php');
        t_changes_nothing('enrol_cohort_sync() changes nothing (enrol, user_enrolments, role_assignments, groups_members)',
            ['enrol', 'user_enrolments', 'role_assignments', 'groups_members'],
            function() { enrol_cohort_sync(new null_progress_trace()); });
        break;
    default:
        fwrite(STDERR, "unknown mode {$argv[2]}\n");
        exit(2);
}
