<?php
// toolsync_bridge.php: runs, inside a Moodle site, the operations that toolsync cannot do
// with SQL alone: cache purges, course deletion, course reset, template restore.
//
// Copyright (C) the toolsync authors.
// SPDX-License-Identifier: GPL-3.0-or-later
//
// This program is free software: you can redistribute it and/or modify it under the
// terms of the GNU General Public License as published by the Free Software Foundation,
// either version 3 of the License, or (at your option) any later version.  This program
// is distributed in the hope that it will be useful, but WITHOUT ANY WARRANTY; without
// even the implied warranty of MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See
// the GNU General Public License for more details: <https://www.gnu.org/licenses/>.
//
// Usage (by toolsync, core/bridge/bridge.c):
//
//     php toolsync_bridge.php --dirroot=/path/to/moodle  < requests  > answers
//
// --dirroot is the directory holding the site's config.php (Moodle 4.1 to 5.0, and 5.1+
// where the code lives in public/ but config.php stays at the root).  Requests come on
// stdin, one JSON object per line, until EOF:
//
//     {"id":1,"op":"purge_caches","args":{"definitions":["core/groupdata"]}}
//
// and each gets exactly one answer line on stdout, in order, flushed at once:
//
//     {"id":1,"status":"ok","key":"bridgedone","message":"…","result":{…}}
//     {"id":1,"status":"error","key":"<why>","message":"<human text>","result":null}
//
// An op that throws answers "error" and the next op runs.  Anything else Moodle prints
// goes to stderr, so that stdout carries nothing but answers.  Run it as the web
// server's user: the file caches it touches must stay writable by the site.
//
// Adding an op: write one function tsb_op_<name>(array $args): array returning the
// result (or throwing tsb_failure for a known refusal) and list it in tsb_ops().

if (PHP_SAPI !== 'cli') {
    exit(1);
}

/** A refusal with its message key, answered as status "error". */
class tsb_failure extends Exception {
    /** @var string message key for toolsync's report */
    public $key;

    public function __construct(string $key, string $message) {
        parent::__construct($message);
        $this->key = $key;
    }
}

/** The ops this script knows, by name. */
function tsb_ops(): array {
    return [
        'ping' => 'tsb_op_ping',
        'purge_caches' => 'tsb_op_purge_caches',
        'course_cacherev' => 'tsb_op_course_cacherev',
        'course_delete' => 'tsb_op_course_delete',
        'course_reset' => 'tsb_op_course_reset',
        'course_restore' => 'tsb_op_course_restore',
    ];
}

// ---- ops ------------------------------------------------------------------------------

/** Which site this is: release, version, code and web roots. */
function tsb_op_ping(array $args): array {
    global $CFG;
    if (empty($CFG->version)) {
        throw new tsb_failure('moodlenotinstalled', "Moodle is not installed in {$CFG->dirroot}");
    }
    return [
        'release' => (string)$CFG->release,
        'version' => (string)$CFG->version,
        'dirroot' => $CFG->dirroot,
        'root' => isset($CFG->root) ? $CFG->root : $CFG->dirroot,
        'wwwroot' => $CFG->wwwroot,
        'needsupgrade' => moodle_needs_upgrading(),
        'php' => PHP_VERSION,
    ];
}

/**
 * MUC purges (moodle-writes §2.3): {"definitions":["core/groupdata", …]} purges those
 * definitions, {"events":["changesincoursecat", …]} purges by event (which also reaches
 * the session caches of logged-in users), {"all":true} runs purge_caches().  They combine.
 * A session or request cache purged by definition is purged here only, in this process:
 * the answer names them ("notreached") so that the caller purges by event instead.
 */
function tsb_op_purge_caches(array $args): array {
    $definitions = tsb_string_list($args, 'definitions');
    $events = tsb_string_list($args, 'events');
    $all = !empty($args['all']);
    if (!$definitions && !$events && !$all) {
        throw new tsb_failure('bridgebadargs', 'purge_caches needs "definitions", "events" or "all"');
    }
    $config = cache_config::instance();
    $notreached = [];
    foreach ($definitions as $id) {
        $definition = preg_match('~^[a-z0-9_]+/[a-z0-9_]+$~', $id) ? $config->get_definition_by_id($id) : false;
        if ($definition === false) {
            throw new tsb_failure('cachedefinitionunknown', "no cache definition \"$id\" on this site");
        }
        if (isset($definition['mode']) && (int)$definition['mode'] !== cache_store::MODE_APPLICATION) {
            $notreached[] = $id;
        }
    }
    foreach ($definitions as $id) {
        [$component, $area] = explode('/', $id, 2);
        cache_helper::purge_by_definition($component, $area);
    }
    foreach ($events as $event) {
        cache_helper::purge_by_event($event);
    }
    if ($all) {
        purge_caches();
    }
    return ['definitions' => $definitions, 'events' => $events, 'all' => $all, 'notreached' => $notreached];
}

