#!/usr/bin/env bash
# Builds the vlgw Debian package from already-built binaries.
#
#   packaging/build-deb.sh [BUILD_DIR [OUT_DIR [VERSION]]]
#
#   BUILD_DIR  the binaries (default .build/release; build them with
#              `swift build -c release --static-swift-stdlib`)
#   OUT_DIR    where vlgw_<version>_<arch>.deb goes (default: the current directory)
#   VERSION    package version (default 0.1.0+git<date>.<commit>)
#
# Environment: VLGW_DEB_COMPRESSION (zstd, xz, gzip or none; default zstd: xz takes minutes);
# VLGW_DEB_ALLOW_SWIFT_RUNTIME=1 packages binaries that link the Swift runtime
# dynamically (a debug build: the package then runs only where the same toolchain is
# installed; the tests use it). Prints the path of the package on stdout.
#
# What the package installs:
#   /usr/lib/vlgw/bin/vlgw{,-signaling,-media,-bridge,-voicelive-sim}   (stripped)
#   /usr/bin/vlgw                      the operator command (reads /etc/vlgw by default)
#   /usr/lib/systemd/system/           vlgw.target, vlgw-signaling, vlgw-media@, vlgw-bridge,
#                                      vlgw-voicelive-sim (from systemd/)
#   /usr/lib/sysusers.d/vlgw.conf      the static system user vlgw
#   /usr/lib/tmpfiles.d/vlgw.conf      /var/lib/vlgw, /var/lib/vlgw/recordings
#   /etc/vlgw/vlgw.conf                conffile, root:vlgw 0640 after postinst
#   /etc/vlgw/vlgw.env                 created by postinst from /usr/share/vlgw/vlgw.env
#   /usr/share/doc/vlgw/               README.md, grafana-dashboard.json
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=$(cd "${1:-$repo/.build/release}" && pwd)
out_dir=${2:-.}
mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)
if [ -n "${3:-}" ]; then
    version=$3
else
    commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
    version="0.1.0+git$(date -u +%Y%m%d).$commit"
fi
arch=$(dpkg --print-architecture)
compression=${VLGW_DEB_COMPRESSION:-zstd}
binaries=(vlgw vlgw-signaling vlgw-media vlgw-bridge vlgw-voicelive-sim)

die() { echo "build-deb: $*" >&2; exit 1; }
for b in "${binaries[@]}"; do
    [ -x "$build_dir/$b" ] || die "$build_dir/$b is missing: swift build -c release --static-swift-stdlib"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
install -d -m 0755 "$root/DEBIAN" "$root/usr/lib/vlgw/bin" "$root/usr/bin" "$root/usr/lib/systemd/system" \
    "$root/usr/lib/sysusers.d" "$root/usr/lib/tmpfiles.d" "$root/etc/vlgw" "$root/usr/share/vlgw" "$root/usr/share/doc/vlgw"

# Binaries, stripped (a debug build shrinks roughly tenfold).
for b in "${binaries[@]}"; do
    install -m 0755 "$build_dir/$b" "$root/usr/lib/vlgw/bin/$b"
    strip --strip-unneeded "$root/usr/lib/vlgw/bin/$b"
done
install -m 0755 "$repo/packaging/vlgw.sh" "$root/usr/bin/vlgw"

install -m 0644 "$repo"/systemd/vlgw.target "$repo"/systemd/*.service "$root/usr/lib/systemd/system/"
install -m 0644 "$repo/packaging/vlgw.sysusers" "$root/usr/lib/sysusers.d/vlgw.conf"
install -m 0644 "$repo/packaging/vlgw.tmpfiles" "$root/usr/lib/tmpfiles.d/vlgw.conf"
# 0640 in the archive too: the configuration is never world-readable, not even between
# unpack and postinst (which gives it to group vlgw).
install -m 0640 "$repo/config/vlgw.conf" "$root/etc/vlgw/vlgw.conf"
install -m 0644 "$repo/packaging/vlgw.env" "$root/usr/share/vlgw/vlgw.env"
install -m 0644 "$repo/README.md" "$root/usr/share/doc/vlgw/README.md"
[ -f "$repo/config/grafana-dashboard.json" ] && install -m 0644 "$repo/config/grafana-dashboard.json" "$root/usr/share/doc/vlgw/"

install -m 0755 "$repo/packaging/debian/postinst" "$repo/packaging/debian/prerm" "$repo/packaging/debian/postrm" "$root/DEBIAN/"
install -m 0644 "$repo/packaging/debian/conffiles" "$root/DEBIAN/conffiles"

# Runtime library dependencies (libzmq5, libopus0, libsoxr0, libspandsp2, libssl3, libc6, …)
# from the binaries themselves, with the minimum versions of the libraries' symbols files.
swift_runtime=$(ldd "$build_dir/vlgw-signaling" | awk '/libswiftCore|libFoundation/ {print $3; exit}')
shlibdeps_flags=()
if [ -n "$swift_runtime" ]; then
    [ "${VLGW_DEB_ALLOW_SWIFT_RUNTIME:-0}" = 1 ] || die "the binaries link the Swift runtime dynamically ($swift_runtime): build with swift build -c release --static-swift-stdlib (or set VLGW_DEB_ALLOW_SWIFT_RUNTIME=1 for a package that runs only beside this toolchain)"
    echo "build-deb: note: Swift runtime linked dynamically from $(dirname "$swift_runtime"); this package runs only where that toolchain is installed" >&2
    shlibdeps_flags+=(--ignore-missing-info)
fi
mkdir -p "$work/src/debian"
printf 'Source: vlgw\n\nPackage: vlgw\nArchitecture: any\n' > "$work/src/debian/control"
executables=()
for b in "${binaries[@]}"; do executables+=("-e$root/usr/lib/vlgw/bin/$b"); done
depends=$(cd "$work/src" && dpkg-shlibdeps -O "${shlibdeps_flags[@]}" "${executables[@]}" 2>"$work/shlibdeps.err" \
    | sed -n 's/^shlibs:Depends=//p') || { cat "$work/shlibdeps.err" >&2; die "dpkg-shlibdeps failed"; }
grep -v "^dpkg-shlibdeps: warning: .*\(libswift\|libFoundation\|lib_FoundationICU\|libdispatch\|libBlocksRuntime\)" "$work/shlibdeps.err" >&2 || true
[ -n "$depends" ] || die "no runtime dependencies found"
depends="$depends, passwd"

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@DEPENDS@/$depends/" \
    "$repo/packaging/debian/control.in" > "$root/DEBIAN/control"

deb="$out_dir/vlgw_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Z"$compression" --build "$root" "$deb" >&2
echo "$deb"
