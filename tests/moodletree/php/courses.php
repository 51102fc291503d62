<?php
// Moodle's own view of the courses toolsync wrote (issue 8):
//   php courses.php DIRROOT warm                     fills the course category caches before the run
//   php courses.php DIRROOT categories               the category API sees the new tree and counts
//   php courses.php DIRROOT sound SHORTNAME…         get_fast_modinfo; fix_course_sortorder,
//                                                    build_all_paths, create_instances change nothing
//   php courses.php DIRROOT columns                  topics, self and guest of courses-create.csv
//   php courses.php DIRROOT likemoodle SHORTNAME     the same rows as create_course() writes
//   php courses.php DIRROOT content SHORTNAME…       (fixture) a page, a forum and a student
//   php courses.php DIRROOT fromtemplate NEW TPL     NEW restored from TPL with the file's names
//   php courses.php DIRROOT deleted SHORTNAME…       gone, and nothing left pointing at them
//   php courses.php DIRROOT deletecategory           Moodle deletes the emptied category Other/Dept
//   php courses.php DIRROOT reset SHORTNAME          the student unenrolled, the content kept
// SPDX-License-Identifier: GPL-3.0-or-later
require(__DIR__ . '/lib.php');
require_once($CFG->dirroot . '/course/lib.php');

[$mode, $names] = [$argv[2], array_slice($argv, 3)];

function c_course(string $shortname): stdClass {
    global $DB;
    $course = $DB->get_record('course', ['shortname' => $shortname]);
    if (!$course) {
        t_check(false, "course $shortname exists");
        exit(3);
    }
    return $course;
}

/** get_fast_modinfo() builds the course's module info without a word. */
function c_modinfo(stdClass $course): void {
    [$modinfo, $out] = t_quiet(function() use ($course) {
        rebuild_course_cache($course->id, true);
        return get_fast_modinfo($course->id);
    });
    $ok = $modinfo instanceof course_modinfo && $out === '';
    $sections = $ok ? count($modinfo->get_section_info_all()) : -1;
    $rows = $GLOBALS['DB']->count_records('course_sections', ['course' => $course->id]);
    t_check($ok && $sections === $rows, "get_fast_modinfo($course->shortname): $sections sections",
        ["output: $out", "sections in modinfo $sections, course_sections rows $rows"]);
}

function c_sound(array $names): void {
    foreach ($names as $n) {
        c_modinfo(c_course($n));
    }
    $courses = ['course', 'course_categories'];
    t_changes_nothing('fix_course_sortorder() changes nothing (course, course_categories)', $courses,
        function() { fix_course_sortorder(); });
    t_changes_nothing('context_helper::build_all_paths(false) changes nothing (context)', ['context'],
        function() { context_helper::build_all_paths(false); });
    // Course modules are left out: Moodle's own forum_get_course_forum() leaves the
    // Announcements forum's context to be made on first use.
    t_changes_nothing('context_helper::create_instances() changes nothing (user, category, course contexts)',
        ['context' => ['contextlevel IN (30, 40, 50)']],
        function() { context_helper::create_instances(); });
    foreach ($names as $n) {
        $course = c_course($n);
        [$ctx, $out] = t_quiet(function() use ($course) { return context_course::instance($course->id, MUST_EXIST); });
        $parent = context_coursecat::instance($course->category, IGNORE_MISSING);
        $ok = $ctx && $parent && $ctx->path === $parent->path . '/' . $ctx->id && $ctx->depth == $parent->depth + 1;
        t_check($ok, "context of $n under its category's (path, depth)", [$out,
            'course context ' . json_encode($ctx ? [$ctx->path, $ctx->depth] : null),
            'category context ' . json_encode($parent ? [$parent->path, $parent->depth] : null)]);
    }
}

/** A logged-in user's view of the categories is cached (coursecat): the run must purge it. */
function c_warm(): void {
    $top = core_course_category::top();
    $top->get_children();
    core_course_category::get(1)->get_courses(['recursive' => true]);
    core_course_category::make_categories_list();
    t_check(true, 'fixture: the course category caches filled');
}

