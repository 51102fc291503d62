<?php
// Rows toolsync wrote against the rows Moodle's own API writes for the same thing, on the
// site the four parts left (run last: it adds and removes rows of its own):
//   php like.php DIRROOT category|groups|enrolment|cohort|cohortinstance|meta|user|picture
// SPDX-License-Identifier: GPL-3.0-or-later
require(__DIR__ . '/lib.php');
require_once($CFG->dirroot . '/group/lib.php');
require_once($CFG->dirroot . '/cohort/lib.php');
require_once($CFG->dirroot . '/user/lib.php');

$times = ['timecreated', 'timemodified'];

/** Runs one of Moodle's writers, quietly; a failure is a failed check and stops the script. */
function l_moodle(string $what, callable $fn) {
    [$r, $out] = t_quiet($fn);
    // Moodle 4.4+ sends a course welcome message on manual enrolment; with noemailever
    // set it says so through debugging(): that notice is not a failure.
    $out = trim(preg_replace('/\+\+ Not sending email due to \$CFG->noemailever config setting \+\+\s*(\* line [^\n]*\n?)*/',
                             '', $out));
    if (!$r || $out !== '') {
        t_check(false, "Moodle's API: $what", [$out, var_export($r, true)]);
        exit(3);
    }
    return $r;
}

