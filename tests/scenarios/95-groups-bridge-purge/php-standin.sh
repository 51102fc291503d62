#!/bin/sh
# Stand-in for php running toolsync_bridge.php: logs each request line next to itself
# and answers ok.
# SPDX-License-Identifier: GPL-3.0-or-later
log=$(dirname "$0")/bridge.log
while IFS= read -r line; do
    printf '%s\n' "$line" >>"$log"
    id=${line#'{"id":'}; id=${id%%,*}
    printf '{"id":%s,"status":"ok","key":"bridgedone","message":"done","result":{}}\n' "$id"
done