/** The category tree of courses-create.csv through core_course_category (cached). */
function c_categories(): void {
    global $DB;
    $path = ['Faculty A', 'Department B', 'Year 1'];
    $cat = core_course_category::top();
    foreach ($path as $name) {
        $next = null;
        foreach ($cat->get_children() as $child) {
            if ($child->name === $name) {
                $next = $child;
            }
        }
        if (!t_check($next !== null, "core_course_category: \"$name\" is a child of \"{$cat->get_formatted_name()}\"",
                ['children: ' . json_encode(array_values(array_map(function($c) { return $c->name; }, $cat->get_children())))])) {
            return;
        }
        $cat = $next;
    }
    $list = core_course_category::make_categories_list();
    t_check(in_array('Faculty A / Department B / Year 1', $list, true) && in_array('Faculty A / Other/Dept', $list, true),
        'make_categories_list() names Faculty A / Department B / Year 1 and Faculty A / Other/Dept', [json_encode($list)]);
    foreach ($DB->get_records('course_categories') as $c) {
        $api = core_course_category::get($c->id);
        $rows = $DB->count_records('course', ['category' => $c->id]);
        t_check($api->get_courses_count() == $rows && $c->coursecount == $rows,
            "category $c->name: get_courses_count() and coursecount agree with its $rows courses",
            ['get_courses_count ' . $api->get_courses_count() . ", coursecount $c->coursecount"]);
    }
}

/** The columns of courses-create.csv as Moodle reads them: topics, self, guest. */
function c_columns(): void {
    $c1 = c_course('MT_C1');
    $format = course_get_format($c1);
    $modinfo = get_fast_modinfo($c1);
    $s1 = $modinfo->get_section_info(1);
    t_check($format->get_section_name(0) === 'Welcome' && $format->get_section_name(1) === 'Week one'
        && $s1->summary === 'The first topic' && $format->get_section_name(2) === 'Week two',
        'MT_C1 topic0..2: section names Welcome, Week one (summary "The first topic"), Week two',
        [json_encode([$format->get_section_name(0), $format->get_section_name(1), $s1->summary, $format->get_section_name(2)])]);
    $enabled = function(string $shortname) {
        return array_values(array_map(function($i) { return $i->enrol; },
            enrol_get_instances(c_course($shortname)->id, true)));
    };
    t_check($enabled('MT_C1') === ['manual', 'self'], 'MT_C1 (self 1, guest 0): enabled instances manual, self',
        [json_encode($enabled('MT_C1'))]);
    t_check($enabled('MT_C2') === ['manual', 'guest'], 'MT_C2 (self 0, guest 1): enabled instances manual, guest',
        [json_encode($enabled('MT_C2'))]);
    // teacher1_account / teacher1_role: enrolled, and shown as the course's contact
    $teacher = $GLOBALS['DB']->get_record('user', ['username' => 'mt_u6'], '*', MUST_EXIST);
    $ctx = context_course::instance($c1->id);
    t_check(is_enrolled($ctx, $teacher, '', true) && user_has_role_assignment($teacher->id,
        t_id('role', ['shortname' => 'editingteacher']), $ctx->id), 'MT_C1 teacher1: mt_u6 enrolled as editingteacher');
    [$contacts, $out] = t_quiet(function() use ($c1) {
        return (new core_course_list_element(get_course($c1->id)))->get_course_contacts();
    });
    t_check(isset($contacts[$teacher->id]) && $out === '', 'MT_C1 teacher1: mt_u6 among the course contacts',
        ['contacts ' . json_encode(array_keys((array)$contacts)), $out]);
    $self = enrol_get_plugin('self');
    $instance = null;
    foreach (enrol_get_instances(c_course('MT_C1')->id, true) as $i) {
        if ($i->enrol === 'self') {
            $instance = $i;
        }
    }
    t_check($instance && $self->can_self_enrol($instance, false) === true, 'MT_C1: the self instance accepts self enrolment',
        [json_encode($instance ? $self->can_self_enrol($instance, false) : null)]);
}

/** The rows of a course that do not depend on its id, name or time, to compare two courses. */
function c_shape(stdClass $course): array {
    global $DB;
    $skip = ['id', 'shortname', 'fullname', 'idnumber', 'sortorder', 'timecreated', 'timemodified',
        'cacherev', 'startdate', 'enddate', 'summary', 'originalcourseid'];
    $row = array_diff_key((array)$course, array_flip($skip));
    $ctx = context_course::instance($course->id);
    $shape = ['course' => array_map('strval', $row)];
    // Every column but ids, times and what toolsync leaves to Moodle's first use (the
    // sequence: the Announcements forum).
    $rows = function(string $table, array $where, string $sort, array $skip) use ($DB) {
        return array_values(array_map(function($r) use ($skip) {
            return json_encode(array_diff_key((array)$r, array_flip($skip)));
        }, $DB->get_records($table, $where, $sort)));
    };
    $shape['sections'] = $rows('course_sections', ['course' => $course->id], 'section',
        ['id', 'course', 'sequence', 'timemodified']);
    $shape['format_options'] = array_values(array_map(function($o) {
        return "$o->format/" . ($o->sectionid ? 'section' : 'course') . ":$o->name=$o->value";
    }, $DB->get_records('course_format_options', ['courseid' => $course->id], 'format, sectionid, name')));
    $shape['enrol'] = $rows('enrol', ['courseid' => $course->id], 'sortorder',
        ['id', 'courseid', 'timecreated', 'timemodified']);
    $shape['blocks'] = $rows('block_instances', ['parentcontextid' => $ctx->id], 'blockname',
        ['id', 'parentcontextid', 'timecreated', 'timemodified']);
    $shape['context'] = "depth=$ctx->depth locked=" . (int)$ctx->locked;
    return $shape;
}

