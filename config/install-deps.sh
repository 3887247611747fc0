#!/usr/bin/env bash
# Installs the Debian packages vlgw builds against and tests with. Idempotent: a machine
# that already has them spends a second here. Run as root (or via sudo).
set -euo pipefail
packages=(
  pkg-config libzmq3-dev libopus-dev libsoxr-dev libspandsp-dev libssl-dev   # build
  libsrtp2-dev                                                                # build: SRTP (SDES) in the media worker
  sip-tester baresip baresip-core systemd openssl ca-certificates             # tests and runtime
  chromium                                                                    # the live calls page test (headless browser)
  dnsmasq-base                                                                # DNS tests: SRV/NAPTR server (no system service)
  sox ffmpeg                                                                  # codecs not written here, to check ours against
  espeak-ng                                                                   # speech for the voice-quality benchmark and its guard test
  dpkg-dev binutils file                                                      # the Debian package and its test
  iproute2 tcpdump                                                            # the multi-host test: network namespaces, capture of the bus
  redis-server                                                                # the Redis call store (VLGW_CALL_STORE=redis) and its test
  kamailio kamailio-extra-modules                                             # registrar and dispatcher in front of several signaling nodes (config/kamailio/)
  kamailio-tls-modules                                                        # a TLS registrar for the SIP over TLS tests
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
# PESQ (ITU-T P.862) for the voice-quality benchmark and its guard test: the `pesq` package
# from PyPI (Debian has none). A Debian python3 refuses user installs (PEP 668) without
# --break-system-packages; pyenv's and the toolchain image's accept them.
if ! python3 -c "import pesq, numpy" 2>/dev/null; then
  echo "install-deps: installing the Python packages pesq and numpy" >&2
  python3 -m pip install -q pesq numpy 2>/dev/null || python3 -m pip install -q --break-system-packages pesq numpy
fi
