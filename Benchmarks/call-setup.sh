#!/usr/bin/env bash
# Call setup benchmark: SIPp (uac scenario: INVITE → 180 → 200 → ACK → BYE) against a
# local gateway (signaling, 2 media workers, bridge, Voice Live simulator), at rising call
# rates. Prints, per rate: calls attempted, successful, failed, achieved setups/s.
#
#   Benchmarks/call-setup.sh [rates...]        (default: 10 25 50 100)
# Uses the release build (built first; VLGW_BENCH_CONFIG=debug for the debug one). Needs sipp (config/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
rates=("${@:-10 25 50 100}")
config=${VLGW_BENCH_CONFIG:-release}   # VLGW_BENCH_CONFIG=debug to reuse a debug build
swift build -c "$config" >/dev/null
bin=.build/$config
work=$(mktemp -d)
export VLGW_ENV_FILE=/dev/null SIP_PORT=45060 MEDIA_PORT=46000 MEDIA_PORT_COUNT=4000 VLGW_CONTROL_BIND=tcp://127.0.0.1:45570 \
       VLGW_BRIDGE_AUDIO_BIND=tcp://127.0.0.1:45571 VLGW_SIMULATOR_PORT=45765 VLGW_SIGNALING_METRICS_PORT=45460 \
       VLGW_BRIDGE_METRICS_PORT=45470 VLGW_MEDIA_METRICS_PORT=0 LOG_LEVEL=warning VLGW_MAX_CALLS=2000 \
       VLGW_INVITE_RATE_PER_SOURCE=100000 VLGW_WORKER_CAPACITY=1000 VOICE_LIVE_PROACTIVE_GREETING_ENABLED=false
$bin/vlgw up --media-workers 2 >"$work/vlgw.log" 2>&1 &
up=$!
trap 'kill $up 2>/dev/null; wait $up 2>/dev/null; rm -rf "$work"' EXIT
sleep 2
printf "%-8s %-8s %-8s %-8s %-12s\n" rate calls ok failed setups/s
for rate in ${rates[@]}; do
  calls=$((rate * 10))
  start=$(date +%s.%N)
  (cd "$work" && sipp 127.0.0.1:45060 -sn uac -s test -i 127.0.0.1 -p 45090 -m "$calls" -r "$rate" -l $((rate * 4)) \
      -nostdin -timeout 120s -trace_stat -stf stat.csv >/dev/null 2>&1) || true
  end=$(date +%s.%N)
  last=$(tail -1 "$work/stat.csv")
  ok=$(echo "$last" | awk -F';' '{print $16}')
  failed=$(echo "$last" | awk -F';' '{print $18}')
  printf "%-8s %-8s %-8s %-8s %-12.1f\n" "$rate" "$calls" "$ok" "$failed" "$(echo "$ok / ($end - $start)" | bc -l)"
  rm -f "$work/stat.csv"
done