/** The user_enrolments and role_assignments rows of a user in a course, for t_like. */
function l_enrolment(string $course, string $user, string $enrol): array {
    global $DB;
    $courseid = t_id('course', ['shortname' => $course]);
    $userid = t_id('user', ['username' => $user]);
    $ue = $DB->get_record_sql('SELECT ue.id FROM {user_enrolments} ue JOIN {enrol} e ON e.id = ue.enrolid
        WHERE e.courseid = ? AND e.enrol = ? AND ue.userid = ?', [$courseid, $enrol, $userid], MUST_EXIST);
    $ra = $DB->get_record('role_assignments', ['userid' => $userid, 'component' => $enrol === 'manual' ? '' : "enrol_$enrol",
        'contextid' => context_course::instance($courseid)->id], 'id', MUST_EXIST);
    return [(int)$ue->id, (int)$ra->id];
}

switch ($argv[2]) {
    case 'category':
        $ts = $DB->get_record('course_categories', ['name' => 'Year 1'], '*', MUST_EXIST);
        $m = l_moodle('core_course_category::create', function() use ($ts) {
            return core_course_category::create(['name' => 'Year 1 (Moodle)', 'parent' => $ts->parent]);
        });
        t_like('category Year 1', 'course_categories', $ts->id, $m->id,
            ['name', 'sortorder', 'path', 'coursecount', 'timemodified']);
        t_like('category Year 1', 'context', context_coursecat::instance($ts->id)->id,
            context_coursecat::instance($m->id)->id, ['instanceid', 'path']);
        t_quiet(function() use ($m) { $m->delete_full(false); fix_course_sortorder(); });
        break;
    case 'groups':
        $courseid = t_id('course', ['shortname' => 'MT_E1']);
        $g = $DB->get_record('groups', ['idnumber' => 'MTGC'], '*', MUST_EXIST);
        $mg = l_moodle('groups_create_group', function() use ($g) {
            return groups_create_group((object)['courseid' => $g->courseid, 'name' => "$g->name (Moodle)",
                'idnumber' => 'MTGC-MOODLE', 'description' => $g->description, 'descriptionformat' => $g->descriptionformat]);
        });
        t_like('group MTGC (groups.csv)', 'groups', $g->id, $mg, array_merge($times, ['name', 'idnumber']));
        $a = $DB->get_record('groups', ['courseid' => $courseid, 'name' => 'MT Group A'], '*', MUST_EXIST);
        $ma = l_moodle('groups_create_group', function() use ($courseid) {
            return groups_create_group((object)['courseid' => $courseid, 'name' => 'MT Group A (Moodle)']);
        });
        t_like('group MT Group A (enrols.csv gaddcreate)', 'groups', $a->id, $ma, array_merge($times, ['name']));
        $gg = $DB->get_record('groupings', ['idnumber' => 'MTGRPG'], '*', MUST_EXIST);
        $mgg = l_moodle('groups_create_grouping', function() use ($gg) {
            return groups_create_grouping((object)['courseid' => $gg->courseid, 'name' => "$gg->name (Moodle)",
                'idnumber' => 'MTGRPG-MOODLE', 'description' => $gg->description, 'descriptionformat' => $gg->descriptionformat]);
        });
        t_like('grouping MTGRPG', 'groupings', $gg->id, $mgg, array_merge($times, ['name', 'idnumber']));
        l_moodle('groups_assign_grouping', function() use ($mgg, $mg) { return groups_assign_grouping($mgg, $mg); });
        t_like('grouping MTGRPG holds MTGC', 'groupings_groups',
            t_id('groupings_groups', ['groupingid' => $gg->id, 'groupid' => $g->id]),
            t_id('groupings_groups', ['groupingid' => $mgg, 'groupid' => $mg]), ['groupingid', 'groupid', 'timeadded']);
        // memberships: of groupmembers.csv (mt_u2 in MTGD) and of enrols.csv (mt_u2 in MT Group A)
        $u2 = t_id('user', ['username' => 'mt_u2']);
        $d = t_id('groups', ['idnumber' => 'MTGD']);
        // groupmembers.csv's memberships belong to tool_sync (spec 60), a component Moodle's
        // groups_add_member() refuses on a site without admin/tool/sync: compared without it.
        l_moodle('groups_add_member', function() use ($mg, $u2) { return groups_add_member($mg, $u2); });
        t_like('mt_u2 in MTGD (groupmembers.csv; component aside)', 'groups_members',
            t_id('groups_members', ['groupid' => $d, 'userid' => $u2]),
            t_id('groups_members', ['groupid' => $mg, 'userid' => $u2]), ['groupid', 'timeadded', 'component', 'itemid']);
        l_moodle('groups_add_member', function() use ($ma, $u2) { return groups_add_member($ma, $u2); });
        t_like('mt_u2 in MT Group A (enrols.csv)', 'groups_members', t_id('groups_members', ['groupid' => $a->id, 'userid' => $u2]),
            t_id('groups_members', ['groupid' => $ma, 'userid' => $u2]), ['groupid', 'timeadded']);
        t_quiet(function() use ($mg, $ma, $mgg) { groups_delete_group($mg); groups_delete_group($ma); groups_delete_grouping($mgg); });
        break;
    case 'enrolment':
        // mt_u2 enrolled as student in MT_E1 by enrols.csv; mt_u5 by Moodle's manual plugin
        [$ue, $ra] = l_enrolment('MT_E1', 'mt_u2', 'manual');
        $course = get_course(t_id('course', ['shortname' => 'MT_E1']));
        $instance = $DB->get_record('enrol', ['courseid' => $course->id, 'enrol' => 'manual'], '*', MUST_EXIST);
        l_moodle('enrol_user (manual)', function() use ($instance) {
            enrol_get_plugin('manual')->enrol_user($instance, t_id('user', ['username' => 'mt_u5']),
                t_id('role', ['shortname' => 'student']));
            return true;
        });
        [$mue, $mra] = l_enrolment('MT_E1', 'mt_u5', 'manual');
        // timestart: spec 40 starts an enrolment without a starttime column now, enrol_user() at 0
        t_like('mt_u2 enrolled in MT_E1 (enrols.csv)', 'user_enrolments', $ue, $mue, array_merge($times, ['userid', 'timestart']));
        t_like('mt_u2 student in MT_E1 (enrols.csv)', 'role_assignments', $ra, $mra, ['userid', 'timemodified']);
        t_quiet(function() use ($instance) { enrol_get_plugin('manual')->unenrol_user($instance, t_id('user', ['username' => 'mt_u5'])); });
        break;
    case 'cohort':
        $c = $DB->get_record('cohort', ['idnumber' => 'MTCOH1'], '*', MUST_EXIST);
        $mc = l_moodle('cohort_add_cohort', function() use ($c) {
            return cohort_add_cohort((object)['name' => "$c->name (Moodle)", 'idnumber' => 'MTCOH1-MOODLE',
                'contextid' => $c->contextid, 'description' => $c->description, 'descriptionformat' => $c->descriptionformat]);
        });
        t_like('cohort MTCOH1', 'cohort', $c->id, $mc, array_merge($times, ['name', 'idnumber']));
        $u1 = t_id('user', ['username' => 'mt_u1']);
        l_moodle('cohort_add_member', function() use ($mc, $u1) { cohort_add_member($mc, $u1); return true; });
        t_like('mt_u1 in MTCOH1', 'cohort_members', t_id('cohort_members', ['cohortid' => $c->id, 'userid' => $u1]),
            t_id('cohort_members', ['cohortid' => $mc, 'userid' => $u1]), ['cohortid', 'timeadded']);
        t_quiet(function() use ($mc) { cohort_delete_cohort($GLOBALS['DB']->get_record('cohort', ['id' => $mc])); });
        break;
    case 'cohortinstance':
    case 'meta':
        // toolsync's instance (MT_CO2 bound to MTCOH1 as teacher; MT_META linked to MT_MASTER)
        // against the plugin's add_instance() on MT_E2 with the same settings.
        $cohort = $argv[2] === 'cohortinstance';
        $tsinstance = $cohort
            ? $DB->get_record('enrol', ['enrol' => 'cohort', 'courseid' => t_id('course', ['shortname' => 'MT_CO2']),
                'customint1' => t_id('cohort', ['idnumber' => 'MTCOH1'])], '*', MUST_EXIST)
            : $DB->get_record('enrol', ['enrol' => 'meta', 'courseid' => t_id('course', ['shortname' => 'MT_META'])], '*', MUST_EXIST);
        $course = get_course(t_id('course', ['shortname' => 'MT_E2']));
        $fields = $cohort ? ['customint1' => $tsinstance->customint1, 'roleid' => $tsinstance->roleid, 'customint2' => 0]
            : ['customint1' => $tsinstance->customint1, 'customint2' => 0];   // the meta form's "no group"
        $plugin = enrol_get_plugin($tsinstance->enrol);
        $mid = l_moodle("enrol_{$tsinstance->enrol} add_instance", function() use ($plugin, $course, $fields) {
            return $plugin->add_instance($course, $fields);
        });
        t_like("$tsinstance->enrol instance of " . ($cohort ? 'MT_CO2' : 'MT_META'), 'enrol', $tsinstance->id, $mid,
            array_merge($times, ['courseid', 'sortorder']));
        // a member's enrolment and role through it (Moodle's add_instance synced them)
        $user = $cohort ? 'mt_u1' : 'mt_u5';
        [$ue, $ra] = l_enrolment($cohort ? 'MT_CO2' : 'MT_META', $user, $tsinstance->enrol);
        [$mue, $mra] = l_enrolment('MT_E2', $user, $tsinstance->enrol);
        t_like("$user enrolled through it", 'user_enrolments', $ue, $mue, array_merge($times, ['enrolid']));
        t_like("$user's role through it", 'role_assignments', $ra, $mra, ['contextid', 'itemid', 'timemodified']);
        t_check($DB->get_field('role_assignments', 'itemid', ['id' => $ra]) == $tsinstance->id,
            "$user's role through it: itemid is the instance's id");
        t_quiet(function() use ($plugin, $mid) { $plugin->delete_instance($GLOBALS['DB']->get_record('enrol', ['id' => $mid])); });
        break;
    case 'user':
        $ts = $DB->get_record('user', ['username' => 'mt_u1'], '*', MUST_EXIST);
        $mid = l_moodle('user_create_user', function() use ($ts) {
            global $CFG;
            return user_create_user((object)['username' => 'mt_moodle_u1', 'firstname' => $ts->firstname,
                'lastname' => $ts->lastname, 'email' => 'mt_moodle_u1@example.invalid', 'idnumber' => 'MTMOODLEU1',
                'auth' => $ts->auth, 'password' => '', 'mnethostid' => $CFG->mnet_localhost_id,
                'confirmed' => 1], false, false);   // as the upload tool and spec 20 do
        });
        t_like('account mt_u1 (users module)', 'user', $ts->id, $mid, array_merge($times,
            ['username', 'email', 'idnumber', 'password', 'picture', 'secret', 'firstaccess', 'lastaccess', 'lastlogin', 'currentlogin']));
        t_like('account mt_u1 (users module)', 'context', context_user::instance($ts->id)->id,
            context_user::instance($mid)->id, ['instanceid', 'path']);
        t_quiet(function() use ($mid) { delete_user($GLOBALS['DB']->get_record('user', ['id' => $mid])); });
        break;
    case 'picture':
        // mt_u1's picture (pictures part) against process_new_icon() of the same JPEG for mt_u4,
        // as Moodle's own picture upload stores it: the files rows of f1, f2, f3 and the
        // directory entry, every column but ids, hashes, sizes and times (the encoders differ)
        $zip = make_request_directory() . '/pictures.zip';
        exec(escapeshellarg(PHP_BINARY) . ' ' . escapeshellarg(__DIR__ . '/mkpictures.php') . ' ' . escapeshellarg($zip));
        $za = new ZipArchive();
        $za->open($zip);
        $jpeg = dirname($zip) . '/mt_u1.jpg';
        file_put_contents($jpeg, $za->getFromName('mt_u1.jpg'));
        $u1 = $DB->get_record('user', ['username' => 'mt_u1'], '*', MUST_EXIST);
        $u4 = $DB->get_record('user', ['username' => 'mt_u4'], '*', MUST_EXIST);
        $c1 = context_user::instance($u1->id);
        $c4 = context_user::instance($u4->id);
        require_once($CFG->libdir . '/gdlib.php');
        l_moodle('process_new_icon', function() use ($c4, $jpeg) { return process_new_icon($c4, 'user', 'icon', 0, $jpeg); });
        foreach (['f1.jpg', 'f2.jpg', 'f3.jpg', '.'] as $name) {
            $where = ['component' => 'user', 'filearea' => 'icon', 'itemid' => 0, 'filepath' => '/', 'filename' => $name];
            t_like("mt_u1's picture, $name", 'files', t_id('files', $where + ['contextid' => $c1->id]),
                t_id('files', $where + ['contextid' => $c4->id]),
                array_merge($times, ['contextid', 'contenthash', 'pathnamehash', 'filesize']));
        }
        get_file_storage()->delete_area_files($c4->id, 'user', 'icon');
        break;
    default:
        fwrite(STDERR, "unknown mode {$argv[2]}\n");
        exit(2);
}