/** Makes a course's module info stale: {"courseid":N} → rebuild_course_cache(N, true). */
function tsb_op_course_cacherev(array $args): array {
    global $DB;
    $courseid = tsb_positive_int($args, 'courseid');
    if (!$DB->record_exists('course', ['id' => $courseid])) {
        throw new tsb_failure('coursenotfound', "no course with id $courseid");
    }
    rebuild_course_cache($courseid, true);
    return ['courseid' => $courseid, 'cacherev' => (int)$DB->get_field('course', 'cacherev', ['id' => $courseid])];
}

// ---- courses (the courses module: modules/courses/) ------------------------------------------

/** Acts as the first site admin, as Moodle's CLI scripts do (restore and delete check who). */
function tsb_as_admin(): void {
    global $USER;
    if (empty($USER->id)) {
        \core\session\manager::set_user(get_admin());
    }
}

/**
 * delete_course() of a course with content: {"courseid":N}.  A course already gone
 * answers ok (the line may be run again after a partial failure).
 */
function tsb_op_course_delete(array $args): array {
    global $DB, $CFG;
    require_once($CFG->dirroot . '/course/lib.php');
    $courseid = tsb_positive_int($args, 'courseid');
    if ($courseid == SITEID) {
        throw new tsb_failure('errorsitecourse', 'the front page course is never deleted');
    }
    $course = $DB->get_record('course', ['id' => $courseid]);
    if (!$course) {
        return ['courseid' => $courseid, 'deleted' => false];
    }
    tsb_as_admin();
    if (!delete_course($course, false)) {
        throw new tsb_failure('errorcoursedelete', "course $courseid could not be deleted");
    }
    fix_course_sortorder();
    return ['courseid' => $courseid, 'deleted' => true];
}

/** A reset file value that means yes (spec 10 §5.1: yes, 1, and the sample's all, true). */
function tsb_yes($value): bool {
    return in_array(strtolower(trim((string)$value)), ['yes', '1', 'all', 'true'], true);
}

/** The role ids of a reset file's roles column: "all" or role shortnames. */
function tsb_reset_roles(string $value): array {
    global $DB;
    $value = trim($value);
    if ($value === '' || strtolower($value) === 'none') {
        return [];
    }
    if (strtolower($value) === 'all') {
        return array_map('intval', array_keys($DB->get_records('role', null, '', 'id')));
    }
    $ids = [];
    foreach (preg_split('/\s+/', $value) as $shortname) {
        $id = $DB->get_field('role', 'id', ['shortname' => $shortname]);
        if (!$id) {
            throw new tsb_failure('errorunknownrole', "role $shortname unknown");
        }
        $ids[] = (int)$id;
    }
    return $ids;
}

/** The modules column: each module type of the course, its default reset options. */
function tsb_reset_modules(stdClass $data, int $courseid, string $value): void {
    global $DB, $CFG;
    $value = trim($value);
    if ($value === '' || strtolower($value) === 'none') {
        return;
    }
    $words = preg_split('/\s+/', strtolower($value));
    $except = array_map(function($w) { return ltrim($w, '-'); },
        array_filter($words, function($w) { return $w[0] === '-'; }));
    $only = array_filter($words, function($w) { return $w !== 'all' && $w[0] !== '-'; });
    $sql = "SELECT DISTINCT m.name FROM {modules} m JOIN {course_modules} cm ON cm.module = m.id
             WHERE cm.course = ?";
    foreach ($DB->get_fieldset_sql($sql, [$courseid]) as $modname) {
        if (in_array($modname, $except, true) || ($only && !in_array($modname, $only, true))) {
            continue;
        }
        $lib = "$CFG->dirroot/mod/$modname/lib.php";
        if (!file_exists($lib)) {
            continue;
        }
        include_once($lib);
        $fn = $modname . '_reset_course_form_defaults';
        if (function_exists($fn)) {
            $course = get_course($courseid);
            foreach ((array)$fn($course) as $key => $v) {
                $data->$key = $v;
            }
        }
    }
}

