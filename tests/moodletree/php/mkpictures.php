<?php
// Writes a zip of user pictures for the pictures part: php mkpictures.php ZIP
// (mt_u1.jpg 300x200 JPEG, mt_u2.png 160x160 PNG with transparency, mt_u3.gif 120x90 GIF),
// made with GD, no site needed.
// SPDX-License-Identifier: GPL-3.0-or-later
if (PHP_SAPI !== 'cli' || !isset($argv[1])) {
    exit(2);
}
function mk_image(int $w, int $h, int $seed) {
    $im = imagecreatetruecolor($w, $h);
    for ($y = 0; $y < $h; $y += 10) {
        for ($x = 0; $x < $w; $x += 10) {
            $c = imagecolorallocate($im, ($x * 3 + $seed) % 256, ($y * 5 + $seed) % 256, ($x + $y) % 256);
            imagefilledrectangle($im, $x, $y, $x + 9, $y + 9, $c);
        }
    }
    return $im;
}
$zip = new ZipArchive();
if ($zip->open($argv[1], ZipArchive::CREATE | ZipArchive::OVERWRITE) !== true) {
    exit(1);
}
$images = [
    'mt_u1.jpg' => function() { $im = mk_image(300, 200, 11); ob_start(); imagejpeg($im, null, 90); return ob_get_clean(); },
    'mt_u2.png' => function() {
        $im = mk_image(160, 160, 77);
        imagesavealpha($im, true);
        imagefilledellipse($im, 80, 80, 60, 60, imagecolorallocatealpha($im, 0, 0, 0, 127));
        ob_start(); imagepng($im); return ob_get_clean();
    },
    'mt_u3.gif' => function() { $im = mk_image(120, 90, 150); ob_start(); imagegif($im); return ob_get_clean(); },
];
foreach ($images as $name => $fn) {
    $zip->addFromString($name, $fn());
}
exit($zip->close() ? 0 : 1);
