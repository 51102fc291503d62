<?php
// Moodle's own view of the courses toolsync wrote (issue 8):
//   php courses.php DIRROOT sound SHORTNAME…         get_fast_modinfo; fix_course_sortorder,
//                                                    build_all_paths, create_instances change nothing
//   php courses.php DIRROOT likemoodle SHORTNAME     the same rows as create_course() writes
//   php courses.php DIRROOT content SHORTNAME…       (fixture) a page, a forum and a student
//   php courses.php DIRROOT fromtemplate NEW TPL     NEW restored from TPL with the file's names
//   php courses.php DIRROOT deleted SHORTNAME…       gone, and nothing left pointing at them
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

/** The rows of a course that do not depend on its id, name or time, to compare two courses. */
function c_shape(stdClass $course): array {
    global $DB;
    $skip = ['id', 'shortname', 'fullname', 'idnumber', 'sortorder', 'timecreated', 'timemodified',
        'cacherev', 'startdate', 'enddate', 'summary', 'originalcourseid'];
    $row = array_diff_key((array)$course, array_flip($skip));
    $ctx = context_course::instance($course->id);
    $shape = ['course' => array_map('strval', $row)];
    $shape['sections'] = array_values(array_map(function($s) {
        // Not the sequence: toolsync leaves the Announcements forum to Moodle's first use.
        return "$s->section name=" . var_export($s->name, true) . " summaryformat=$s->summaryformat visible=$s->visible";
    }, $DB->get_records('course_sections', ['course' => $course->id], 'section')));
    $shape['format_options'] = array_values(array_map(function($o) {
        return "$o->format/$o->sectionid:$o->name=$o->value";
    }, $DB->get_records('course_format_options', ['courseid' => $course->id], 'format, name')));
    $shape['enrol'] = array_values(array_map(function($e) {
        return "$e->enrol status=$e->status sortorder=$e->sortorder roleid=$e->roleid "
            . "customint1=$e->customint1 customint6=$e->customint6 expirythreshold=$e->expirythreshold";
    }, $DB->get_records('enrol', ['courseid' => $course->id], 'sortorder')));
    $shape['blocks'] = array_values(array_map(function($b) {
        return "$b->blockname $b->pagetypepattern $b->defaultregion";
    }, $DB->get_records('block_instances', ['parentcontextid' => $ctx->id], 'blockname')));
    $shape['context'] = "depth=$ctx->depth locked=" . (int)$ctx->locked;
    return $shape;
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
    $diag = [];
    foreach ($b as $part => $v) {
        if ($a[$part] != $v) {
            $diag[] = "$part: toolsync " . json_encode($a[$part]) . "\n$part: Moodle   " . json_encode($v);
        }
    }
    t_check(!$diag, "$shortname has the rows create_course() writes (course, sections, format options, enrol instances, blocks, context)", $diag);
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

function c_reset(string $n): void {
    global $DB;
    $course = c_course($n);
    $user = $DB->get_record('user', ['username' => strtolower("mt_student_$n")]);
    $ctx = context_course::instance($course->id);
    t_check(!is_enrolled($ctx, $user), "$n reset: its student is no longer enrolled");
    t_check(count(c_module_names($course->id)) === 2, "$n reset: its activities stay");
}

switch ($mode) {
    case 'sound': c_sound($names); break;
    case 'likemoodle': c_likemoodle($names[0]); break;
    case 'content': c_content($names); break;
    case 'fromtemplate': c_fromtemplate($names[0], $names[1]); break;
    case 'deleted': c_deleted($names); break;
    case 'reset': c_reset($names[0]); break;
    default: fwrite(STDERR, "unknown mode $mode\n"); exit(2);
}
