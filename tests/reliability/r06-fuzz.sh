#!/usr/bin/env bash
# A short smoke run of the CSV reader's libFuzzer target (make fuzz), when clang is
# here: a few seconds from a seed corpus of the spec's samples and tricky inputs.
# SPDX-License-Identifier: GPL-3.0-or-later
. "$(dirname "$0")/lib.sh"

SECONDS_TO_RUN=${REL_FUZZ_SECONDS:-8}
if ! grep -q '^FUZZ_CC = .\+' "$BUILD/Makefile" 2>/dev/null; then
    skip "fuzz: no clang (FUZZ_CC empty in the Makefile): apt-get install clang, then ./configure"
    done_tap
fi
if ! make -s -C "$BUILD" fuzz >"$W/build.log" 2>&1; then
    nok "fuzz: make fuzz builds the target" "$(tail -n 5 "$W/build.log")"
    done_tap
fi
ok "fuzz: make fuzz builds the target"
corpus=$W/corpus
mkdir -p "$corpus"
shared=${TS_SHARED:-$REPO/../shared}
for f in "$shared"/spec/samples/*.csv; do [[ -f $f ]] && { printf ';'; cat "$f"; } >"$corpus/$(basename "$f")"; done
printf ';h1;h2\n"a;b";"c\nd"\n' >"$corpus/quoted"
printf '\x10h\n"unterminated\nmore' >"$corpus/unterminated"
printf ';h\nJo\x00hn\n\xef\xbb\xbfx\n\xff\n' >"$corpus/nul"
"$BUILD/tests/reliability/fuzz_csvin" -max_total_time="$SECONDS_TO_RUN" -rss_limit_mb=1024 \
    -timeout=10 -print_final_stats=1 -artifact_prefix="$W/" "$corpus" >"$W/fuzz.log" 2>&1
st=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$W/fuzz.log" | tail -n1)
if [[ $st -eq 0 ]]; then
    ok "fuzz: ${SECONDS_TO_RUN}s of fuzzing the CSV reader without a crash (${runs:-?} inputs)"
else
    nok "fuzz: the CSV reader crashed under the fuzzer (exit $st)" "$(grep -E 'ERROR|SUMMARY|artifact' "$W/fuzz.log" | head -n 5)"
    KEEP=1
fi
done_tap
