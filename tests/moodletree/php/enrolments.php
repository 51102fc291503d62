<?php
// Moodle's own view of the enrolments, roles and groups toolsync wrote (issue 9):
//   php enrolments.php DIRROOT enablemeta     (fixture) enables enrol_meta, as an admin does
//   php enrolments.php DIRROOT warmcache      fills the groups caches of MT_E1 before the run
//   php enrolments.php DIRROOT expect FILE    is_enrolled, user_has_role_assignment,
//                                             groups_is_member agree with FILE
//   php enrolments.php DIRROOT groupings      the grouping of groups.csv holds its groups
//   php enrolments.php DIRROOT metasync       enrol_meta_sync() changes nothing
// SPDX-License-Identifier: GPL-3.0-or-later
require(__DIR__ . '/lib.php');
require_once($CFG->dirroot . '/group/lib.php');

switch ($argv[2]) {
    case 'enablemeta':
        $enabled = explode(',', $CFG->enrol_plugins_enabled);
        if (!in_array('meta', $enabled, true)) {
            $enabled[] = 'meta';
            set_config('enrol_plugins_enabled', implode(',', $enabled));
            core_plugin_manager::reset_caches();
        }
        t_check(enrol_is_enabled('meta'), 'fixture: enrol_meta enabled');
        break;
    case 'warmcache':
        // A logged-in user's view of the course's groups is cached: the run must purge it.
        $course = get_course(t_id('course', ['shortname' => 'MT_E1']));
        foreach (['mt_u1', 'mt_u2', 'mt_u3'] as $u) {
            groups_get_all_groups($course->id, t_id('user', ['username' => $u]));
        }
        groups_get_all_groups($course->id);
        groups_get_all_groupings($course->id);
        t_check(true, 'fixture: the groups caches of MT_E1 filled');
        break;
    case 'expect':
        t_expect_enrolments($argv[3], $argv[4] ?? $argv[3]);
        break;
    case 'groupings':
        $courseid = t_id('course', ['shortname' => 'MT_E1']);
        $grouping = t_id('groupings', ['idnumber' => 'MTGRPG']);
        $names = array_values(array_map(function($g) { return $g->idnumber; },
            groups_get_all_groups($courseid, 0, $grouping, 'g.*', false, false)));
        sort($names);
        t_check($names === ['MTGC', 'MTGD'], 'groups_get_all_groups(MT_E1, grouping MTGRPG): MTGC, MTGD',
            ['Moodle says ' . json_encode($names)]);
        $all = array_values(array_map(function($g) { return $g->idnumber; }, groups_get_all_groupings($courseid)));
        t_check($all === ['MTGRPG'], 'groups_get_all_groupings(MT_E1): MTGRPG', ['Moodle says ' . json_encode($all)]);
        break;
    case 'metasync':
        require_once($CFG->dirroot . '/enrol/meta/locallib.php');
        t_changes_nothing('enrol_meta_sync() changes nothing (enrol, user_enrolments, role_assignments, groups_members)',
            ['enrol', 'user_enrolments', 'role_assignments', 'groups_members'],
            function() { enrol_meta_sync(null, false); });
        break;
    default:
        fwrite(STDERR, "unknown mode {$argv[2]}\n");
        exit(2);
}
