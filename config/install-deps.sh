#!/usr/bin/env bash
# Installs the Debian packages vlgw builds against and tests with. Idempotent: a machine
# that already has them spends a second here. Run as root (or via sudo).
set -euo pipefail
packages=(
  pkg-config libzmq3-dev libopus-dev libsoxr-dev libspandsp-dev libssl-dev   # build
  sip-tester baresip baresip-core systemd openssl ca-certificates             # tests and runtime
  chromium                                                                    # the live calls page test (headless browser)
  dnsmasq-base                                                                # DNS tests: SRV/NAPTR server (no system service)
  sox ffmpeg                                                                  # codecs not written here, to check ours against
  dpkg-dev binutils file                                                      # the Debian package and its test
  redis-server                                                                # the Redis call store (VLGW_CALL_STORE=redis) and its test
  kamailio kamailio-extra-modules                                             # registrar and dispatcher in front of several signaling nodes (config/kamailio/)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
