#!/usr/bin/env bash
# Quick start on a fresh Debian/Ubuntu machine: installs the build dependencies, builds
# toolsync, makes a demo area ./_demo/ (a sync directory, an embedded SQLite Moodle-shaped
# site, a toolsync.conf), syncs contrib/samples/userimport.csv into it, shows the report,
# runs it again to show that a re-run changes nothing, and shows the accounts.
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   contrib/quickstart.sh             (as root, or a user with sudo; can be run again)
#
# Nothing outside the repository is touched except the packages installed.

set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
DEMO=$REPO/_demo

title() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# --- 1. packages (only the missing ones) ----------------------------------------------------
PKGS=(build-essential autoconf automake libtool pkg-config libltdl-dev libcsv-dev
      libconfuse-dev libpq-dev libmariadb-dev libsqlite3-dev sqlite3 libcrypt-dev libssl-dev libzip-dev libgd-dev)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    title "Installing ${missing[*]}"
    SUDO=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || { echo "quickstart: run me as root (or install sudo)" >&2; exit 1; }
        SUDO=(sudo)
    fi
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# --- 2. build ------------------------------------------------------------------------------
title "Building toolsync"
if [[ ! -f Makefile ]]; then
    autoreconf -fi
    ./configure
fi
make -j"$(nproc)"

# --- 3. the demo area: sync directory, SQLite site, configuration ----------------------------
title "Making the demo area $DEMO"
rm -rf "$DEMO"
mkdir -p "$DEMO/sync"
chmod 700 "$DEMO/sync"
bash tests/lib/mksite.sh sqlite "$DEMO/moodle.sqlite"
cat >"$DEMO/toolsync.conf" <<EOF
# Demo configuration written by contrib/quickstart.sh (every setting: conf/toolsync.conf)
syncdir = "$DEMO/sync"
moduledir = "$REPO/modules/users/.libs"
modules = {"users"}
storereport = true
filefailed = true
filearchive = true
database {
    type = "sqlite"
    name = "$DEMO/moodle.sqlite"
    prefix = "mdl_"
}
users {
    primaryidentity = "idnumber"
}
EOF
cp contrib/samples/userimport.csv "$DEMO/sync/userimport.csv"
echo "site:   $DEMO/moodle.sqlite"
echo "config: $DEMO/toolsync.conf"
echo "input:  $DEMO/sync/userimport.csv"
./toolsync -c "$DEMO/toolsync.conf" check || true

# --- 4. first run ----------------------------------------------------------------------------
title "./toolsync -c _demo/toolsync.conf -v run users"
st=0
./toolsync -c "$DEMO/toolsync.conf" -v run users || st=$?
echo "exit status: $st  (0 all applied, 1 some lines failed: see the tryback file)"

title "The report"
report=$(ls -t "$DEMO"/sync/reports/*_report_userimport.csv 2>/dev/null | head -n 1 || true)
if [[ -n $report ]]; then echo "$report"; echo; cat "$report"; else echo "(no report written)"; fi

title "The tryback file (the rejected line, ready to fix and re-run)"
tryback=$(ls -t "$DEMO"/sync/userimport_tryback_*.csv 2>/dev/null | head -n 1 || true)
if [[ -n $tryback ]]; then echo "$tryback"; echo; cat "$tryback"; echo; else echo "(none)"; fi

# --- 5. second run: nothing changes ----------------------------------------------------------
title "Second run: the same file again changes nothing"
st=0
./toolsync -c "$DEMO/toolsync.conf" run users || st=$?
report=$(ls -t "$DEMO"/sync/reports/*_report_userimport.csv 2>/dev/null | head -n 1 || true)
[[ -n $report ]] && grep -E '^summary:' "$report"
echo "exit status: $st"

# --- 6. the accounts in the site ------------------------------------------------------------
title "Accounts in the site (sqlite3 $DEMO/moodle.sqlite)"
sqlite3 -header -column "$DEMO/moodle.sqlite" \
    "SELECT u.id, u.username, u.idnumber, u.firstname, u.lastname, u.city, u.country, c.path AS context
       FROM mdl_user u LEFT JOIN mdl_context c ON c.contextlevel = 30 AND c.instanceid = u.id
      WHERE u.id > 2 ORDER BY u.id LIMIT 20"

title "Next steps"
cat <<EOF
  ./toolsync -c _demo/toolsync.conf modules -v                 handlers, columns, settings
  cp contrib/samples/usersuspend.csv _demo/sync/ && ./toolsync -c _demo/toolsync.conf -v run users-suspend
  ./toolsync -c _demo/toolsync.conf --dry-run -v run users      what a run would do
  tests/run-tests.sh --quick                                    the tests (SQLite only)
EOF
