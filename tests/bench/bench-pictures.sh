# Bench of the pictures module, sourced by tests/bench/bench.sh (not run alone).
# SPDX-License-Identifier: GPL-3.0-or-later
#
# TS_BENCH_PICTURES (default 5000) JPEG pictures of about 1 MB each (1000x750 noise,
# quality 90, stored in the zip as a feeder's camera files are: JPEG does not deflate),
# named after TS_BENCH_PICTURES accounts by idnumber: the first run stores them all
# (decode, crop, three variants, filedir, rows), the second finds them unchanged.  The
# table gives pictures/s (rows/s) and the peak RSS, which must stay a few images large
# whatever the archive.  5000 pictures need 5 GB in $T and minutes to draw: scale down
# with TS_BENCH_PICTURES=500 on a small machine.
PICTURES=${TS_BENCH_PICTURES:-5000}
BENCH_MODULES+=(pictures)
BENCH_HOOKS+=(bench_pictures)

# The archive and its accounts, drawn once for every backend.
pictures_inputs() {
    [[ -f $T/userpictures_bench.zip ]] && return 0
    local mk=$BUILD/tests/unit/mkpictures args=() i
    make -s -C "$BUILD" tests/unit/mkpictures >/dev/null || return 1
    log "drawing $PICTURES pictures"
    mkdir -p "$T/pics"
    seq 1 "$PICTURES" | xargs -P "$(nproc)" -I{} "$mk" -o "$T/pics/PIC{}.jpg" jpg:1000x750:{} \
        || return 1
    for ((i = 1; i <= PICTURES; i++)); do args+=("PIC$i.jpg=store:file:$T/pics/PIC$i.jpg"); done
    "$mk" "$T/userpictures_bench.zip" "${args[@]}" || return 1
    rm -rf "$T/pics"
    bash "$GEN" -n "$PICTURES" -p pic -a ldap >"$T/picture-users.csv"
}

# The spec's checksum field (tool_sync's install creates it): the re-run then skips each
# picture by its MD5 without decoding it.  Without it, the re-run decodes every picture
# and compares the variants with the stored ones (as slow as the first run, no writes).
picture_hash_field() {
    site_sql "$1" "$2" "INSERT INTO mdl_user_info_field (shortname, name, datatype, description,
        descriptionformat, categoryid, sortorder, required, locked, visible, forceunique, signup,
        defaultdata, defaultdataformat) VALUES ('userpicturehash', 'User picture checksum (MD5)',
        'textarea', '', 1, 0, 999, 0, 1, 0, 0, 0, '', 0)"
}

# bench_pictures BACKEND DBNAME: the accounts, then the archive twice, on a new dataroot.
bench_pictures() {
    local b=$1 db=$2 so
    pictures_inputs || { log "pictures: inputs could not be made"; return 1; }
    # Every module of the build tree in one folder, and the site's dataroot.
    mkdir -p "$T/mods" && rm -rf "$T/dataroot-$b" && mkdir -p "$T/dataroot-$b/filedir"
    for so in "$BUILD"/modules/*/.libs/*.so; do ln -sf "$so" "$T/mods/"; done
    sed -i "s|^moduledir = .*|moduledir = \"$T/mods\"|" "$T/$b.conf"
    printf 'moodle {\n    dataroot = "%s"\n}\n' "$T/dataroot-$b" >>"$T/$b.conf"
    picture_hash_field "$b" "$db"
    measure "pictures: $PICTURES accounts" "$b" "$T/picture-users.csv"
    measure "pictures: $PICTURES JPEG ~1 MB" "$b" "$T/userpictures_bench.zip" pictures
    measure "pictures: re-run (checksums)" "$b" "$T/userpictures_bench.zip" pictures
    rm -rf "$T/dataroot-$b"
}
