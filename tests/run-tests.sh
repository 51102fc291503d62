#!/usr/bin/env bash
# The test command of toolsync: builds, runs every unit program and every scenario (on
# SQLite, PostgreSQL and MariaDB, and on the real Moodle 4.2 dumps when they are there),
# the users scenarios on a site of each Moodle version family (4.1, 4.5, 5.0, 5.3), and
# ends with one line "N passed, N failed".
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   tests/run-tests.sh [--install] [--quick] [--keep] [--verbose]
#     --install  apt-get install what building and testing need, then
#                autoreconf -fi && ./configure (as root, Debian/Ubuntu)
#     --quick    SQLite only: no database server is started
#     --keep     keep the logs and work directories even when everything passed
#     --verbose  print every check, not only the failed ones
#
# Environment: TS_SHARED (default <repo>/../shared: specs, samples, Moodle dumps),
# TS_TEST_DIR (where logs and work directories go; default a new directory in /tmp),
# TS_JOBS (scenario backends run at the same time, default 5: all of them),
# TS_MOODLE_TREE (a Moodle 4.1-5.x code tree: tests/unit/test_bridge_php.sh then installs a
# throwaway site from it on its own PostgreSQL and runs the bridge's PHP script there, and
# tests/moodletree/run.sh installs another, runs toolsync on it and asks Moodle's own API
# whether the courses, enrolments, cohorts and pictures are sound; unset, both are
# skipped and only `php -l` runs).
# Counting: every "ok" and "not ok" line of every program ("not ok … # TODO" is a known
# failure, reported, not counted); a program that exits non-zero
# without any "not ok" line counts as one failure, named after it.  Lines "# skip …" are
# counted apart (neither passed nor failed).  Exit status 1 when anything failed.

set -u
export LC_ALL=C.UTF-8

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO" || exit 1
export TS_SHARED=${TS_SHARED:-$REPO/../shared}

INSTALL=0 QUICK=0 KEEP=0 VERBOSE=0
for a in "$@"; do
    case $a in
    --install) INSTALL=1 ;;
    --quick) QUICK=1 ;;
    --keep) KEEP=1 ;;
    --verbose|-v) VERBOSE=1 ;;
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-tests.sh: unknown option $a" >&2; exit 2 ;;
    esac
done

START=$SECONDS
PASSED=0 FAILED=0 SKIPPED=0
FAILURES=()
SKIPS=()

T=${TS_TEST_DIR:-}
if [[ -z $T ]]; then T=$(mktemp -d /tmp/toolsync-tests.XXXXXX) || exit 1; fi
mkdir -p "$T"; T=$(cd "$T" && pwd)
# The database servers run as postgres / mysql when we are root: they must reach DIR.
chmod 755 "$T"

say() { printf '%s\n' "$*"; }
step() { printf '== %s (%ds)\n' "$*" $((SECONDS - START)); }

