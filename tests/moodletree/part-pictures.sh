# Issue 11: user pictures toolsync stored, as Moodle's file API sees them.
# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by run.sh (helpers in lib.sh); the courses part made the accounts mt_u1..mt_u3.

part_pictures() {
    if ! "$PHP" "$HERE/php/mkpictures.php" "$W/sync/userpictures_mt.zip"; then
        tap_fail "pictures: the test's zip of JPEG, PNG and GIF images written"
        return
    fi
    ts pictures 0 run pictures
    php_check pictures pictures.php mt_u1 mt_u2 mt_u3
}
