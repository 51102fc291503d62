<?php
// toolsync_bridge.php: runs, inside a Moodle site, the operations that toolsync cannot do
// with SQL alone (cache purges now; course deletion, reset and template restore later).
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
