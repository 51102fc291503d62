#!/bin/sh
# Stand-in for a php that hangs: never answers; its child sleeps in the same process group.
# SPDX-License-Identifier: GPL-3.0-or-later
# The pids of both go to $TS_STANDIN_PIDFILE so that the test can see they were killed.
sleep 30 &
echo "$$ $!" >"${TS_STANDIN_PIDFILE:-/dev/null}"
echo "hanging on purpose" >&2
wait
