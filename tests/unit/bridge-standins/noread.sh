#!/bin/sh
# Stand-in for a php that exits at once without reading its stdin (a missing script).
# SPDX-License-Identifier: GPL-3.0-or-later
echo "Could not open input file: nowhere.php (DB password=hunter2)" >&2
exit 1