/** What differs between two parts of c_shape(): the differing columns (of each row). */
function c_shape_diff($a, $b): array {
    if (!is_array($a) || !is_array($b) || count($a) !== count($b)) {
        return ['toolsync ' . json_encode($a), 'Moodle   ' . json_encode($b)];
    }
    $rows = array_keys($b) === range(0, count($b) - 1);   // a list of JSON rows, or one row
    $pairs = $rows ? array_map(null, $a, $b) : [[$a, $b]];
    $diag = [];
    foreach ($pairs as $i => [$x, $y]) {
        if ($rows && !is_array(json_decode((string)$y, true))) {   // plain strings (format options)
            if ($x !== $y) {
                $diag[] = "row $i: toolsync " . var_export($x, true) . ', Moodle ' . var_export($y, true);
            }
            continue;
        }
        $x = $rows ? (array)json_decode((string)$x, true) : $x;
        $y = $rows ? (array)json_decode((string)$y, true) : $y;
        foreach ($y as $col => $v) {
            if (($x[$col] ?? null) !== $v) {
                $diag[] = ($rows ? "row $i" . (isset($y['enrol']) ? " ($y[enrol])" : '') . ' ' : '')
                    . "$col: toolsync " . var_export($x[$col] ?? null, true) . ', Moodle ' . var_export($v, true);
            }
        }
    }
    return $diag;
}

/** A course toolsync made against one create_course() makes with the same fields. */
function c_likemoodle(string $shortname): void {
    global $DB;
    $ts = c_course($shortname);
    // What the course form and the upload tool hand create_course(): the site's course
    // defaults (moodlecourse), an HTML summary.
    $data = (object)array_merge((array)get_config('moodlecourse'), ['category' => $ts->category,
        'shortname' => "$shortname-MOODLE", 'fullname' => "$ts->fullname (Moodle)", 'format' => $ts->format,
        'summary' => '', 'summaryformat' => FORMAT_HTML]);
    [$mine, $out] = t_quiet(function() use ($data) {
        global $DB;
        return $DB->get_record('course', ['id' => create_course($data)->id]);
    });
    if (!$mine) {
        t_check(false, "create_course() for the comparison", [$out]);
        return;
    }
    $a = c_shape($ts);
    $b = c_shape($mine);
    $what = ['course' => 'course row', 'sections' => 'sections', 'format_options' => 'format options',
        'enrol' => 'enrol instances', 'blocks' => 'blocks', 'context' => 'context'];
    foreach ($b as $part => $v) {
        t_check($a[$part] == $v, "$shortname: the $what[$part] create_course() writes", c_shape_diff($a[$part], $v));
    }
    t_quiet(function() use ($mine) {   // the recycle bin's backup talks under debugging
        delete_course($mine, false);
        fix_course_sortorder();
    });
}

/** Fixture: a page, a forum and an enrolled student (mt_student_<shortname>). */
function c_content(array $names): void {
    global $CFG;
    require_once($CFG->dirroot . '/lib/phpunit/classes/util.php');
    $gen = phpunit_util::get_data_generator();
    foreach ($names as $n) {
        $course = c_course($n);
        [$r, $out] = t_quiet(function() use ($gen, $course, $n) {
            $gen->create_module('page', ['course' => $course->id, 'name' => "Page of $n"]);
            $gen->create_module('forum', ['course' => $course->id, 'name' => "Forum of $n"]);
            $user = $gen->create_user(['username' => strtolower("mt_student_$n")]);
            $gen->enrol_user($user->id, $course->id, 'student');
            return true;
        });
        t_check($r === true, "fixture: a page, a forum and a student in $n (Moodle's generator)", [$out]);
    }
}

