#!/usr/bin/env bash
# Checks the user icon files rows of a site against its filedir, for the pictures
# scenarios: pathnamehash, content where the contenthash says (hash, size, mode, the
# folders' mode), the pixel size and format of f1/f2/f3.
# SPDX-License-Identifier: GPL-3.0-or-later
# Usage: picture-check.sh DATAROOT FILEMODE DIRMODE ROWS
#   ROWS: lines "contextid filename pathnamehash contenthash filesize" (the files rows
#   of component user, area icon, item 0); exit 0 when every row holds, 1 otherwise
#   (the first discrepancy on standard output).
set -u
root=$1 fmode=$2 dmode=$3 rows=$4
repo=$(cd "$(dirname "$0")/../.." && pwd)
probe="${TS_BUILD:-$repo}/tests/unit/mkpictures"
bad() { echo "picture-check: $*"; exit 1; }
n=0
while read -r ctx name phash chash size; do
    [[ -z $ctx ]] && continue
    n=$((n + 1))
    want=$(printf '/%s/user/icon/0/%s' "$ctx" "$name" | sha1sum | cut -c1-40)
    [[ $phash == "$want" ]] || bad "$ctx/$name: pathnamehash $phash, expected $want"
    f="$root/filedir/${chash:0:2}/${chash:2:2}/$chash"
    [[ -f $f && ! -L $f ]] || bad "$ctx/$name: no content at $f"
    [[ $(sha1sum <"$f" | cut -c1-40) == "$chash" ]] || bad "$f does not hash to its name"
    [[ $(stat -c %s "$f") == "$size" ]] || bad "$f: size $(stat -c %s "$f"), row says $size"
    [[ $(stat -c %a "$f") == "$fmode" ]] || bad "$f: mode $(stat -c %a "$f"), expected $fmode"
    for d in "$root/filedir/${chash:0:2}" "$root/filedir/${chash:0:2}/${chash:2:2}"; do
        [[ $(stat -c %a "$d") == "$dmode" ]] || bad "$d: mode $(stat -c %a "$d"), expected $dmode"
    done
    case $name in
    .) [[ $chash == da39a3ee5e6b4b0d3255bfef95601890afd80709 ]] || bad "$ctx/.: not empty" ;;
    f1.*|f2.*|f3.*)
        px=100; [[ $name == f2.* ]] && px=35; [[ $name == f3.* ]] && px=512
        type=png; [[ $name == *.jpg ]] && type=jpeg
        got=$("$probe" -s "$f") || bad "$ctx/$name: $f is not an image"
        [[ $got == "${px}x${px} $type" ]] || bad "$ctx/$name: $got, expected ${px}x${px} $type" ;;
    *) bad "$ctx/$name: unexpected file in the icon area" ;;
    esac
done <<<"$rows"
(( n > 0 )) || bad "no rows to check"
# Nothing half written stays behind.
left=$(find "$root/filedir" -name '*.tmp' | head -1)
[[ -z $left ]] || bad "temporary file left: $left"
exit 0
