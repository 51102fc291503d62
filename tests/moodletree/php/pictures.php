<?php
// Moodle's own view of the user pictures toolsync stored (issue 11):
//   php pictures.php DIRROOT USERNAME…   the file API returns f1/f2/f3 in the user's icon area,
//                                        their content is in filedir under its SHA-1, they are
//                                        images of 100, 35 and 512 pixels, user.picture is f1's id
// SPDX-License-Identifier: GPL-3.0-or-later
require(__DIR__ . '/lib.php');

$fs = get_file_storage();
foreach (array_slice($argv, 2) as $username) {
    $user = $DB->get_record('user', ['username' => $username], '*', MUST_EXIST);
    $ctx = context_user::instance($user->id);
    [$files, $out] = t_quiet(function() use ($fs, $ctx) {
        return $fs->get_area_files($ctx->id, 'user', 'icon', 0, 'filename', false);
    });
    $byname = [];
    foreach ((array)$files as $f) {
        $byname[preg_replace('/\.(png|jpg)$/', '', $f->get_filename())] = $f;
    }
    ksort($byname);
    t_check(array_keys($byname) === ['f1', 'f2', 'f3'] && $out === '',
        "get_area_files: $username's icon area holds f1, f2, f3",
        ['got ' . json_encode(array_map(function($f) { return $f->get_filename(); }, array_values((array)$files))), $out]);
    $sizes = ['f1' => 100, 'f2' => 35, 'f3' => 512];
    foreach ($byname as $name => $f) {
        [$content, $out] = t_quiet(function() use ($f) { return $f->get_content(); });
        $info = $content ? @getimagesizefromstring($content) : false;
        $ok = $content && sha1($content) === $f->get_contenthash() && $f->get_filesize() == strlen($content)
            && $info && $info[0] == $sizes[$name] && $info[1] == $sizes[$name] && $info['mime'] === $f->get_mimetype();
        t_check($ok, "$username's {$f->get_filename()}: content readable, SHA-1 and size as recorded, a {$sizes[$name]} px {$f->get_mimetype()}",
            [$out, 'contenthash ' . $f->get_contenthash() . ' sha1 ' . ($content ? sha1($content) : '-'),
             'filesize ' . $f->get_filesize() . ' read ' . strlen((string)$content), 'image ' . json_encode($info)]);
    }
    $f1 = $byname['f1'] ?? null;
    t_check($f1 && (int)$user->picture === (int)$f1->get_id(), "user.picture of $username is the id of f1",
        ["user.picture $user->picture, f1 id " . ($f1 ? $f1->get_id() : '-')]);
    // What a page shows: the picture's URL names the icon area's revision, not the default image.
    [$url, $out] = t_quiet(function() use ($user) {
        global $PAGE;
        $PAGE->set_url('/');
        $PAGE->set_context(context_system::instance());
        return (new user_picture($user))->get_url($PAGE)->out(false);
    });
    t_check(strpos((string)$url, '/pluginfile.php/') !== false && strpos((string)$url, '/user/icon/') !== false,
        "user_picture of $username points at the stored icon", ["url $url", $out]);
}