/** The options of reset_course_userdata() from a reset file's line (spec 10 §5.1). */
function tsb_reset_data(int $courseid, array $o): stdClass {
    $course = get_course($courseid);
    $data = (object)['id' => $courseid, 'courseid' => $courseid, 'reset_start_date' => 0,
        'reset_start_date_old' => $course->startdate, 'reset_end_date' => 0,
        'reset_end_date_old' => $course->enddate];
    $flags = ['events' => 'reset_events', 'logs' => 'reset_logs', 'notes' => 'reset_notes'];
    foreach ($flags as $col => $key) {
        $data->$key = tsb_yes($o[$col] ?? '') ? 1 : 0;
    }
    // Absent means yes for these three.
    $data->reset_comments = tsb_yes($o['comments'] ?? 'yes') ? 1 : 0;
    $data->reset_completion = tsb_yes($o['completion'] ?? 'yes') ? 1 : 0;
    $data->delete_blog_associations = tsb_yes($o['blog_associations'] ?? 'yes') ? 1 : 0;
    $choice = function(string $col, array $map) use ($o, $data) {
        $v = strtolower(trim($o[$col] ?? ''));
        foreach ($map[$v] ?? [] as $key) {
            $data->$key = 1;
        }
    };
    $choice('local_roles', ['all' => ['reset_roles_local', 'reset_roles_overrides'],
        'roles' => ['reset_roles_local'], 'overrides' => ['reset_roles_overrides']]);
    $choice('grades', ['all' => ['reset_gradebook_items', 'reset_gradebook_grades'],
        'items' => ['reset_gradebook_items'], 'grades' => ['reset_gradebook_grades']]);
    $choice('groups', ['all' => ['reset_groups_remove', 'reset_groups_members'],
        'groups' => ['reset_groups_remove'], 'members' => ['reset_groups_members']]);
    $choice('groupings', ['all' => ['reset_groupings_remove', 'reset_groupings_members'],
        'groups' => ['reset_groupings_remove'], 'members' => ['reset_groupings_members']]);
    $data->unenrol_users = tsb_reset_roles($o['roles'] ?? '');
    // Modules first, then the per-module columns override.
    tsb_reset_modules($data, $courseid, $o['modules'] ?? '');
    $permodule = ['forum_all', 'forum_subscriptions', 'glossary_all', 'chat', 'data', 'slots',
        'apointments', 'assignment_submissions', 'assign_submissions', 'survey_answers', 'lesson',
        'choice', 'scorm', 'quiz_attempts'];
    foreach ($permodule as $col) {
        if (array_key_exists($col, $o) && trim((string)$o[$col]) !== '') {
            $key = 'reset_' . $col;
            $data->$key = tsb_yes($o[$col]) ? 1 : 0;
        }
    }
    return $data;
}

/** reset_course_userdata(): {"courseid":N,"options":{"<reset file column>":"<value>"}}. */
function tsb_op_course_reset(array $args): array {
    global $DB, $CFG;
    require_once($CFG->dirroot . '/course/lib.php');
    $courseid = tsb_positive_int($args, 'courseid');
    if (!$DB->record_exists('course', ['id' => $courseid]) || $courseid == SITEID) {
        throw new tsb_failure('unknownshortname', "no course with id $courseid to reset");
    }
    $options = isset($args['options']) && is_array($args['options']) ? $args['options'] : [];
    tsb_as_admin();
    $status = reset_course_userdata(tsb_reset_data($courseid, $options));
    $summary = [];
    foreach ($status as $item) {
        $summary[] = "{$item['component']} : {$item['item']} : " .
            ($item['error'] === false ? 'OK' : $item['error']);
    }
    return ['courseid' => $courseid, 'summary' => $summary];
}

