<?php
// The GD calls Moodle's process_new_icon() (lib/gdlib.php) makes, written anew for the
// byte comparison of scenario 63: prints "<file> <sha1 f1> <sha1 f2> <sha1 f3>"; with
// --filedir DIR first, exits 1 unless each of those contents is in DIR (Moodle's layout).
// SPDX-License-Identifier: GPL-3.0-or-later
function icon($file) {
    $info = getimagesize($file); $w = $info[0]; $h = $info[1]; $type = $info[2];
    $png = true; $t = null;
    if ($type == IMAGETYPE_GIF) { $im = imagecreatefromgif($file); $tr = imagecolortransparent($im); if ($tr != -1) $t = imagecolorsforindex($im, $tr); }
    else if ($type == IMAGETYPE_JPEG) { $im = imagecreatefromjpeg($file); $png = false; }
    else { $im = imagecreatefrompng($file); }
    $out = [];
    foreach ([100, 35, 512] as $s) {
        $d = imagecreatetruecolor($s, $s);
        if ($type != IMAGETYPE_JPEG) {
            if ($t) { $c = imagecolorallocate($d, $t['red'], $t['green'], $t['blue']); imagecolortransparent($d, $c); }
            imagealphablending($d, false); $c = imagecolorallocatealpha($d, 0, 0, 0, 127); imagefill($d, 0, 0, $c); imagesavealpha($d, true);
        }
        $cx = floor($w / 2); $cy = floor($h / 2); $half = $w < $h ? floor($w / 2.0) : floor($h / 2.0);
        imagecopyresampled($d, $im, 0, 0, $cx - $half, $cy - $half, $s, $s, $half * 2, $half * 2);
        ob_start(); if ($png) imagepng($d, null, 1, PNG_NO_FILTER); else imagejpeg($d, null, 90); $bytes = ob_get_clean();
        $out[] = sha1($bytes);
    }
    echo basename($file), ' ', implode(' ', $out), "\n";
    return $out;
}
$args = array_slice($argv, 1);
$filedir = null;
if ($args && $args[0] === '--filedir') {
    $filedir = $args[1];
    $args = array_slice($args, 2);
}
$missing = 0;
foreach ($args as $f) {
    foreach (icon($f) as $h) {
        if ($filedir !== null && !is_file("$filedir/" . substr($h, 0, 2) . '/' . substr($h, 2, 2) . "/$h")) {
            echo "not in filedir: $h\n";
            $missing++;
        }
    }
}
exit($missing ? 1 : 0);
