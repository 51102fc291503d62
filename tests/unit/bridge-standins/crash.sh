#!/bin/sh
# Stand-in for a php that dies after answering the first request.
# SPDX-License-Identifier: GPL-3.0-or-later
# Exit status 255 with PHP's last words on stderr (the error line, then context), or SIGKILL when TS_STANDIN_SIGNAL is set.
IFS= read -r line
id=${line#'{"id":'}; id=${id%%,*}
printf '{"id":%s,"status":"ok","key":"bridgedone","message":"done","result":{}}\n' "$id"
echo "PHP Warning: something earlier" >&2
echo "PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted" >&2
echo "Stack trace: #0 {main}" >&2
[ -n "${TS_STANDIN_SIGNAL-}" ] && kill -KILL $$
exit 255