/** The unpacked backup to restore: a live import backup of a course, or a .mbz file. */
function tsb_restore_source(array $args): string {
    global $CFG, $USER;
    require_once($CFG->dirroot . '/backup/util/includes/backup_includes.php');
    if (isset($args['templateid'])) {
        $templateid = tsb_positive_int($args, 'templateid');
        $bc = new backup_controller(backup::TYPE_1COURSE, $templateid, backup::FORMAT_MOODLE,
            backup::INTERACTIVE_NO, backup::MODE_IMPORT, $USER->id);
        $bc->execute_plan();
        $dir = $bc->get_backupid();
        $bc->destroy();
        return $dir;
    }
    $file = isset($args['backupfile']) && is_string($args['backupfile']) ? $args['backupfile'] : '';
    if ($file !== '' && $file[0] !== '/') {
        $file = $CFG->dirroot . '/' . $file;   // spec 10 §2.7: relative to the code
    }
    if ($file === '' || !is_readable($file)) {
        throw new tsb_failure('errorbackupfile', "backup file \"$file\" not found (-22)");
    }
    $dir = restore_controller::get_tempdir_name(SITEID, $USER->id);
    $packer = get_file_packer('application/vnd.moodle.backup');
    if (!$packer->extract_to_pathname($file, make_backup_temp_directory($dir))) {
        throw new tsb_failure('errorbackupfile', "backup file \"$file\" could not be extracted (-24)");
    }
    return $dir;
}

/**
 * A course from a template (spec 10 §2.7): {"target":"new"|"adding"|"deleting",
 * "categoryid":N, "courseid":N (existing), "templateid":N | "backupfile":"x.mbz",
 * "fields":{"shortname":…,"fullname":…,…}}; the file's fields win over the backup's.
 */
function tsb_op_course_restore(array $args): array {
    global $DB, $CFG, $USER;
    require_once($CFG->dirroot . '/course/lib.php');
    require_once($CFG->dirroot . '/backup/util/includes/restore_includes.php');
    $fields = isset($args['fields']) && is_array($args['fields']) ? $args['fields'] : [];
    $target = $args['target'] ?? 'new';
    if (empty($fields['shortname']) || empty($fields['fullname'])) {
        throw new tsb_failure('bridgebadargs', 'course_restore needs fields shortname and fullname');
    }
    tsb_as_admin();
    if ($target === 'new') {
        if ($DB->record_exists('course', ['shortname' => $fields['shortname']])) {
            throw new tsb_failure('shortnametaken', "a course {$fields['shortname']} exists already");
        }
        $categoryid = tsb_positive_int($args, 'categoryid');
        $dir = tsb_restore_source($args);
        $courseid = restore_dbops::create_new_course($fields['fullname'], $fields['shortname'], $categoryid);
        $mode = backup::TARGET_NEW_COURSE;
    } else {
        $courseid = tsb_positive_int($args, 'courseid');
        $dir = tsb_restore_source($args);
        $mode = $target === 'deleting' ? backup::TARGET_EXISTING_DELETING : backup::TARGET_EXISTING_ADDING;
        if ($target === 'deleting') {
            restore_dbops::delete_course_content($courseid);
        }
    }
    $rc = new restore_controller($dir, $courseid, backup::INTERACTIVE_NO, backup::MODE_SAMESITE,
        $USER->id, $mode);
    if (!$rc->execute_precheck()) {
        $results = $rc->get_precheck_results();
        $rc->destroy();
        $errors = isset($results['errors']) ? implode('; ', $results['errors']) : 'precheck failed';
        throw new tsb_failure('errorprecheck', $errors);
    }
    $rc->execute_plan();
    $rc->destroy();
    // The file's values win over the backup's (not the format, nor the id).
    unset($fields['format'], $fields['id']);
    $update = (object)array_merge($fields, ['id' => $courseid]);
    if (!empty($args['categoryid'])) {
        $update->category = (int)$args['categoryid'];
    }
    update_course($update);
    // restore_dbops::create_new_course() leaves sortorder 0: give the course its place in
    // its category's block now, as course_delete does, so that the next course toolsync
    // creates there and fix_course_sortorder() both find the block in order.
    fix_course_sortorder();
    return ['courseid' => (int)$courseid, 'target' => $target];
}

// ---- argument checks --------------------------------------------------------------------

/** $args[$name] as a list of strings ([] when absent). */
function tsb_string_list(array $args, string $name): array {
    if (!array_key_exists($name, $args)) {
        return [];
    }
    $list = $args[$name];
    if (!is_array($list) || array_values($list) !== $list) {
        throw new tsb_failure('bridgebadargs', "\"$name\" must be a list of strings");
    }
    foreach ($list as $item) {
        if (!is_string($item) || $item === '') {
            throw new tsb_failure('bridgebadargs', "\"$name\" must be a list of strings");
        }
    }
    return $list;
}

function tsb_positive_int(array $args, string $name): int {
    if (!isset($args[$name]) || !is_int($args[$name]) || $args[$name] < 1) {
        throw new tsb_failure('bridgebadargs', "\"$name\" must be a positive integer");
    }
    return $args[$name];
}

