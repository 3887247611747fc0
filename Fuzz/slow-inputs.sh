#!/usr/bin/env bash
# The slowest input of each parser signaling runs on every datagram (issue 26: one 64 KB SDP
# answer once held signaling for seconds). Each target runs for SECONDS with inputs up to a
# whole datagram from the first run, reports any input over 1 s and fails on one over 2 s;
# then every input of the grown corpus is replayed alone and the slowest three are printed.
#   Fuzz/slow-inputs.sh [seconds-per-target] [target...]    (default 300; FuzzSDP FuzzSIP FuzzSIPStream)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}; shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzSDP FuzzSIP FuzzSIPStream)
scratch=.build-fuzz
swift build -c release --package-path Fuzz --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer,address >&2
for t in "${targets[@]}"; do
    corpus=$scratch/corpus-slow/$t; crashes=Fuzz/crashers/$t
    mkdir -p "$corpus" "$crashes"
    case $t in FuzzSDP) seeds=Fuzz/seeds/sdp ;; *) seeds=Tests/TestData/rfc4475 ;; esac
    log=$scratch/slow-$t.log
    "$scratch/release/$t" -max_total_time="$seconds" -max_len=65000 -len_control=0 -report_slow_units=1 -timeout=2 \
        -rss_limit_mb=4096 -artifact_prefix="$crashes/" -print_final_stats=1 "$corpus" "$seeds" > "$log" 2>&1 || true
    inputs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
    speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
    echo "$t: $inputs inputs, $speed exec/s, $(grep -c 'Slowest unit' "$log" || true) reported slow (>= 1 s)"
    # libFuzzer given files (not a folder) runs each once and prints 'Executed <file> in N ms'.
    find "$corpus" -type f | head -5000 | xargs "$scratch/release/$t" -runs=1 2>&1 \
        | grep -o 'Executed .* in [0-9]* ms' | awk '{ print $(NF-1), "ms", $2 }' | sort -n | tail -3 \
        | while read -r ms unit file; do echo "  $ms $unit  $(stat -c %s "$file") bytes  $file"; done
done
