#!/bin/sh
# Stand-in for php running toolsync_bridge.php: answers every request line, in order.
# SPDX-License-Identifier: GPL-3.0-or-later
# Called as the bridge calls php: echo.sh <script> --dirroot=<dir>.  Ops: "fail" answers
# an error, "ping" a site, "badid" an id it was not given; any other op answers ok with
# its args echoed in the result.
case ${2-} in --dirroot=*) ;; *) echo "echo.sh: called without --dirroot" >&2; exit 3 ;; esac
[ -r "${1-}" ] || { echo "echo.sh: no script $1" >&2; exit 3; }
while IFS= read -r line; do
    id=${line#'{"id":'}; id=${id%%,*}
    op=${line#*'"op":"'}; op=${op%%'"'*}
    args=${line#*'"args":'}; args=${args%'}'}
    case $op in
    fail) printf '{"id":%s,"status":"error","key":"boom","message":"it failed","result":null}\n' "$id" ;;
    ping) printf '{"id":%s,"status":"ok","key":"bridgedone","message":"ping done","result":{"release":"4.2.1 (Build: 20230612)","version":"2023042401.00","dirroot":"%s"}}\n' "$id" "${2#--dirroot=}" ;;
    badid) printf '{"id":%s,"status":"ok"}\n' "$((id + 1000))" ;;
    *) printf '{"id":%s,"status":"ok","key":"bridgedone","message":"%s done","result":{"op":"%s","n":%s,"args":%s}}\n' "$id" "$op" "$op" "$id" "$args" ;;
    esac
done
