#!/usr/bin/env bash
# Interpreter of the data-driven scenarios (tests/scenarios/<name>/script), TAP output.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: tests/lib/scenario.sh [-b BACKEND]... [-w WORKDIR] [-k] [-l] [SCENARIO...]
#   -b  sqlite (default), pgsql, mariadb, pgsql-dump, mariadb-dump; repeatable; a suffix
#       @X.Y (sqlite@5.3, pgsql-dump@5.0) makes a site of that Moodle version (else
#       TS_MOODLE_VERSION, else 4.2); a scenario's moodle-version directive wins
#   -w  where sites, sync areas and logs go (default: a new temporary directory)
#   -k  keep the work directory of passed scenarios too (failed ones are always kept)
#   -l  list the scenarios and exit
#   SCENARIO: a directory, or a name under tests/scenarios/ (default: all of them)
# Environment: TS_BUILD (build tree, default the repository), TS_SHARED (default
# <repo>/../shared), TS_PG_* / TS_MY_* (servers from tests/lib/dbservers.sh),
# TS_PG_DIR / TS_MY_DIR (their dbservers.sh directories, for createdb), TS_RUN_TIMEOUT.
#
# Every check prints one line "ok - <scenario>[<backend>]: <check> (script:<n>)" or
# "not ok - …" followed by "# " diagnostics; a scenario that cannot run here prints
# "# skip <scenario>[<backend>]: <reason>".  The format is documented in
# tests/scenarios/README.md.  Exit status: 0 when nothing failed, 1 otherwise.

set -u
export LC_ALL=C.UTF-8
umask 022          # so that "files are created 0600" is a property of toolsync, not of us

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD=${TS_BUILD:-$REPO}
SHARED=${TS_SHARED:-$REPO/../shared}
SAMPLES=$SHARED/spec/samples
TOOLSYNC=${TS_TOOLSYNC:-$BUILD/toolsync}
MODULEDIR=${TS_MODULEDIR:-$BUILD/modules/users/.libs}
DBSERVERS=$REPO/tests/lib/dbservers.sh
MKSITE=$REPO/tests/lib/mksite.sh
RUN_TIMEOUT_DEFAULT=${TS_RUN_TIMEOUT:-300}

# ----------------------------------------------------------------------------------------
# Output
# ----------------------------------------------------------------------------------------
NFAIL_TOTAL=0
S_FAILS=0          # failures in the current scenario/backend
S_ID=""            # "<scenario>[<backend>]"
CUR_DESC=""        # text of the current script line, for TAP names
CUR_LINE=0

