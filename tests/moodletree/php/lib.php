<?php
// Shared by the PHP checks of tests/moodletree: boots the site, prints TAP lines, takes
// snapshots of tables to tell whether a Moodle API call changed anything.
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Every check script is run as  php <script> <site dirroot> [args…]  by run.sh, and prints
// "ok - <name>" / "not ok - <name>" lines with "# " diagnostics.

define('CLI_SCRIPT', true);
if (!isset($argv[1]) || !is_readable($argv[1] . '/config.php')) {
    fwrite(STDERR, "usage: php {$argv[0]} <site dirroot> [args]\n");
    exit(2);
}
require($argv[1] . '/config.php');
// PHP 8.2 deprecations in the tree's own code are not toolsync's: debugging() stays on.
error_reporting(E_ALL & ~E_DEPRECATED & ~E_USER_DEPRECATED);
// The backups delete_course() makes for the recycle bin log every step under debugging.
$CFG->backup_error_log_logger_level = 10;   // backup::LOG_NONE
\core\session\manager::set_user(get_admin());

/** One TAP line; $diag lines follow a failure. */
function t_check(bool $ok, string $name, array $diag = []): bool {
    echo ($ok ? 'ok' : 'not ok') . " - $name\n";
    if (!$ok) {
        foreach ($diag as $line) {
            foreach (explode("\n", rtrim((string)$line)) as $l) {
                echo "# $l\n";
            }
        }
    }
    return $ok;
}

/**
 * Runs $fn and returns [its result, what it printed or threw].  Moodle's debugging() and
 * notices print (debugdisplay is on): a sound row gives no such output.
 */
function t_quiet(callable $fn): array {
    ob_start();
    $result = null;
    try {
        $result = $fn();
    } catch (Throwable $e) {
        echo get_class($e) . ': ' . $e->getMessage() . "\n";
        if ($e instanceof moodle_exception && !empty($e->debuginfo)) {
            echo $e->debuginfo . "\n";
        }
    }
    $out = ob_get_clean();
    return [$result, trim($out)];
}

/** All rows of $table (every column) keyed by id, as strings; $where an SQL filter. */
function t_rows(string $table, string $where = '', array $params = []): array {
    global $DB;
    $rows = [];
    foreach ($DB->get_recordset_select($table, $where, $params, 'id') as $r) {
        $rows[$r->id] = array_map('strval', (array)$r);
    }
    return $rows;
}

/** The differences between two snapshots of a table, one line per changed row (at most 20). */
function t_diff(string $table, array $before, array $after, array $ignore = []): array {
    $lines = [];
    foreach ($before as $id => $row) {
        if (!isset($after[$id])) {
            $lines[] = "$table id $id removed: " . json_encode($row);
            continue;
        }
        $changed = [];
        foreach ($row as $col => $v) {
            if (!in_array($col, $ignore, true) && ($after[$id][$col] ?? null) !== $v) {
                $changed[] = "$col " . var_export($v, true) . ' -> ' . var_export($after[$id][$col] ?? null, true);
            }
        }
        if ($changed) {
            $lines[] = "$table id $id: " . implode(', ', $changed);
        }
    }
    foreach ($after as $id => $row) {
        if (!isset($before[$id])) {
            $lines[] = "$table id $id added: " . json_encode($row);
        }
    }
    return array_slice($lines, 0, 20);
}

/** Snapshots of several tables: [table => [where, params]] or [table, …]. */
function t_snapshot(array $tables): array {
    $snap = [];
    foreach ($tables as $k => $v) {
        if (is_int($k)) {
            $snap[$v] = t_rows($v);
        } else {
            $snap[$k] = t_rows($k, $v[0], $v[1] ?? []);
        }
    }
    return $snap;
}

/**
 * "$what changes nothing": snapshots $tables, runs $fn, snapshots again and compares
 * (columns in $ignore[table] are not compared).
 */
function t_changes_nothing(string $name, array $tables, callable $fn, array $ignore = []): bool {
    $before = t_snapshot($tables);
    [, $out] = t_quiet($fn);
    $after = t_snapshot($tables);
    $diag = [];
    foreach ($before as $table => $rows) {
        $diag = array_merge($diag, t_diff($table, $rows, $after[$table], $ignore[$table] ?? []));
    }
    if ($out !== '') {
        $diag[] = "output: $out";
    }
    return t_check(!$diag, $name, $diag);
}

/** The id of a record that must exist, by field (dies with a diagnostic otherwise). */
function t_id(string $table, array $conditions): int {
    global $DB;
    $id = $DB->get_field($table, 'id', $conditions);
    if (!$id) {
        t_check(false, "$table " . json_encode($conditions) . ' exists');
        exit(3);   // run.sh: this script's failure is reported already
    }
    return (int)$id;
}