# tally NAME LOG STATUS [PREFIX]: counts the TAP lines of one program's output
tally() {
    local name=$1 log=$2 st=$3 prefix=${4:-} p f s line
    p=$(grep -cE '^ok( |$)' "$log")
    f=$(grep -E '^not ok( |$)' "$log" | grep -vc ' # TODO')
    s=$(grep -cE '^# skip( |$)' "$log")
    PASSED=$((PASSED + p)); FAILED=$((FAILED + f)); SKIPPED=$((SKIPPED + s))
    while IFS= read -r line; do
        line=${line#not ok}; line=${line# }; line=${line#[0-9]*[ ]}; line=${line#- }
        FAILURES+=("$prefix$line")
    done < <(grep -E '^not ok( |$)' "$log" | grep -v ' # TODO')
    while IFS= read -r line; do SKIPS+=("$prefix${line#\# skip }"); done < <(grep -E '^# skip( |$)' "$log")
    if [[ $st -ne 0 && $f -eq 0 ]]; then
        FAILED=$((FAILED + 1)); f=1
        FAILURES+=("$name exited with status $st without a failed check")
    fi
    if [[ $VERBOSE -eq 1 ]]; then
        cat "$log"
    elif [[ $f -gt 0 ]]; then
        # the failed checks and their diagnostics
        awk '/^not ok/ { show = 1; print; next } /^(ok|not ok)( |$)/ { show = 0 } show && /^#/ { print }' "$log" | head -n 400
        [[ $st -ne 0 ]] && grep -qvE '^(ok|not ok|#)' "$log" && { say "  (last lines of $name)"; tail -n 15 "$log" | sed 's/^/  /'; }
    fi
    printf '   %-48s %5d ok %4d not ok %4d skipped%s\n' "$name" "$p" "$f" "$s" \
        "$([[ $st -ne 0 ]] && echo "  (exit $st)")"
}

finish() {
    local code=0
    stop_servers
    say ""
    if [[ ${#SKIPS[@]} -gt 0 ]]; then
        say "Skipped (${#SKIPS[@]}):"
        printf '%s\n' "${SKIPS[@]}" | sort | uniq -c |
            awk '{ c = $1; $1 = ""; sub(/^ /, ""); print "  " $0 (c > 1 ? "  (x" c ")" : "") }' | head -n 60
    fi
    if [[ ${#FAILURES[@]} -gt 0 ]]; then
        say "Failed (${#FAILURES[@]}):"
        printf '  %s\n' "${FAILURES[@]}"
        say "Logs and work directories: $T"
        code=1
    elif [[ $KEEP -eq 1 ]]; then
        say "Logs and work directories: $T"
    else
        rm -rf "$T"
    fi
    say "Time: $((SECONDS - START))s"
    [[ $FAILED -gt 0 ]] && code=1
    say "$PASSED passed, $FAILED failed"
    exit $code
}

# ----------------------------------------------------------------------------------------
# Database servers (always stopped on the way out)
# ----------------------------------------------------------------------------------------
PG_UP=0 MY_UP=0
stop_servers() {
    [[ $PG_UP -eq 1 ]] && tests/lib/dbservers.sh stop pgsql "$T/pg" >>"$T/servers.log" 2>&1
    [[ $MY_UP -eq 1 ]] && tests/lib/dbservers.sh stop mariadb "$T/my" >>"$T/servers.log" 2>&1
    PG_UP=0 MY_UP=0
}
trap 'stop_servers' EXIT
trap 'echo "interrupted" >&2; stop_servers; exit 130' INT TERM

# ----------------------------------------------------------------------------------------
# 1. Install
# ----------------------------------------------------------------------------------------
PACKAGES=(build-essential autoconf automake libtool pkg-config libltdl-dev libcsv-dev
    libconfuse-dev libpq-dev libmariadb-dev libsqlite3-dev sqlite3 libcrypt-dev libssl-dev libzip-dev libgd-dev
    postgresql mariadb-server mariadb-client php-cli clang python3
    php-pgsql php-mysql php-xml php-mbstring php-curl php-zip php-gd php-intl php-soap)
if [[ $INSTALL -eq 1 ]]; then
    step "installing packages"
    SUDO=()
    [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null && SUDO=(sudo)
    if "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >"$T/install.log" 2>&1 &&
       "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            "${PACKAGES[@]}" >>"$T/install.log" 2>&1; then
        say "   packages installed"
    else
        tail -n 20 "$T/install.log"
        FAILED=$((FAILED + 1)); FAILURES+=("install: apt-get install failed (see $T/install.log)")
    fi
fi

# ----------------------------------------------------------------------------------------
# 2. Build (the check programs too, without automake's harness)
# ----------------------------------------------------------------------------------------
step "building"
build() {
    if [[ $INSTALL -eq 1 || ! -f Makefile ]]; then
        autoreconf -fi && ./configure || return 1
    fi
    make -j2 && make -j2 check TESTS=
}
if ! build >"$T/build.log" 2>&1; then
    grep -E 'error|Error' "$T/build.log" | head -n 30
    tail -n 20 "$T/build.log"
    FAILED=$((FAILED + 1)); FAILURES+=("build: autoreconf/configure/make failed (see $T/build.log)")
    finish
fi
say "   built"

# ----------------------------------------------------------------------------------------
# 3. Servers
# ----------------------------------------------------------------------------------------
# start_server KIND LABEL P: starts KIND in $T/<p>, exports TS_<P>_* (with TS_<P>_DIR and an
# empty database TS_<P>_DB for the unit tests) and sets <P>_UP=1.
start_server() {
    local kind=$1 label=$2 p=$3 dir
    dir=$T/$(tr '[:upper:]' '[:lower:]' <<<"$p")
    if tests/lib/dbservers.sh start "$kind" "$dir" >>"$T/servers.log" 2>&1; then
        printf -v "${p}_UP" 1
        # shellcheck disable=SC1090
        . "$dir/env.sh"
        export "TS_${p}_DIR=$dir"
        if tests/lib/dbservers.sh createdb "$kind" "$dir" ts_unit >>"$T/servers.log" 2>&1; then
            export "TS_${p}_DB=ts_unit"
        fi
        local port="TS_${p}_PORT"
        say "   $label on port ${!port}"
    else
        tail -n 10 "$T/servers.log"
        FAILED=$((FAILED + 1))
        FAILURES+=("dbservers.sh start $kind failed: no $label tests (see $T/servers.log)")
    fi
}

if [[ $QUICK -eq 0 ]]; then
    step "starting PostgreSQL and MariaDB"
    start_server pgsql PostgreSQL PG
    start_server mariadb MariaDB MY
fi

# ----------------------------------------------------------------------------------------
# 4. Unit programs and scripts
# ----------------------------------------------------------------------------------------
step "unit tests"
UNITS=()
# check_PROGRAMS as the Makefile knows them, then the test scripts
progs=$(make -s --no-print-directory -f Makefile -f <(printf 'ts-print-check-programs:\n\t@echo $(check_PROGRAMS)\n') \
        ts-print-check-programs 2>/dev/null)
for p in $progs; do [[ -x $p ]] && UNITS+=("$p"); done
if [[ ${#UNITS[@]} -eq 0 ]]; then
    while IFS= read -r p; do UNITS+=("$p"); done < <(find tests/unit -type f -name 'test_*' -perm -u+x ! -name '*.*' | sort)
fi
while IFS= read -r p; do UNITS+=("$p"); done < <(find tests/unit -type f -name 'test_*.sh' | sort)

for p in "${UNITS[@]}"; do
    name=${p#./}
    log=$T/unit-$(basename "$p").log
    if [[ $p == *.sh ]]; then timeout -k 10 900 bash "$p" >"$log" 2>&1 </dev/null
    else timeout -k 10 900 "./$name" >"$log" 2>&1 </dev/null; fi
    tally "$name" "$log" $? "$name: "
done

# ----------------------------------------------------------------------------------------
# 4b. Reliability suite: each script tries to break one promise of the README (crashes,
#     full disks, links, races, kill -9 loops, fuzzing); PostgreSQL cases need the server
# ----------------------------------------------------------------------------------------
step "reliability suite"
for p in tests/reliability/r[0-9]*.sh; do
    [[ -f $p ]] || continue
    name=${p#./}
    log=$T/rel-$(basename "$p" .sh).log
    timeout -k 10 900 bash "$p" >"$log" 2>&1 </dev/null
    tally "$name" "$log" $? "$name: "
done

# ----------------------------------------------------------------------------------------
# 4c. A real Moodle installed from TS_MOODLE_TREE asked about toolsync's rows (skips itself
#     when TS_MOODLE_TREE is unset; its own PostgreSQL and MariaDB servers)
# ----------------------------------------------------------------------------------------
step "Moodle tree"
timeout -k 10 1800 bash tests/moodletree/run.sh >"$T/moodletree.log" 2>&1 </dev/null
tally tests/moodletree/run.sh "$T/moodletree.log" $? "moodletree: "

# ----------------------------------------------------------------------------------------
# 5. Scenarios, one process per backend (they run side by side)
# ----------------------------------------------------------------------------------------
BACKENDS=(sqlite)
if [[ $QUICK -eq 0 ]]; then
    [[ $PG_UP -eq 1 ]] && BACKENDS+=(pgsql)
    [[ $MY_UP -eq 1 ]] && BACKENDS+=(mariadb)
    if [[ $PG_UP -eq 1 && -r $TS_SHARED/moodle/moodle42-fresh-postgres.sql.gz ]]; then BACKENDS+=(pgsql-dump)
    else SKIPS+=("scenarios[pgsql-dump]: no PostgreSQL dump in $TS_SHARED/moodle"); fi
    if [[ $MY_UP -eq 1 && -r $TS_SHARED/moodle/moodle42-fresh-mariadb.sql.gz ]]; then BACKENDS+=(mariadb-dump)
    else SKIPS+=("scenarios[mariadb-dump]: no MariaDB dump in $TS_SHARED/moodle"); fi
fi
# The Moodle versions (backend@X.Y: a site of that version, tests/lib/mksite.sh): the
# users scenarios on one site per version family on SQLite, the version scenarios
# (6x-v*) there and on the servers, and every users scenario on the real 5.0 dumps.
VUSERS=() VSCEN=()
for d in tests/scenarios/[12][0-9]-*/ tests/scenarios/7[0-9]-u*/; do [[ -f $d/script ]] && VUSERS+=("$(basename "$d")"); done
for d in tests/scenarios/6[0-9]-v*/; do [[ -f $d/script ]] && VSCEN+=("$(basename "$d")"); done
declare -A VRUN=()
for v in 4.1 4.5 5.0 5.3; do VRUN[sqlite@$v]="${VUSERS[*]} ${VSCEN[*]}"; done
if [[ $QUICK -eq 0 ]]; then
    [[ $PG_UP -eq 1 ]] && VRUN[pgsql@5.3]="${VSCEN[*]}"
    [[ $MY_UP -eq 1 ]] && VRUN[mariadb@5.3]="${VSCEN[*]}"
    for k in pgsql:postgres mariadb:mariadb; do
        b=${k%%:*}
        if [[ " ${BACKENDS[*]} " == *" $b-dump "* && -r $TS_SHARED/moodle/moodle50-fresh-${k#*:}.sql.gz ]]; then
            VRUN[$b-dump@5.0]="${VUSERS[*]} ${VSCEN[*]}"
        fi
    done
fi
# The real dumps run what depends on the site (accounts, entities, versions), not the
# scenarios of the file journey (3x, 4x, 5x, 60-62: reading, reserving, archiving), which
# the same code runs on every site and the other backends cover.
DUMPSCEN=()
for d in tests/scenarios/[0-9][0-9]-*/; do
    case $(basename "$d") in [345][0-9]-*|6[0-2]-*) continue ;; esac
    [[ -f $d/script ]] && DUMPSCEN+=("$(basename "$d")")
done
for b in pgsql-dump mariadb-dump; do
    [[ " ${BACKENDS[*]} " == *" $b "* ]] && VRUN[$b]="${DUMPSCEN[*]}"
done
RUNS=("${BACKENDS[@]}" $(printf '%s\n' "${!VRUN[@]}" | grep -v -x -e pgsql-dump -e mariadb-dump | sort))
step "scenarios on ${RUNS[*]}"
JOBS=${TS_JOBS:-5}
for b in "${RUNS[@]}"; do
    while [[ $(jobs -rp | wc -l) -ge $JOBS ]]; do wait -n; done
    # shellcheck disable=SC2086
    ( bash tests/lib/scenario.sh -b "$b" -w "$T/scenarios" $([[ $KEEP -eq 1 ]] && echo -k) \
        ${VRUN[$b]:-} >"$T/scenarios-$b.log" 2>&1 </dev/null
      echo $? >"$T/scenarios-$b.rc" ) &
done
wait
for b in "${RUNS[@]}"; do
    st=$(cat "$T/scenarios-$b.rc" 2>/dev/null || echo 1)
    tally "scenarios[$b]" "$T/scenarios-$b.log" "$st"
done

finish