/** The course's activities but the Announcements forum (Moodle makes it when it likes). */
function c_module_names(int $courseid): array {
    global $DB;
    $names = [];
    foreach (get_fast_modinfo($courseid)->get_cms() as $cm) {
        if ($cm->modname === 'forum' && $DB->get_field('forum', 'type', ['id' => $cm->instance]) === 'news') {
            continue;
        }
        $names[] = $cm->modname . ':' . $cm->name;
    }
    sort($names);
    return $names;
}

function c_fromtemplate(string $new, string $tpl): void {
    $course = c_course($new);
    $template = c_course($tpl);
    [$mods, $out] = t_quiet(function() use ($course) { return c_module_names($course->id); });
    $want = c_module_names($template->id);
    t_check($mods === $want && $out === '', "$new holds the activities of $tpl",
        ['got ' . json_encode($mods), 'want ' . json_encode($want), $out]);
    t_check($course->fullname === 'Moodle tree from template' && $course->idnumber === 'MTFROMTPL',
        "$new keeps the file's fullname and idnumber", [json_encode([$course->fullname, $course->idnumber])]);
    t_check($course->category == $GLOBALS['DB']->get_field('course_categories', 'id', ['name' => 'Year 2']),
        "$new is in the file's category (Year 2)", ["category $course->category"]);
}

/** Deleted, and no row of the tables a course owns points at a course that is gone. */
function c_deleted(array $names): void {
    global $DB;
    foreach ($names as $n) {
        t_check(!$DB->record_exists('course', ['shortname' => $n]), "$n is deleted");
    }
    $orphans = [
        'context' => 'contextlevel = 50 AND instanceid NOT IN (SELECT id FROM {course})',
        'course_sections' => 'course NOT IN (SELECT id FROM {course})',
        'course_modules' => 'course NOT IN (SELECT id FROM {course})',
        'course_format_options' => 'courseid NOT IN (SELECT id FROM {course})',
        'enrol' => 'courseid NOT IN (SELECT id FROM {course})',
        'groups' => 'courseid NOT IN (SELECT id FROM {course})',
        'role_assignments' => 'contextid NOT IN (SELECT id FROM {context})',
        'block_instances' => 'parentcontextid NOT IN (SELECT id FROM {context})',
        'user_enrolments' => 'enrolid NOT IN (SELECT id FROM {enrol})',
        'grade_items' => 'courseid NOT IN (SELECT id FROM {course})',
        'files' => 'contextid NOT IN (SELECT id FROM {context})',
    ];
    $diag = [];
    foreach ($orphans as $table => $where) {
        $count = $DB->count_records_select($table, $where);
        if ($count) {
            $diag[] = "$table: $count rows ($where)";
        }
    }
    t_check(!$diag, 'no row left pointing at a deleted course', $diag);
}

/** The category toolsync made, emptied by courses-delete, is deleted by Moodle's own API. */
function c_deletecategory(): void {
    global $DB;
    $cat = core_course_category::get($DB->get_field('course_categories', 'id', ['name' => 'Other/Dept']));
    [$r, $out] = t_quiet(function() use ($cat) { return $cat->can_delete_full() ? $cat->delete_full(false) : 'cannot'; });
    t_check($out === '' && $r !== 'cannot' && !$DB->record_exists('course_categories', ['name' => 'Other/Dept']),
        'core_course_category::delete_full() deletes the emptied category Other/Dept', [$out, var_export($r, true)]);
}

function c_reset(string $n): void {
    global $DB;
    $course = c_course($n);
    $user = $DB->get_record('user', ['username' => strtolower("mt_student_$n")]);
    $ctx = context_course::instance($course->id);
    t_check(!is_enrolled($ctx, $user), "$n reset: its student is no longer enrolled");
    t_check(count(c_module_names($course->id)) === 2, "$n reset: its activities stay");
}

switch ($mode) {
    case 'warm': c_warm(); break;
    case 'categories': c_categories(); break;
    case 'columns': c_columns(); break;
    case 'sound': c_sound($names); break;
    case 'likemoodle': c_likemoodle($names[0]); break;
    case 'content': c_content($names); break;
    case 'fromtemplate': c_fromtemplate($names[0], $names[1]); break;
    case 'deleted': c_deleted($names); break;
    case 'deletecategory': c_deletecategory(); break;
    case 'reset': c_reset($names[0]); break;
    default: fwrite(STDERR, "unknown mode $mode\n"); exit(2);
}