/** The rows of a CSV file of tests/moodletree/data (';', "#" comment lines, a header). */
function t_csv(string $name): array {
    $lines = array_filter(file(__DIR__ . '/../data/' . $name, FILE_IGNORE_NEW_LINES),
        function($l) { return trim($l) !== '' && $l[0] !== '#'; });
    $head = null;
    $rows = [];
    foreach ($lines as $line) {
        $r = str_getcsv($line, ';');
        if ($head === null) {
            $head = $r;
        } else {
            $rows[] = array_combine($head, array_pad($r, count($head), ''));
        }
    }
    return $rows;
}

/** A list column ("a|b"): its non-empty items. */
function t_list(string $v): array {
    return array_values(array_filter(array_map('trim', explode('|', $v)), 'strlen'));
}

/**
 * Checks an expectation file (course;user;enrolled;roles[;groups]) against Moodle's
 * is_enrolled, user_has_role_assignment and groups_is_member (and, through the groups
 * cache, groups_get_all_groups).
 */
function t_expect_enrolments(string $file, string $what): void {
    global $DB, $CFG;
    require_once($CFG->dirroot . '/group/lib.php');
    $roles = [];
    foreach (['student', 'teacher', 'editingteacher'] as $r) {
        $roles[$r] = t_id('role', ['shortname' => $r]);
    }
    foreach (t_csv($file) as $e) {
        $course = $DB->get_record('course', ['shortname' => $e['course']], '*', MUST_EXIST);
        $user = $DB->get_record('user', ['username' => $e['user']], '*', MUST_EXIST);
        $ctx = context_course::instance($course->id);
        $any = is_enrolled($ctx, $user, '', false);
        $active = is_enrolled($ctx, $user, '', true);
        $got = $active ? '1' : ($any ? 's' : '0');
        t_check($got === $e['enrolled'], "is_enrolled: $e[user] in $e[course] ($what) is "
            . ['1' => 'active', 's' => 'suspended', '0' => 'not enrolled'][$e['enrolled']],
            ["Moodle says " . ['1' => 'active', 's' => 'suspended', '0' => 'not enrolled'][$got]]);
        $want = t_list($e['roles']);
        $have = [];
        foreach ($roles as $name => $id) {
            if (user_has_role_assignment($user->id, $id, $ctx->id)) {
                $have[] = $name;
            }
        }
        sort($want);
        t_check($have === $want, "user_has_role_assignment: $e[user] in $e[course] holds "
            . ($want ? implode(', ', $want) : 'no role'), ['Moodle says ' . json_encode($have)]);
        if (!array_key_exists('groups', $e)) {
            continue;
        }
        $want = t_list($e['groups']);
        sort($want);
        $have = $cached = [];
        foreach ($DB->get_records('groups', ['courseid' => $course->id]) as $g) {
            $key = $g->idnumber !== '' ? $g->idnumber : $g->name;
            if (groups_is_member($g->id, $user->id)) {
                $have[] = $key;
            }
        }
        foreach (groups_get_all_groups($course->id, $user->id) as $g) {
            $cached[] = $g->idnumber !== '' ? $g->idnumber : $g->name;
        }
        sort($have);
        sort($cached);
        t_check($have === $want, "groups_is_member: $e[user] in $e[course] is in "
            . ($want ? implode(', ', $want) : 'no group'), ['Moodle says ' . json_encode($have)]);
        t_check($cached === $want, "groups_get_all_groups (cached): $e[user] in $e[course] is in "
            . ($want ? implode(', ', $want) : 'no group'), ['Moodle\'s groups cache says ' . json_encode($cached)]);
    }
}

/**
 * "$what: the same row as Moodle's API writes": row $tsid of $table (written by toolsync)
 * against row $moodleid (written by Moodle's own function), every column but $skip.
 */
function t_like(string $what, string $table, int $tsid, int $moodleid, array $skip): bool {
    global $DB;
    $a = (array)$DB->get_record($table, ['id' => $tsid], '*', MUST_EXIST);
    $b = (array)$DB->get_record($table, ['id' => $moodleid], '*', MUST_EXIST);
    $diag = [];
    foreach ($b as $col => $v) {
        if ($col !== 'id' && !in_array($col, $skip, true) && (string)$a[$col] !== (string)$v) {
            $diag[] = "$table.$col: toolsync " . var_export($a[$col], true) . ', Moodle ' . var_export($v, true);
        }
    }
    return t_check(!$diag, "$what: the $table row Moodle's API writes", $diag);
}
