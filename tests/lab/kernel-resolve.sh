#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# p2p-lab's choice of stock kernel, on the host, without the network: a
# cache whose private package lists are fresh (so nothing is fetched) and
# whose kernels are already unpacked.  Debian's newest kernel is the one
# with the highest package version across the suites; a suite apt could
# not fetch (no list: an expired Release file, say) is skipped with a note,
# not fatal, and naming it is an error that says why.
#   kernel-resolve.sh P2P-LAB
set -euo pipefail
lab=$1
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
export P2P_LAB_CACHE=$cache

fail() { echo "FAIL: $*"; exit 1; }
lists=$cache/apt/lists
mkdir -p "$lists/partial"
index() { # SUITE ABI VERSION: a package list naming that kernel
	touch "$lists/deb.debian.org_debian_dists_$1_InRelease"
	printf 'Package: linux-image-amd64\nVersion: %s\nDepends: linux-image-%s (= %s)\n\nPackage: linux-binary-%s\nVersion: %s\n\n' \
		"$3" "$2" "$3" "$2" "$3" >"$lists/deb.debian.org_debian_dists_$1_main_binary-amd64_Packages"
}
unpacked() { # ABI P2PDMA: a kernel as fetch_debian_kernel leaves it
	local d=$cache/debian/$1
	mkdir -p "$d/root/lib/modules/$1"
	echo image >"$d/vmlinuz"
	echo "CONFIG_PCI_P2PDMA=$2" >"$d/config"
	echo "linux-binary-$1=test" >"$d/packages"
	touch "$d/ready"
}
index trixie-backports 7.3.4+deb13-amd64 7.3.4-1~bpo13+1
index trixie 6.12.117+deb13-amd64 6.12.117-1
index bookworm-backports 6.12.95+deb12-amd64 6.12.95-1~bpo12+1
index bookworm 6.1.0-50-amd64 6.1.176-1
# sid: InRelease fetched, its Packages list missing.
touch "$lists/deb.debian.org_debian_dists_sid_InRelease"
unpacked 7.3.4+deb13-amd64 y
unpacked 6.1.0-50-amd64 n

out=$("$lab" kernel 2>&1) || fail "p2p-lab kernel exited $?: $out"
echo "$out"
[[ $out == *"$cache/debian/7.3.4+deb13-amd64/vmlinuz"* ]] || fail "newest is not 7.3.4"
[[ $out == *"no package list for Debian suite sid"* ]] || fail "no note about sid"
echo "ok: newest stock kernel 7.3.4 with sid's list missing"

out=$("$lab" kernel debian:bookworm 2>&1) || fail "p2p-lab kernel debian:bookworm exited $?: $out"
[[ $out == *"$cache/debian/6.1.0-50-amd64/vmlinuz"* ]] || fail "bookworm is not 6.1.0-50: $out"
echo "ok: debian:bookworm is 6.1.0-50-amd64"

if out=$("$lab" kernel debian:sid 2>&1); then fail "debian:sid resolved without a list: $out"; fi
[[ ${out##*$'\n'} == *"Debian suite sid names no kernel"* ]] || fail "debian:sid: $out"
echo "ok: debian:sid refused: ${out##*$'\n'}"

# The newest kernel without CONFIG_PCI_P2PDMA is refused as the default.
index sid 7.9.1+deb14-amd64 7.9.1-1
unpacked 7.9.1+deb14-amd64 n
rm -f "$cache/apt/kernels"
if out=$("$lab" kernel 2>&1); then fail "a newest kernel without P2PDMA was taken: $out"; fi
[[ $out == *"7.9.1+deb14-amd64 has no CONFIG_PCI_P2PDMA"* ]] || fail "no P2PDMA: $out"
echo "ok: ${out##*$'\n'}"

# Fetching a kernel that is not cached reads the package names of every
# suite: sid's missing list must not stop it there.  The download itself
# then fails (the fake lists name no archive files; the mirror is a closed
# port), which is where this test stops.
rm -rf "$cache/debian/7.9.1+deb14-amd64"
rm -f "$lists/deb.debian.org_debian_dists_sid_main_binary-amd64_Packages"
rm -f "$cache/apt/kernels"
index trixie-backports 7.9.2+deb13-amd64 7.9.2-1~bpo13+1
if out=$(P2P_LAB_DEBIAN_MIRROR=http://127.0.0.1:9/debian "$lab" kernel debian:trixie-backports 2>&1); then
	fail "a kernel was fetched from fake lists: $out"
fi
[[ $out == *"downloading Debian kernel 7.9.2+deb13-amd64 (linux-binary-7.9.2+deb13-amd64 linux-modules-7.9.2+deb13-amd64"* ]] ||
	fail "the fetch did not get to the download with sid's list missing: $out"
echo "ok: a fetch goes on to the download with a suite's list missing"
