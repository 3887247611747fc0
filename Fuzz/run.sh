#!/usr/bin/env bash
# Builds the libFuzzer targets (ASan + libFuzzer, release) and runs each for N inputs, one
# after another, then prints inputs run, exec/s and crashes per target.
#   Fuzz/run.sh [inputs-per-target] [target...]      (default 10000000, all targets)
# FUZZ_SECONDS=n caps each target's run time (the figures then show what was reached).
# Crash inputs land in Fuzz/crashers/<target>/; the growing corpus stays in .build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10000000}; shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzSIP FuzzSIPStream FuzzSDP FuzzRTP FuzzBus FuzzVoiceLive FuzzDNS)
scratch=.build-fuzz

swift build -c release --package-path Fuzz --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer,address >&2

seeds() {   # seed corpus directories for a target
    case $1 in
        FuzzSIP|FuzzSIPStream) echo Tests/TestData/rfc4475 ;;
        FuzzSDP) echo Fuzz/seeds/sdp ;;  FuzzRTP) echo Fuzz/seeds/rtp ;;  FuzzBus) echo Fuzz/seeds/bus ;;
        FuzzVoiceLive) echo Fuzz/seeds/voicelive ;;  FuzzDNS) echo Fuzz/seeds/dns ;;
    esac
    [ -d "Fuzz/corpus-regression/$1" ] && echo "Fuzz/corpus-regression/$1"
    return 0
}
maxlen() {  # the largest input worth trying: about what one datagram/frame carries
    case $1 in FuzzRTP|FuzzDNS) echo 1500 ;; FuzzSDP|FuzzBus|FuzzVoiceLive) echo 2048 ;; *) echo 4096 ;; esac
}

printf '%-14s %12s %9s %8s\n' target inputs exec/s crashes > "$scratch/fuzz-summary.txt"
for t in "${targets[@]}"; do
    corpus=$scratch/corpus/$t; crashes=Fuzz/crashers/$t
    mkdir -p "$corpus" "$crashes"
    log=$scratch/$t.log
    before=$(ls "$crashes" | wc -l)
    # -rss_limit_mb: ASan plus the Foundation JSON decoder need more than the 2 GB default at times.
    "$scratch/release/$t" -runs="$runs" -max_len="$(maxlen "$t")" -rss_limit_mb=4096 -print_final_stats=1 \
        ${FUZZ_SECONDS:+-max_total_time=$FUZZ_SECONDS} -artifact_prefix="$crashes/" \
        "$corpus" $(seeds "$t") > "$log" 2>&1 || true
    done_line=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | tail -1)
    inputs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
    speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
    found=$(( $(ls "$crashes" | wc -l) - before ))
    printf '%-14s %12s %9s %8s\n' "$t" "${inputs:-0}" "${speed:-0}" "$found" | tee -a "$scratch/fuzz-summary.txt"
    [ -n "$done_line" ] || [ "$found" -gt 0 ] || echo "  ($t did not finish: see $log)" >&2
done
echo; cat "$scratch/fuzz-summary.txt"