// ---- protocol -----------------------------------------------------------------------------

/** Writes one answer line on stdout (never through PHP's output buffers). */
function tsb_answer(int $id, bool $ok, string $key, string $message, $result): void {
    $flags = JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE;
    $answer = ['id' => $id, 'status' => $ok ? 'ok' : 'error', 'key' => $key, 'message' => $message,
        'result' => $result === null ? null : (object)$result];
    $line = json_encode($answer, $flags);
    if ($line === false) {
        $line = json_encode(['id' => $id, 'status' => 'error', 'key' => 'bridgeencoding',
            'message' => 'the result could not be encoded: ' . json_last_error_msg(), 'result' => null], $flags);
    }
    fwrite(STDOUT, $line . "\n");
    fflush(STDOUT);
}

/** Runs one decoded request and answers it, whatever it throws. */
function tsb_handle(array $request): void {
    global $DB;
    $id = $request['id'];
    $op = isset($request['op']) && is_string($request['op']) ? $request['op'] : '';
    $args = isset($request['args']) && is_array($request['args']) ? $request['args'] : [];
    $ops = tsb_ops();
    try {
        if (!isset($ops[$op])) {
            throw new tsb_failure('bridgeunknownop', "this bridge script has no op \"$op\"");
        }
        $result = $ops[$op]($args);
        tsb_answer($id, true, 'bridgedone', "$op done", $result);
    } catch (Throwable $e) {
        // A failed op must not leave a transaction open for the next one.
        if (isset($DB) && $DB->is_transaction_started()) {
            $DB->force_transaction_rollback();
        }
        if ($e instanceof tsb_failure) {
            $key = $e->key;
        } else if ($e instanceof moodle_exception) {
            $key = $e->errorcode;
        } else {
            $key = 'bridgeexception';
        }
        $message = $e instanceof tsb_failure ? $e->getMessage() : get_class($e) . ': ' . $e->getMessage();
        tsb_answer($id, false, $key, "$op: $message", null);
    }
    if (ob_get_level() > 0) {
        ob_flush();   // what the op printed goes to stderr now, next to its answer
    }
}

/** Reads requests until EOF. */
function tsb_serve(): void {
    while (($line = fgets(STDIN)) !== false) {
        $line = trim($line);
        if ($line === '') {
            continue;
        }
        $request = json_decode($line, true);
        if (!is_array($request) || !isset($request['id']) || !is_int($request['id'])) {
            // No id to answer: id 0 tells toolsync that its request was not understood.
            tsb_answer(0, false, 'bridgebadrequest', 'not a request line', null);
            continue;
        }
        tsb_handle($request);
    }
}

// ---- start --------------------------------------------------------------------------------

/** The directory holding config.php, from --dirroot (a 5.1+ public/ is taken up a level). */
function tsb_dirroot(array $argv): string {
    $dirroot = '';
    foreach (array_slice($argv, 1) as $arg) {
        if (strpos($arg, '--dirroot=') === 0) {
            $dirroot = rtrim(substr($arg, strlen('--dirroot=')), '/');
        }
    }
    if ($dirroot !== '' && !is_readable("$dirroot/config.php") && basename($dirroot) === 'public'
            && is_readable(dirname($dirroot) . '/config.php')) {
        $dirroot = dirname($dirroot);
    }
    if ($dirroot === '' || !is_readable("$dirroot/config.php")) {
        fwrite(STDERR, "toolsync_bridge.php: no readable config.php in --dirroot=\"$dirroot\"\n");
        exit(2);
    }
    return $dirroot;
}

// Nothing but answers may reach stdout: whatever Moodle or PHP prints goes to stderr.
function tsb_stray_output(string $buffer): string {
    if ($buffer !== '') {
        fwrite(STDERR, $buffer);
    }
    return '';
}

ob_start('tsb_stray_output');
ini_set('display_errors', 'stderr');
define('CLI_SCRIPT', true);
define('NO_DEBUG_DISPLAY', true);   // Moodle's warnings then go to the error log: stderr
$tsbdirroot = tsb_dirroot($argv);
require($tsbdirroot . '/config.php');
if (ob_get_level() === 0) {
    ob_start('tsb_stray_output');
}
if (function_exists('posix_geteuid') && posix_geteuid() === 0) {
    fwrite(STDERR, "toolsync_bridge.php: running as root; cache files it creates may not be writable by the site\n");
}
tsb_serve();
ob_end_flush();
exit(0);
