#!/usr/bin/env bash
# The whole test suite, as the README's test command runs it (after `swift build --build-tests`).
#
# Most tests start the real planes and then wait on them (calls in real time, softphones,
# SIPp, Kamailio): on 2 cores the load stays under 1 while they run one at a time. So they
# run in parallel processes (`swift test --parallel`, one process per test, each on a port
# block it locks: Tests/VLTestSupport/PlaneHarness.swift, PortClaim). The few that measure
# audio quality or timing, or install the Debian package system-wide, run after, alone.
#
#   Tests/run.sh                  everything
#   VLGW_TEST_WORKERS=1 Tests/run.sh   one at a time (as plain `swift test --skip-build`)
set -uo pipefail
cd "$(dirname "$0")/.."
workers=${VLGW_TEST_WORKERS:-3}
# Alone: voice quality floors (PESQ), the 50 ms OPTIONS guard, real-time load (20 calls for 30 s, a
# trunk at 300 new calls a second), the package.
alone='VoiceQualityGuardTests|SignalingStallTests|DebianPackageTests|TrustedTrunkLoadTests|CallTests/testTwentyConcurrentCallsForThirtySeconds'
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
start=$(date +%s)
swift test --skip-build --parallel --num-workers "$workers" --skip "$alone" --xunit-output "$out/parallel.xml"
parallel=$?
mid=$(date +%s)
swift test --skip-build --parallel --num-workers 1 --filter "$alone" --xunit-output "$out/alone.xml"
serial=$?
end=$(date +%s)
# The counts, from the xUnit reports (XCTest only: the suite has no Swift Testing tests).
count() { grep -ho "<testsuite [^>]*" "$out"/*.xml 2>/dev/null | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' | awk '{ s += $1 } END { print s + 0 }'; }
tests=$(count tests); failures=$(count failures); errors=$(count errors)
failed=$(( ${failures:-0} + ${errors:-0} ))
echo "tests: parallel part $(( mid - start )) s ($workers workers), alone part $(( end - mid )) s"
echo "${tests:-0} tests: $(( ${tests:-0} - failed )) passed, $failed failed"
echo "$(( ${tests:-0} - failed )) passed, $failed failed"
[ $parallel -eq 0 ] && [ $serial -eq 0 ] && [ "${tests:-0}" -gt 0 ]
