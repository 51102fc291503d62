#!/usr/bin/env bash
# Writes a generated users command file (userimport.csv format) on standard output.
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   genusers.sh [-n COUNT] [-p PREFIX] [-a AUTH] [-w] [-u] [-s SEP]
#     -n  number of data lines (default 1000)
#     -p  username prefix (default "gen"): usernames PREFIX1 … PREFIXn, idnumbers
#         upper-case PREFIX + number
#     -a  auth column value (default: no auth column, i.e. manual)
#     -w  add a password column (a different clear password per line)
#     -u  "update" variant: the same accounts with another city and last name
#     -s  separator (default ';')
# Used by the scenarios (a database that goes away mid-file) and by tests/bench/bench.sh.
set -eu
n=1000 prefix=gen auth="" pw=0 upd=0 sep=';'
while getopts 'n:p:a:wus:' o; do
    case $o in
    n) n=$OPTARG ;; p) prefix=$OPTARG ;; a) auth=$OPTARG ;; w) pw=1 ;; u) upd=1 ;;
    s) sep=$OPTARG ;;
    *) sed -n '4,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
done
exec awk -v n="$n" -v p="$prefix" -v auth="$auth" -v pw="$pw" -v upd="$upd" -v S="$sep" '
BEGIN {
    up = toupper(p)
    city = upd ? "Villeurbanne" : "Lyon"
    h = "username" S "firstname" S "lastname" S "email" S "idnumber" S "city" S "country" S "lang"
    if (auth != "") h = h S "auth"
    if (pw) h = h S "password"
    print h
    for (i = 1; i <= n; i++) {
        l = p i S "Prénom" i S "Nom" i (upd ? "-bis" : "") S p i "@example.test" S up i S city S "FR" S "en"
        if (auth != "") l = l S auth
        if (pw) l = l S "Pw-" i "-Zq9!"
        print l
    }
}'