diag() { local a l; for a in "$@"; do while IFS= read -r l; do printf '# %s\n' "$l"; done <<<"$a"; done; }
diag_file() {      # diag_file FILE [MAXLINES]: shows a file (or its end) as diagnostics
    local f=$1 max=${2:-30}
    [[ -f $f ]] || { diag "($f does not exist)"; return; }
    local n; n=$(wc -l <"$f")
    if (( n > max )); then diag "… last $max of $n lines of $f:"; tail -n "$max" "$f" | cut -c1-300 | sed 's/^/#   /'
    else diag "$f:"; cut -c1-300 "$f" | sed 's/^/#   /'; fi
}
pass() { printf 'ok - %s: %s (script:%s)\n' "$S_ID" "${1:-$CUR_DESC}" "$CUR_LINE"; }
fail() {
    printf 'not ok - %s: %s (script:%s)\n' "$S_ID" "${1:-$CUR_DESC}" "$CUR_LINE"
    shift || true
    [[ $# -gt 0 ]] && diag "$@"
    S_FAILS=$((S_FAILS + 1)); NFAIL_TOTAL=$((NFAIL_TOTAL + 1))
}
# check COND_STATUS [diagnostic...]: pass when the status is 0
check() { local st=$1; shift; if [[ $st -eq 0 ]]; then pass; else fail "$CUR_DESC" "$@"; fi; }

# ----------------------------------------------------------------------------------------
# Script parsing: lines, here-documents, tokens
# ----------------------------------------------------------------------------------------
# tokenize LINE → TOK=(…).  Words are separated by blanks; '…' quotes literally with ''
# standing for one quote (SQL style); "…" quotes with \" and \\; ${NAME} is replaced by
# the scenario variable NAME everywhere (also inside quotes).  Returns 1 on syntax error.
tokenize() {
    local LC_ALL=C
    local s=$1 i=0 n c tok have
    n=${#s}
    TOK=()
    while (( i < n )); do
        c=${s:i:1}
        if [[ $c == [[:blank:]] ]]; then i=$((i + 1)); continue; fi
        tok="" have=0
        while (( i < n )); do
            c=${s:i:1}
            if [[ $c == "'" ]]; then
                have=1; i=$((i + 1))
                while :; do
                    (( i >= n )) && { PARSE_ERR="unterminated '…'"; return 1; }
                    c=${s:i:1}
                    if [[ $c == "'" ]]; then
                        if [[ ${s:i+1:1} == "'" ]]; then tok+="'"; i=$((i + 2)); continue; fi
                        i=$((i + 1)); break
                    fi
                    tok+=$c; i=$((i + 1))
                done
            elif [[ $c == '"' ]]; then
                have=1; i=$((i + 1))
                while :; do
                    (( i >= n )) && { PARSE_ERR='unterminated "…"'; return 1; }
                    c=${s:i:1}
                    if [[ $c == '\' && ( ${s:i+1:1} == '"' || ${s:i+1:1} == '\' ) ]]; then
                        tok+=${s:i+1:1}; i=$((i + 2)); continue
                    fi
                    [[ $c == '"' ]] && { i=$((i + 1)); break; }
                    tok+=$c; i=$((i + 1))
                done
            elif [[ $c == [[:blank:]] ]]; then
                break
            else
                have=1; tok+=$c; i=$((i + 1))
            fi
        done
        (( have )) || continue
        expand_vars "$tok" || return 1
        TOK+=("$EXPANDED")
    done
    return 0
}

# expand_vars TEXT → EXPANDED: ${NAME} replaced by VARS[NAME]; unknown name = error.
expand_vars() {
    local s=$1 out="" name
    while [[ $s == *'${'* ]]; do
        out+=${s%%'${'*}; s=${s#*'${'}
        name=${s%%\}*}
        if [[ $s != *\}* || ! $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
            PARSE_ERR="bad variable reference \${$name"; return 1
        fi
        if [[ -z ${VARS[$name]+x} ]]; then PARSE_ERR="unknown variable \${$name}"; return 1; fi
        out+=${VARS[$name]}; s=${s#*\}}
    done
    EXPANDED=$out$s
    return 0
}

# load_script FILE → L_TEXT[i], L_NO[i], L_DOC[i] (here-document or unset), L_N
load_script() {
    local f=$1 no=0 line doc indoc=0 start=0 text first=0
    L_TEXT=(); L_NO=(); L_DOC=(); L_HASDOC=(); L_N=0
    while IFS= read -r line || [[ -n $line ]]; do
        no=$((no + 1))
        line=${line%$'\r'}
        if (( indoc )); then
            if [[ $line == . ]]; then
                L_DOC[L_N]=$doc; L_HASDOC[L_N]=1; L_N=$((L_N + 1)); indoc=0; continue
            fi
            [[ $line == ..* ]] && line=${line#.}
            if (( first )); then doc=$line; first=0; else doc+=$'\n'$line; fi
            continue
        fi
        text=${line#"${line%%[![:blank:]]*}"}
        [[ -z $text || $text == \#* ]] && continue
        text=${text%"${text##*[![:blank:]]}"}
        L_TEXT[L_N]=$text; L_NO[L_N]=$no; L_DOC[L_N]=""; L_HASDOC[L_N]=0
        if [[ $text == *' <<' || $text == '<<' ]]; then
            L_TEXT[L_N]=${text%<<}; L_TEXT[L_N]=${L_TEXT[L_N]%"${L_TEXT[L_N]##*[![:blank:]]}"}
            indoc=1; doc=""; first=1; start=$no
            continue
        fi
        L_N=$((L_N + 1))
    done <"$f"
    if (( indoc )); then
        L_DOC[L_N]=$doc; L_HASDOC[L_N]=1; L_N=$((L_N + 1))
        printf 'not ok - %s: here-document opened at script:%s has no closing "." line\n' "$S_ID" "$start"
        S_FAILS=$((S_FAILS + 1)); NFAIL_TOTAL=$((NFAIL_TOTAL + 1))
    fi
}

# ----------------------------------------------------------------------------------------
# Databases
# ----------------------------------------------------------------------------------------
pg_cli() {
    PGPASSWORD="${TS_PG_PASSWORD:-}" PGCLIENTENCODING=UTF8 PGCONNECT_TIMEOUT=10 \
        psql -X -q -v ON_ERROR_STOP=1 -h "${TS_PG_HOST:-127.0.0.1}" -p "${TS_PG_PORT:-5432}" \
        -U "${TS_PG_USER:-postgres}" "$@"
}
my_cli() {
    local a=(--no-defaults --default-character-set=utf8mb4 --connect-timeout=10 -u "${TS_MY_USER:-root}")
    [[ -n ${TS_MY_PASSWORD:-} ]] && a+=("--password=$TS_MY_PASSWORD")
    if [[ -n ${TS_MY_SOCKET:-} ]]; then a+=(-S "$TS_MY_SOCKET")
    else a+=(-h "${TS_MY_HOST:-127.0.0.1}" -P "${TS_MY_PORT:-3306}" --protocol=TCP); fi
    mariadb "${a[@]}" "$@"
}

# prefix_sql SQL: {name} → <prefix>name
prefix_sql() { sed -E "s/\{([a-z_][a-z0-9_]*)\}/${PREFIX}\1/g" <<<"$1"; }

# db_query SQL → rows on stdout, fields joined by '|', NULL as empty; status of the client.
# MariaDB runs with NO_BACKSLASH_ESCAPES (so '\core\event\x' means what it says) and
# PIPES_AS_CONCAT (so || concatenates on the three databases).
db_query() {
    local sql out st
    sql=$(prefix_sql "$1")
    case $KIND in
    sqlite)  sqlite3 -batch -noheader -separator '|' -cmd '.timeout 20000' "$DBNAME" "$sql" ;;
    pgsql)   pg_cli -At -F'|' -d "$DBNAME" -c "$sql" ;;
    mariadb)
        out=$(my_cli -N -B -r "$DBNAME" -e "SET SESSION sql_mode=CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES,PIPES_AS_CONCAT'); $sql"); st=$?
        [[ -n $out ]] && awk -F'\t' -v OFS='|' '{ for (i = 1; i <= NF; i++) if ($i == "NULL") $i = ""; $1 = $1; print }' <<<"$out"
        return $st ;;
    esac
}

# server_pid: pid of the server (postmaster / mariadbd): from the pid file of a dedicated
# server, else the process listening on the server's port
server_pid() {
    local port pid=""
    if [[ -n $DEDICATED ]]; then
        case $KIND in
        pgsql) [[ -f $DEDICATED/data/postmaster.pid ]] && pid=$(head -n1 "$DEDICATED/data/postmaster.pid") ;;
        mariadb) [[ -f $DEDICATED/mariadbd.pid ]] && pid=$(cat "$DEDICATED/mariadbd.pid") ;;
        esac
        [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && { echo "$pid"; return 0; }
    fi
    case $KIND in pgsql) port=${TS_PG_PORT:-5432} ;; mariadb) port=${TS_MY_PORT:-3306} ;; *) return 1 ;; esac
    ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2
}

# hard_stop_db: the server dies without a clean shutdown (PostgreSQL: SIGQUIT to the
# postmaster = pg_ctl stop -m immediate; MariaDB: SIGKILL).
hard_stop_db() {
    local pid i
    pid=$(server_pid)
    [[ -n $pid ]] || { echo "no process listens on the server port"; return 1; }
    if [[ $KIND == pgsql ]]; then kill -QUIT "$pid"; else kill -KILL "$pid"; fi
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    return 0
}

# ----------------------------------------------------------------------------------------
# Paths, stamps, files
# ----------------------------------------------------------------------------------------
# area_path P: P relative to the sync area unless absolute
area_path() { if [[ $1 == /* ]]; then printf '%s' "$1"; else printf '%s/%s' "$SYNC" "$1"; fi; }

# stamp_glob S: the glob of an output stamp of minute S: toolsync names outputs
# YYYYMMDD-HHMMSS, plus "-<n>" when that name was taken in the same second.
stamp_glob() { printf '%s[0-5][0-9]*' "$1"; }

# resolve_glob PATTERN → GLOB_HITS=(files): {stamp} stands for the stamp of the start or
# the end of the last run (YYYYMMDD-HHMM, seconds and "-<n>" following), the rest is a
# shell glob under the area.
resolve_glob() {
    local pat=$1 p s cand=()
    GLOB_HITS=()
    if [[ $pat == *'{stamp}'* ]]; then
        for s in "${VARS[STAMP]}" "${VARS[STAMP_END]}"; do cand+=("${pat//\{stamp\}/$(stamp_glob "$s")}"); done
    else
        cand=("$pat")
    fi
    local -A seen=()
    shopt -s nullglob dotglob
    for p in "${cand[@]}"; do
        p=$(area_path "$p")
        local f
        # shellcheck disable=SC2206
        local hits=($p)
        for f in "${hits[@]}"; do [[ -e $f && -z ${seen[$f]+x} ]] && { seen[$f]=1; GLOB_HITS+=("$f"); }; done
    done
    shopt -u nullglob dotglob
}

# snapshot of the area (path, mtime, size, inode) to tell which files a run wrote
area_listing() { find "$SYNC" -type f -printf '%p\t%T@\t%s\t%i\n' 2>/dev/null | sort; }

# write_doc FILE TEXT: TEXT + final newline (here-document content)
write_doc() { printf '%s\n' "$2" >"$1"; }

# ----------------------------------------------------------------------------------------
# Site and configuration
# ----------------------------------------------------------------------------------------
write_config() {
    local dbtype=$KIND
    {
        echo "# generated by tests/lib/scenario.sh for $S_ID"
        echo "syncdir = \"$SYNC\""
        echo "moduledir = \"$MODULEDIR\""
        echo "modules = {\"users\"}"
        echo "database {"
        echo "    type = \"$dbtype\""
        case $KIND in
        sqlite)
            echo "    name = \"$DBNAME\"" ;;
        pgsql)
            echo "    host = \"${TS_PG_HOST:-}\""
            echo "    port = ${TS_PG_PORT:-0}"
            echo "    name = \"$DBNAME\""
            echo "    user = \"${TS_PG_USER:-}\""
            echo "    password = \"${TS_PG_PASSWORD:-}\"" ;;
        mariadb)
            echo "    host = \"${TS_MY_HOST:-}\""
            echo "    port = ${TS_MY_PORT:-0}"
            echo "    socket = \"${TS_MY_SOCKET:-}\""
            echo "    name = \"$DBNAME\""
            echo "    user = \"${TS_MY_USER:-}\""
            echo "    password = \"${TS_MY_PASSWORD:-}\"" ;;
        esac
        echo "    prefix = \"$PREFIX\""
        echo "}"
        [[ -n $CONFIG_EXTRA ]] && printf '%s\n' "$CONFIG_EXTRA"
    } >"$CONF"
}

drop_db() {
    case $KIND in
    pgsql)   pg_cli -d postgres -c "DROP DATABASE IF EXISTS \"$1\"" >/dev/null 2>&1 ;;
    mariadb) my_cli -e "DROP DATABASE IF EXISTS \`$1\`" >/dev/null 2>&1 ;;
    esac
}

# make_site: fresh site for the current backend.  Returns 0, 77 (cannot here: skip) or 1.
make_site() {
    local log=$W/mksite.log st
    if [[ -n $MOODLE_VERSION ]]; then export TS_MOODLE_VERSION=$MOODLE_VERSION
    else unset TS_MOODLE_VERSION; fi
    case $BACKEND in
    sqlite)
        rm -f "$DBNAME"
        bash "$MKSITE" sqlite "$DBNAME" "$PREFIX" >"$log" 2>&1; st=$? ;;
    pgsql|mariadb)      # mksite.sh drops and creates the database itself
        bash "$MKSITE" "$KIND" "$DBNAME" "$PREFIX" >"$log" 2>&1; st=$? ;;
    pgsql-dump|mariadb-dump)
        bash "$MKSITE" "$BACKEND" "$DBNAME" >"$log" 2>&1; st=$? ;;
    esac
    [[ $st -eq 0 || $st -eq 77 ]] || diag_file "$log"
    [[ $st -eq 77 ]] && return 77
    [[ $st -eq 0 ]] || return 1
    return 0
}

# ----------------------------------------------------------------------------------------
# Running toolsync
# ----------------------------------------------------------------------------------------
RUN_N=0
# build_cmd ARGS... → CMD=(toolsync -c CONF --set … ARGS); for "run …" the global options
# written among its arguments are moved before the command word.
build_cmd() {
    local globals=() rest=() a k
    if [[ $1 == run ]]; then
        for a in "$@"; do
            case $a in
            -n|--dry-run|-v|--verbose|-q|--quiet|--no-capture|--stats) globals+=("$a") ;;
            *) rest+=("$a") ;;
            esac
        done
    else
        rest=("$@")
    fi
    CMD=("$TOOLSYNC" -c "$CONF")
    for k in "${SET_KEYS[@]}"; do CMD+=(--set "$k=${SETS[$k]}"); done
    CMD+=("${globals[@]}" "${rest[@]}")
}

# after_run: sets the run variables from the area changes
after_run() {
    local before=$1 after=$W/listing.after f newest="" tb=""
    VARS[STAMP_END]=$(date +%Y%m%d-%H%M)
    area_listing >"$after"
    local changed
    changed=$(comm -13 "$before" "$after" | cut -f1,2)
    REPORT="" JSONL="" TRYBACK=""
    local best_r=0 best_t=0 path mt
    while IFS=$'\t' read -r path mt; do
        [[ -z $path ]] && continue
        case ${path#"$SYNC"/} in
        reports/*.jsonl) ;;
        reports/*) if [[ ${mt/./} > $best_r || -z $REPORT ]]; then REPORT=$path; best_r=${mt/./}; fi ;;
        archives/*|.locks/*) ;;
        *_tryback_*) if [[ ${mt/./} > $best_t || -z $TRYBACK ]]; then TRYBACK=$path; best_t=${mt/./}; fi ;;
        esac
    done <<<"$changed"
    [[ -n $REPORT && -f $REPORT.jsonl ]] && JSONL=$REPORT.jsonl
    VARS[REPORT]=$REPORT; VARS[JSONL]=$JSONL; VARS[TRYBACK]=$TRYBACK
    if [[ -n $TRYBACK ]]; then VARS[TRYBACK_LINES]=$(awk 'END { n = NR - 1; if (n < 0) n = 0; print n }' "$TRYBACK")
    else VARS[TRYBACK_LINES]=0; fi
    VARS[RC]=$RC
    HAVE_RUN=1
}

# do_run ARGS...: one toolsync command line (foreground, or armed background for
# stop-db-when)
do_run() {
    RUN_N=$((RUN_N + 1))
    OUT=$W/run$RUN_N.out ERR=$W/run$RUN_N.err
    build_cmd "$@"
    printf '%q ' "${CMD[@]}" >"$W/run$RUN_N.cmd"; echo >>"$W/run$RUN_N.cmd"
    local before=$W/listing.before
    area_listing >"$before"
    VARS[STAMP]=$(date +%Y%m%d-%H%M)
    if [[ -n $STOP_WHEN_SQL ]]; then
        run_with_db_stop
    else
        timeout -k 10 "$RUN_TIMEOUT" "${CMD[@]}" >"$OUT" 2>"$ERR" </dev/null
        RC=$?
    fi
    after_run "$before"
    if [[ $RC -eq 124 || $RC -eq 137 ]]; then
        fail "$CUR_DESC: toolsync did not finish within ${RUN_TIMEOUT}s" "$(cat "$W/run$RUN_N.cmd")"
    elif [[ $RC -ge 128 ]]; then
        fail "$CUR_DESC: toolsync was killed by signal $((RC - 128))" "$(cat "$W/run$RUN_N.cmd")" "$(tail -n 20 "$ERR")"
    fi
}

run_with_db_stop() {
    local sql=$STOP_WHEN_SQL limit=$STOP_WHEN_N pid v stopped=0 t0=$SECONDS
    STOP_WHEN_SQL=""
    timeout -k 10 "$RUN_TIMEOUT" "${CMD[@]}" >"$OUT" 2>"$ERR" </dev/null &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        v=$(db_query "$sql" 2>/dev/null | head -n1)
        if [[ $v =~ ^[0-9]+$ ]] && (( v >= limit )); then
            STOP_MSG=$(hard_stop_db 2>&1) && stopped=1
            STOP_AT=$v
            break
        fi
        (( SECONDS - t0 > RUN_TIMEOUT )) && break
        sleep 0.05
    done
    wait "$pid"; RC=$?
    if (( stopped )); then
        pass "$CUR_DESC: database server stopped hard when the query gave $STOP_AT"
    else
        fail "$CUR_DESC: database server stopped hard while toolsync was running" \
            "the run ended (exit $RC) before '$sql' reached $limit ${STOP_MSG:-}"
    fi
}

need_run() { if (( ! HAVE_RUN )); then fail "$CUR_DESC" "no toolsync run before this check"; return 1; fi; return 0; }

# ----------------------------------------------------------------------------------------
# Commands
# ----------------------------------------------------------------------------------------
# Text sources for the report family: report, jsonl, stdout, stderr, output, tryback.
source_file() {
    case $1 in
    report) printf '%s' "$REPORT" ;;
    jsonl) printf '%s' "$JSONL" ;;
    stdout) printf '%s' "$OUT" ;;
    stderr) printf '%s' "$ERR" ;;
    tryback) printf '%s' "$TRYBACK" ;;
    output) cat "$OUT" "$ERR" >"$W/output.$RUN_N" 2>/dev/null; printf '%s' "$W/output.$RUN_N" ;;
    esac
}

# text_check SOURCE MODE ARGS: MODE has|lacks|match|nomatch|count
text_check() {
    local src=$1 mode=$2; shift 2
    need_run || return
    local f; f=$(source_file "$src")
    if [[ -z $f || ! -f $f ]]; then
        if [[ $mode == lacks || $mode == nomatch ]] && [[ $src != report ]]; then pass; return; fi
        fail "$CUR_DESC" "no $src file from the last run"; return
    fi
    local a n got
    case $mode in
    has)   for a in "$@"; do grep -qF -- "$a" "$f" || { fail "$CUR_DESC" "missing: $a"; diag_file "$f" 40; return; }; done; pass ;;
    lacks) for a in "$@"; do grep -qF -- "$a" "$f" && { fail "$CUR_DESC" "present: $a" "$(grep -nF -- "$a" "$f" | head -n 5 | cut -c1-300)"; return; }; done; pass ;;
    match) for a in "$@"; do grep -qE -- "$a" "$f" || { fail "$CUR_DESC" "no line matches: $a"; diag_file "$f" 40; return; }; done; pass ;;
    nomatch) for a in "$@"; do grep -qE -- "$a" "$f" && { fail "$CUR_DESC" "a line matches: $a" "$(grep -nE -- "$a" "$f" | head -n 5 | cut -c1-300)"; return; }; done; pass ;;
    count)
        [[ $# -eq 2 ]] || { fail "$CUR_DESC" "usage: $src-count TEXT N"; return; }
        got=$(grep -cF -- "$1" "$f")
        if [[ $got -eq $2 ]]; then pass; else fail "$CUR_DESC" "$got lines contain '$1', expected $2"; diag_file "$f" 40; fi ;;
    esac
}

# input [FLAGS] NAME SOURCE...
cmd_input() {
    local bom=0 crlf=0 noeol=0 esc=0 latin1=0 expand=0
    while [[ $# -gt 0 && $1 == --* ]]; do
        case $1 in
        --bom) bom=1 ;; --crlf) crlf=1 ;; --no-eol) noeol=1 ;; --escapes) esc=1 ;;
        --latin1) latin1=1 ;; --expand) expand=1 ;;
        *) fail "$CUR_DESC" "unknown input flag $1"; return 1 ;;
        esac
        shift
    done
    [[ $# -ge 1 ]] || { fail "$CUR_DESC" "usage: input [flags] NAME <<|from-sample S|from-file F|shell CMD"; return 1; }
    local name=$1 dest tmp=$W/input.tmp; shift
    dest=$(area_path "$name")
    mkdir -p "$(dirname "$dest")"
    if (( HASDOC )); then
        local doc=$DOC
        if (( expand )); then expand_vars "$doc" || { fail "$CUR_DESC" "$PARSE_ERR"; return 1; }; doc=$EXPANDED; fi
        write_doc "$tmp" "$doc"
    else
        case ${1:-} in
        from-sample)
            [[ -f $SAMPLES/${2:-} ]] || { SKIP_REASON="sample ${2:-} absent"; return 2; }
            cp "$SAMPLES/$2" "$tmp" ;;
        from-file)
            local src=${2:-}; [[ $src == /* ]] || src=$SDIR/$src
            cp "$src" "$tmp" || { fail "$CUR_DESC" "cannot read $src"; return 1; } ;;
        shell)
            (cd "$W" && SYNC=$SYNC WORK=$W SAMPLES=$SAMPLES SCENARIO=$SDIR REPO=$REPO bash -c "${2:-}") >"$tmp" \
                || { fail "$CUR_DESC" "command failed: ${2:-}"; return 1; } ;;
        *) fail "$CUR_DESC" "input needs a here-document, from-sample, from-file or shell"; return 1 ;;
        esac
    fi
    if (( esc )); then printf '%b' "$(cat "$tmp"; echo x)" >"$tmp.2"; head -c -1 "$tmp.2" >"$tmp"; rm -f "$tmp.2"; fi
    if (( latin1 )); then iconv -f UTF-8 -t ISO-8859-1 "$tmp" >"$tmp.2" || { fail "$CUR_DESC" "iconv failed"; return 1; }; mv "$tmp.2" "$tmp"; fi
    if (( crlf )); then sed 's/$/\r/' "$tmp" >"$tmp.2"; mv "$tmp.2" "$tmp"; fi
    if (( noeol )); then perl -0777 -pe 's/\r?\n\z//' "$tmp" >"$tmp.2"; mv "$tmp.2" "$tmp"; fi
    if (( bom )); then { printf '\xEF\xBB\xBF'; cat "$tmp"; } >"$tmp.2"; mv "$tmp.2" "$tmp"; fi
    mv "$tmp" "$dest"
    LAST_INPUT=$name
    return 0
}

# sql QUERY = EXPECTED...   |   sql QUERY <<
cmd_sql() {
    local q=$1 got exp st; shift
    if (( HASDOC )); then
        expand_vars "$DOC" || { fail "$CUR_DESC" "$PARSE_ERR"; return; }
        exp=$EXPANDED
    else
        [[ ${1:-} == = ]] || { fail "$CUR_DESC" "usage: sql 'QUERY' = 'ROW' ['ROW'...]  or  sql 'QUERY' <<"; return; }
        shift
        exp=""; local r first=1
        for r in "$@"; do if (( first )); then exp=$r; first=0; else exp+=$'\n'$r; fi; done
    fi
    got=$(db_query "$q" 2>"$W/sql.err"); st=$?
    if [[ $st -ne 0 ]]; then fail "$CUR_DESC" "query failed: $(cat "$W/sql.err")"; return; fi
    if [[ $got == "$exp" ]]; then pass
    else fail "$CUR_DESC" "expected:" "$(sed 's/^/  /' <<<"$exp")" "got:" "$(sed 's/^/  /' <<<"$got" | head -n 40)"; fi
}

cmd_sql_count() {
    local got st n
    got=$(db_query "$1" 2>"$W/sql.err"); st=$?
    if [[ $st -ne 0 ]]; then fail "$CUR_DESC" "query failed: $(cat "$W/sql.err")"; return; fi
    if [[ -z $got ]]; then n=0; else n=$(wc -l <<<"$got"); fi
    if [[ $n -eq $2 ]]; then pass; else fail "$CUR_DESC" "$n rows, expected $2" "$(head -n 30 <<<"$got")"; fi
}

cmd_sql_match() {
    local got st
    got=$(db_query "$1" 2>"$W/sql.err"); st=$?
    if [[ $st -ne 0 ]]; then fail "$CUR_DESC" "query failed: $(cat "$W/sql.err")"; return; fi
    if [[ -n $got ]] && ! grep -qvE -- "$2" <<<"$got"; then pass
    else fail "$CUR_DESC" "every row must match /$2/, got:" "$(head -n 20 <<<"$got")"; fi
}

cmd_sql_exec() {
    local q=$1 st
    if (( HASDOC )); then expand_vars "$DOC" || { fail "$CUR_DESC" "$PARSE_ERR"; return 1; }; q=$EXPANDED; fi
    db_query "$q" >"$W/sql.out" 2>"$W/sql.err"; st=$?
    if [[ $st -ne 0 ]]; then fail "$CUR_DESC" "statement failed: $(cat "$W/sql.err")"; return 1; fi
    return 0
}

cmd_password_ok() {
    local h st
    h=$(db_query "$1" 2>"$W/sql.err" | head -n1); st=$?
    if [[ -z $h ]]; then fail "$CUR_DESC" "no hash returned ($(cat "$W/sql.err"))"; return; fi
    if perl -e 'exit(crypt($ARGV[0], $ARGV[1]) eq $ARGV[1] ? 0 : 1)' -- "$2" "$h"; then pass
    else fail "$CUR_DESC" "the stored hash does not verify the password (hash: ${h:0:7}…)"; fi
}

cmd_file_is() {
    resolve_glob "$1"
    [[ ${#GLOB_HITS[@]} -eq 1 ]] || { fail "$CUR_DESC" "${#GLOB_HITS[@]} files match $1"; return; }
    local exp=$W/expected.$RUN_N
    printf '%s' "$DOC" >"$exp"
    [[ ${2:-} == --eol ]] && printf '\n' >>"$exp"
    if cmp -s "$exp" "${GLOB_HITS[0]}"; then pass
    else fail "$CUR_DESC" "content differs (< expected, > actual):" "$(diff <(cat -A "$exp") <(cat -A "${GLOB_HITS[0]}") | head -n 30)"; fi
}

# mode-is GLOB MODE: every matching file has that mode, at least one matches
cmd_mode_is() {
    resolve_glob "$1"
    [[ ${#GLOB_HITS[@]} -gt 0 ]] || { fail "$CUR_DESC" "no file matches $1"; return; }
    local f m bad=()
    for f in "${GLOB_HITS[@]}"; do
        [[ -f $f ]] || continue
        m=$(stat -c %a "$f"); [[ $m == "$2" ]] || bad+=("$m ${f#"$SYNC"/}")
    done
    if [[ ${#bad[@]} -eq 0 ]]; then pass; else fail "$CUR_DESC" "${bad[@]}"; fi
}

stamp_ok() {   # stamp_ok STAMP: between the start and end stamps of the last run
    [[ $1 == "${VARS[STAMP]}" || $1 == "${VARS[STAMP_END]}" ]]
}

# ----------------------------------------------------------------------------------------
# One command line
# ----------------------------------------------------------------------------------------
exec_line() {
    local cmd=${TOK[0]}; local -a A=("${TOK[@]:1}")
    local n=${#A[@]}
    case $cmd in
    # --- directives (handled before the run; nothing to do here) ---
    title|backends|not-backends|needs-sample|prefix|dedicated-server|timeout|needs-dump|moodle-version) ;;

    # --- conditions ---
    only|except)
        local list=${A[0]:-} item hit=0
        IFS=',' read -ra items <<<"$list"
        for item in "${items[@]}"; do
            # shellcheck disable=SC2053
            [[ $BACKEND == $item ]] && hit=1
        done
        [[ $cmd == except ]] && hit=$((1 - hit))
        if (( hit )); then TOK=("${A[@]:1}"); exec_line; fi ;;
    since|until)   # since X.Y COMMAND...: only on sites of that Moodle version or later
        local have=${MOODLE_VERSION:-4.2} at=${A[0]:-}
        [[ $at =~ ^[0-9]+\.[0-9]+$ ]] || { fail "$CUR_DESC" "$cmd needs a version X.Y"; return 0; }
        local newer=0
        (( $(vnum "$have") >= $(vnum "$at") )) && newer=1
        [[ $cmd == until ]] && newer=$((1 - newer))
        if (( newer )); then TOK=("${A[@]:1}"); exec_line; fi ;;

    # --- settings ---
    set)
        local kv
        for kv in "${A[@]}"; do
            [[ $kv == *=* ]] || { fail "$CUR_DESC" "set needs KEY=VALUE"; continue; }
            local k=${kv%%=*}
            [[ -z ${SETS[$k]+x} ]] && SET_KEYS+=("$k")
            SETS[$k]=${kv#*=}
        done ;;
    unset)
        local k nk=()
        for k in "${A[@]}"; do unset "SETS[$k]"; done
        for k in "${SET_KEYS[@]}"; do [[ -n ${SETS[$k]+x} ]] && nk+=("$k"); done
        SET_KEYS=("${nk[@]}") ;;
    config-append)
        CONFIG_EXTRA+=$DOC$'\n'; write_config ;;
    config-reset)
        CONFIG_EXTRA=""; write_config ;;

    # --- files ---
    input)
        cmd_input "${A[@]}"; local st=$?
        [[ $st -eq 2 ]] && return 2 ;;
    remove)
        local p; for p in "${A[@]}"; do resolve_glob "$p"; rm -rf -- "${GLOB_HITS[@]}"; done ;;
    mkdir)
        local p; for p in "${A[@]}"; do mkdir -p "$(area_path "$p")"; done ;;
    age)       # age GLOB DAYS: sets the mtime DAYS days back
        resolve_glob "${A[0]}"
        local f; for f in "${GLOB_HITS[@]}"; do touch -d "@$(( $(date +%s) - ${A[1]} * 86400 ))" "$f"; done ;;
    shell)
        (cd "$W" && SYNC=$SYNC WORK=$W SAMPLES=$SAMPLES SCENARIO=$SDIR REPO=$REPO bash -c "${A[0]}") >"$W/shell.out" 2>&1 \
            || fail "$CUR_DESC" "$(cat "$W/shell.out")" ;;
    bg)
        (cd "$W" && SYNC=$SYNC WORK=$W exec bash -c "${A[0]}") >"$W/bg.out" 2>&1 &
        BG_PIDS+=($!); VARS[BGPID]=$! ;;
    bg-stop)
        stop_bg ;;
    sleep) sleep "${A[0]}" ;;
    wait-for)      # wait-for 'COMMAND' [SECONDS]: until the bash command succeeds
        local limit=${A[1]:-30} t0=$SECONDS
        until (cd "$W" && SYNC=$SYNC WORK=$W bash -c "${A[0]}") >/dev/null 2>&1; do
            if (( SECONDS - t0 >= limit )); then fail "$CUR_DESC" "still false after ${limit}s"; break; fi
            sleep 0.1
        done ;;
    let)
        local v st
        v=$(db_query "${A[1]}" 2>"$W/sql.err"); st=$?
        if [[ $st -ne 0 ]]; then fail "$CUR_DESC" "query failed: $(cat "$W/sql.err")"; fi
        VARS[${A[0]}]=$v ;;
    let-shell)
        VARS[${A[0]}]=$(cd "$W" && SYNC=$SYNC WORK=$W bash -c "${A[1]}") ;;

    # --- toolsync ---
    run)
        # relative file arguments are files of the area; the last one names the archive
        local j seen_handler=0; LAST_RUN_FILE=""
        for (( j = 0; j < n; j++ )); do
            [[ ${A[j]} == -* ]] && continue
            (( seen_handler )) || { seen_handler=1; continue; }
            LAST_RUN_FILE=${A[j]}
            [[ ${A[j]} == /* ]] || A[j]=$SYNC/${A[j]}
        done
        do_run run "${A[@]}" ;;
    toolsync) do_run "${A[@]}" ;;
    stop-db-when)
        if [[ $KIND == sqlite ]]; then fail "$CUR_DESC" "stop-db-when needs pgsql or mariadb"; return; fi
        STOP_WHEN_SQL=${A[0]} STOP_WHEN_N=${A[1]} ;;
    db-restart)
        if [[ -z $DEDICATED ]]; then fail "$CUR_DESC" "db-restart needs dedicated-server"; return; fi
        if "$DBSERVERS" start "$KIND" "$DEDICATED" >"$W/restart.log" 2>&1; then
            # shellcheck disable=SC1091
            . "$DEDICATED/env.sh"; pass
        else fail "$CUR_DESC" "$(tail -n 20 "$W/restart.log")"; fi ;;
    sql-exec) cmd_sql_exec "${A[0]:-}" ;;

    # --- checks on the last run ---
    exit)
        need_run || return
        local want=${A[0]} alt ok=0
        IFS='|' read -ra alts <<<"$want"
        for alt in "${alts[@]}"; do [[ $RC == "$alt" ]] && ok=1; done
        if (( ok )); then pass
        else fail "$CUR_DESC" "exit status $RC, expected $want" "$(tail -n 15 "$ERR")"; [[ -n $REPORT ]] && diag_file "$REPORT" 30; fi ;;
    report-has|report-lacks|report-match|report-nomatch|report-count|\
    jsonl-has|jsonl-lacks|jsonl-match|jsonl-count|\
    stdout-has|stdout-lacks|stdout-match|stderr-has|stderr-lacks|stderr-match|stderr-count|\
    output-has|output-lacks|output-match|\
    tryback-has|tryback-lacks|tryback-match)
        text_check "${cmd%%-*}" "${cmd#*-}" "${A[@]}" ;;
    no-report)
        need_run || return
        if [[ -z $REPORT ]]; then pass; else fail "$CUR_DESC" "report written: $REPORT"; fi ;;
    report-name-is)
        need_run || return
        local b=${REPORT##*/} s ok=0
        for s in "${VARS[STAMP]}" "${VARS[STAMP_END]}"; do
            # shellcheck disable=SC2053
            [[ -n $b && $b == ${A[0]//\{stamp\}/$(stamp_glob "$s")} ]] && ok=1
        done
        if (( ok )); then pass; else fail "$CUR_DESC" "report of the last run: ${REPORT:-none}"; fi ;;
    tryback-is)
        need_run || return
        [[ -n $TRYBACK ]] || { fail "$CUR_DESC" "the last run wrote no tryback"; return; }
        local exp=$W/expected.$RUN_N
        printf '%s' "$DOC" >"$exp"
        if cmp -s "$exp" "$TRYBACK"; then pass
        else fail "$CUR_DESC" "tryback ${TRYBACK#"$SYNC"/} differs (< expected, > actual; cat -A):" \
            "$(diff <(cat -A "$exp"; echo) <(cat -A "$TRYBACK"; echo) | head -n 30)"; fi ;;
    tryback-lines)
        need_run || return
        [[ -n $TRYBACK ]] || { if [[ ${A[0]} -eq 0 ]]; then pass; else fail "$CUR_DESC" "no tryback"; fi; return; }
        if [[ ${VARS[TRYBACK_LINES]} -eq ${A[0]} ]]; then pass
        else fail "$CUR_DESC" "${VARS[TRYBACK_LINES]} data lines"; diag_file "$TRYBACK" 20; fi ;;
    tryback-name-is)
        need_run || return
        local b=${TRYBACK##*/} s ok=0
        for s in "${VARS[STAMP]}" "${VARS[STAMP_END]}"; do
            # shellcheck disable=SC2053
            [[ -n $b && $b == ${A[0]//\{stamp\}/$(stamp_glob "$s")} ]] && ok=1
        done
        if (( ok )); then pass; else fail "$CUR_DESC" "tryback of the last run: ${TRYBACK:-none}"; fi ;;
    no-tryback)
        need_run || return
        if [[ -z $TRYBACK ]]; then pass; else fail "$CUR_DESC" "tryback written: ${TRYBACK#"$SYNC"/}"; diag_file "$TRYBACK" 10; fi ;;
    archive-exists|no-archive)
        need_run || return
        local name=${A[0]:-${LAST_RUN_FILE:-$LAST_INPUT}}; name=${name##*/}
        if [[ $cmd == archive-exists ]]; then
            resolve_glob "archives/{stamp}_$name"
            if [[ ${#GLOB_HITS[@]} -gt 0 ]]; then pass
            else fail "$CUR_DESC" "no archives/<stamp>_$name (stamps ${VARS[STAMP]}..${VARS[STAMP_END]})" "$(ls -la "$SYNC/archives" 2>&1)"; fi
        else
            resolve_glob "archives/*_$name"
            if [[ ${#GLOB_HITS[@]} -eq 0 ]]; then pass; else fail "$CUR_DESC" "${GLOB_HITS[@]}"; fi
        fi ;;
    file-exists|file-absent)
        local p bad=()
        for p in "${A[@]}"; do
            resolve_glob "$p"
            if [[ $cmd == file-exists ]]; then [[ ${#GLOB_HITS[@]} -gt 0 ]] || bad+=("no file matches $p")
            else [[ ${#GLOB_HITS[@]} -eq 0 ]] || bad+=("present: ${GLOB_HITS[*]#"$SYNC"/}"); fi
        done
        if [[ ${#bad[@]} -eq 0 ]]; then pass; else fail "$CUR_DESC" "${bad[@]}" "area: $(cd "$SYNC" && find . -type f | sort | head -n 30 | tr '\n' ' ')"; fi ;;
    file-count)
        resolve_glob "${A[0]}"
        if [[ ${#GLOB_HITS[@]} -eq ${A[1]} ]]; then pass; else fail "$CUR_DESC" "${#GLOB_HITS[@]} files: ${GLOB_HITS[*]#"$SYNC"/}"; fi ;;
    file-is) cmd_file_is "${A[@]}" ;;
    file-has|file-lacks)
        resolve_glob "${A[0]}"
        [[ ${#GLOB_HITS[@]} -ge 1 ]] || { fail "$CUR_DESC" "no file matches ${A[0]}"; return; }
        if grep -qF -- "${A[1]}" "${GLOB_HITS[0]}"; then
            if [[ $cmd == file-has ]]; then pass; else fail "$CUR_DESC" "$(grep -nF -- "${A[1]}" "${GLOB_HITS[0]}" | head -n 3)"; fi
        else
            if [[ $cmd == file-lacks ]]; then pass; else fail "$CUR_DESC"; diag_file "${GLOB_HITS[0]}" 20; fi
        fi ;;
    area-lacks)     # area-lacks TEXT: no file of the area except the inputs contains TEXT
        local hits
        hits=$(grep -rlF -- "${A[0]}" "$SYNC/reports" "$SYNC/archives" 2>/dev/null; find "$SYNC" -name '*_tryback_*' -type f -exec grep -lF -- "${A[0]}" {} + 2>/dev/null)
        if [[ -z $hits ]]; then pass; else fail "$CUR_DESC" "$hits"; fi ;;
    mode-is) cmd_mode_is "${A[@]}" ;;

    # --- database checks ---
    sql) cmd_sql "${A[@]}" ;;
    sql-count) cmd_sql_count "${A[@]}" ;;
    sql-match) cmd_sql_match "${A[@]}" ;;
    password-ok) cmd_password_ok "${A[@]}" ;;

    # --- anything else ---
    check)
        local o st
        o=$(cd "$W" && bash -c "${A[0]}" 2>&1); st=$?
        check $st "command: ${A[0]}" "status $st${o:+, output:}" "$o" ;;
    *)
        fail "$CUR_DESC" "unknown command '$cmd'" ;;
    esac
    return 0
}

# ----------------------------------------------------------------------------------------
# One scenario on one backend
# ----------------------------------------------------------------------------------------
# vnum X.Y: 5.0 -> 500, so that versions compare as numbers
vnum() { local a=${1%%.*} b=${1#*.}; echo $(( 10#$a * 100 + 10#$b )); }

run_scenario() {
    local sdir=$1 spec=$2 backend=${2%%@*} mv=""
    [[ $spec == *@* ]] && mv=${spec#*@}
    SDIR=$sdir
    local sname; sname=$(basename "$sdir")
    S_ID="$sname[$backend]"
    S_FAILS=0
    BACKEND=$backend
    KIND=${backend%-dump}
    local script=$sdir/script
    load_script "$script"

    # directives
    local i wanted="" notwanted="" samples=() dedicated=0 mversion=""
    PREFIX=mdl_; RUN_TIMEOUT=$RUN_TIMEOUT_DEFAULT
    for (( i = 0; i < L_N; i++ )); do
        read -r -a w <<<"${L_TEXT[i]}"
        case ${w[0]} in
        backends) wanted=" ${w[*]:1} " ;;
        not-backends) notwanted=" ${w[*]:1} " ;;
        needs-sample) samples+=("${w[@]:1}") ;;
        prefix) PREFIX=${w[1]} ;;
        dedicated-server) dedicated=1 ;;
        timeout) RUN_TIMEOUT=${w[1]} ;;
        moodle-version) mversion=${w[1]} ;;   # the scenario needs that version
        esac
    done
    # A scenario written for one version runs once: not again on every versioned
    # backend (the runs go side by side and would share one work area).
    if [[ -n $mversion && -n ${mv:-} && $mv != "$mversion" ]]; then return 0; fi
    MOODLE_VERSION=${mversion:-${mv:-${TS_MOODLE_VERSION:-}}}
    if [[ -n $MOODLE_VERSION ]]; then
        [[ $MOODLE_VERSION =~ ^[0-9]+\.[0-9]+$ ]] || { fail "site" "bad Moodle version '$MOODLE_VERSION'"; return 1; }
        S_ID="$sname[$backend@$MOODLE_VERSION]"
    fi
    [[ -n $wanted && $wanted != *" $backend "* ]] && return 0
    [[ -n $notwanted && $notwanted == *" $backend "* ]] && return 0
    local s
    for s in "${samples[@]}"; do
        [[ -f $SAMPLES/$s ]] || { echo "# skip $S_ID: sample $s absent ($SAMPLES)"; return 0; }
    done
    [[ $backend == *-dump ]] && PREFIX=mdl_

    # work area
    # Named after the backend as asked (sqlite, sqlite@5.3): each runs in its own process.
    W=$WORK/$sname/$backend${mv:+@$mv}
    rm -rf "$W"; mkdir -p "$W"
    SYNC=$W/sync; mkdir -p "$SYNC"
    CONF=$W/toolsync.conf
    CONFIG_EXTRA=""
    local dbid; dbid=$(tr -c 'a-z0-9\n' '_' <<<"${sname,,}"); dbid=${dbid:0:40}
    [[ -n $MOODLE_VERSION ]] && dbid+=_v${MOODLE_VERSION/./}
    [[ -n $mversion && -z $mv ]] && dbid+=_d
    case $backend in
    sqlite) DBNAME=$W/site.sqlite ;;
    pgsql) DBNAME=ts_p_$dbid ;; pgsql-dump) DBNAME=ts_pd_$dbid ;;
    mariadb) DBNAME=ts_m_$dbid ;; mariadb-dump) DBNAME=ts_md_$dbid ;;
    *) fail "unknown backend $backend"; return 1 ;;
    esac

    # a server of its own when the scenario stops it
    DEDICATED=""
    if (( dedicated )) && [[ $KIND != sqlite ]]; then
        DEDICATED=$W/server
        if ! "$DBSERVERS" start "$KIND" "$DEDICATED" >"$W/server.log" 2>&1; then
            CUR_LINE=0; fail "dedicated $KIND server" "$(tail -n 20 "$W/server.log")"
            return 1
        fi
        # shellcheck disable=SC1091
        . "$DEDICATED/env.sh"
        if [[ $KIND == pgsql ]]; then TS_PG_DIR=$DEDICATED; else TS_MY_DIR=$DEDICATED; fi
    fi

    declare -gA VARS=() SETS=()
    SET_KEYS=() BG_PIDS=()
    VARS[SYNC]=$SYNC VARS[WORK]=$W VARS[SAMPLES]=$SAMPLES VARS[SCENARIO]=$sdir
    VARS[MOODLE_VERSION]=${MOODLE_VERSION:-4.2}
    VARS[BACKEND]=$backend VARS[PREFIX]=$PREFIX VARS[DBNAME]=$DBNAME VARS[REPO]=$REPO
    VARS[STAMP]="" VARS[STAMP_END]="" VARS[RC]="" VARS[TRYBACK_LINES]=0
    VARS[REPORT]="" VARS[JSONL]="" VARS[TRYBACK]="" VARS[BGPID]=""
    sleep 0 & VARS[DEADPID]=$!; wait
    VARS[NOW]=$(date +%s)
    HAVE_RUN=0 RC="" REPORT="" JSONL="" TRYBACK="" OUT=/dev/null ERR=/dev/null
    LAST_INPUT="" LAST_RUN_FILE="" STOP_WHEN_SQL="" STOP_WHEN_N=0 RUN_N=0

    CUR_LINE=0 CUR_DESC="site"
    local st
    make_site; st=$?
    if [[ $st -eq 77 ]]; then
        echo "# skip $S_ID: site cannot be created here ($(tail -n1 "$W/mksite.log"))"
        teardown_scenario; return 0
    elif [[ $st -ne 0 ]]; then
        fail "site creation ($BACKEND, $DBNAME)"
        teardown_scenario; return 1
    fi
    write_config

    local rc_line
    for (( i = 0; i < L_N; i++ )); do
        CUR_LINE=${L_NO[i]}
        CUR_DESC=${L_TEXT[i]}
        HASDOC=${L_HASDOC[i]}; DOC=${L_DOC[i]}
        (( HASDOC )) && CUR_DESC+=" <<"
        (( ${#CUR_DESC} > 160 )) && CUR_DESC="${CUR_DESC:0:157}..."
        if ! tokenize "${L_TEXT[i]}"; then fail "$CUR_DESC" "syntax: $PARSE_ERR"; continue; fi
        [[ ${#TOK[@]} -eq 0 ]] && continue
        exec_line; rc_line=$?
        if [[ $rc_line -eq 2 ]]; then
            echo "# skip $S_ID: ${SKIP_REASON:-cannot run here}"
            break
        fi
    done
    teardown_scenario
    return 0
}

# stop_bg: ends the background commands of `bg` (their children first), by pid
stop_bg() {
    local p c
    for p in "${BG_PIDS[@]}"; do
        for c in $(pgrep -P "$p" 2>/dev/null); do kill "$c" 2>/dev/null; done
        kill "$p" 2>/dev/null; wait "$p" 2>/dev/null
    done
    BG_PIDS=()
}

teardown_scenario() {
    stop_bg
    if [[ -n $DEDICATED ]]; then
        "$DBSERVERS" stop "$KIND" "$DEDICATED" >>"$W/server.log" 2>&1
    elif [[ $S_FAILS -eq 0 && $KEEP -eq 0 ]]; then
        drop_db "$DBNAME"
    fi
    if [[ $S_FAILS -eq 0 && $KEEP -eq 0 ]]; then rm -rf "$W"
    elif [[ $S_FAILS -gt 0 ]]; then echo "# $S_ID: $S_FAILS failed; kept in $W"; fi
}

# ----------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------
BACKENDS=() WORK="" KEEP=${TS_KEEP:-0} LIST=0
while [[ $# -gt 0 ]]; do
    case $1 in
    -b|--backend) BACKENDS+=("$2"); shift 2 ;;
    -w|--work) WORK=$2; shift 2 ;;
    -k|--keep) KEEP=1; shift ;;
    -l|--list) LIST=1; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    -*) echo "scenario.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done
[[ ${#BACKENDS[@]} -eq 0 ]] && BACKENDS=(sqlite)
SCEN=()
if [[ $# -eq 0 ]]; then
    for d in "$REPO"/tests/scenarios/*/; do [[ -f $d/script ]] && SCEN+=("${d%/}"); done
else
    for a in "$@"; do
        if [[ -d $a ]]; then SCEN+=("$(cd "$a" && pwd)")
        elif [[ -d $REPO/tests/scenarios/$a ]]; then SCEN+=("$REPO/tests/scenarios/$a")
        else echo "scenario.sh: no scenario $a" >&2; exit 2; fi
    done
fi
if (( LIST )); then for d in "${SCEN[@]}"; do basename "$d"; done; exit 0; fi
if [[ -z $WORK ]]; then WORK=$(mktemp -d "${TMPDIR:-/tmp}/ts-scen.XXXXXX"); fi
mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)

if [[ ! -x $TOOLSYNC ]]; then
    echo "not ok - scenarios: toolsync is built ($TOOLSYNC missing)"
    exit 1
fi

# Each scenario runs in a subshell: its variables and server environment die with it.
ANY_FAIL=0
for b in "${BACKENDS[@]}"; do
    for d in "${SCEN[@]}"; do
        ( run_scenario "$d" "$b"; exit $(( S_FAILS > 0 )) ) || ANY_FAIL=1
    done
done
rmdir "$WORK" 2>/dev/null
exit $ANY_FAIL
