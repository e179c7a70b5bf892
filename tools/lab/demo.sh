# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest side of "p2p-lab demo": fill SRC with random data, show p2p-check's
# verdict for the pair, copy SRC to DST with p2pcp through the CMB, check
# the copy with sha256sum and print the throughput.  The filling, hashing
# and comparing are the lab library's (tests/lab/lib.sh), as in the cases.
#   sh demo.sh BYTES      (BYTES: a multiple of 4096)
set -eu
. /lab/tests/lib.sh

bytes=${1:?usage: demo.sh BYTES}

step() { printf '\n== %s\n' "$*"; }
now() { cut -d' ' -f1 /proc/uptime; }

for t in p2pcp p2p-check; do
	command -v "$t" >/dev/null || {
		echo "demo: $t is not in the guest (build the project: meson compile -C build)"
		exit 125
	}
done
[ $((bytes % 4096)) = 0 ] || fail "demo: $bytes bytes is not a multiple of 4096"

step "The lab: three NVMe SSDs behind one PCIe switch"
cat /lab/devices
echo "CMB of $CMB_BDF: size $(p2pmem_attr "$CMB_BDF" size)," \
	"available $(p2pmem_attr "$CMB_BDF" available)," \
	"published $(p2pmem_attr "$CMB_BDF" published)"

# p2p-lab filled SRC on the host (--random SRC:BYTES), much faster than
# the emulated CPU can, and took its sha256 there.
src_sha=${LAB_SRC_RANDOM#"$bytes":}
[ "$src_sha" != "${LAB_SRC_RANDOM:-}" ] || fail "demo: p2p-lab did not fill SRC with $bytes random bytes (LAB_SRC_RANDOM=${LAB_SRC_RANDOM:-})"
step "SRC ($SRC) holds $bytes bytes of random data"
echo "sha256 $src_sha (taken on the host)"

step "p2p-check $SRC $DST"
p2p-check "$SRC" "$DST" || true

step "p2pcp --progress --verify $SRC $DST"
t0=$(now)
p2pcp --progress --verify --json --length "$bytes" "$SRC" "$DST" >/tmp/p2pcp.json
t1=$(now)

step "Checking DST ($DST) from outside p2pcp"
expect_eq "$(sha_range "$DST" 0 "$bytes")" "$src_sha" "sha256 of DST's first $bytes bytes"
echo "DST is identical to SRC."

step "Throughput"
secs=$(tr -d ' \n' </tmp/p2pcp.json | sed -n 's/.*"seconds":\([0-9.e+-]*\).*/\1/p')
provider=$(tr -d ' \n' </tmp/p2pcp.json | sed -n 's/.*"provider":{"pci":"\([^"]*\)".*/\1/p')
awk -v b="$bytes" -v s="${secs:-0}" -v t0="$t0" -v t1="$t1" -v p="$provider" 'BEGIN {
	if (s <= 0) s = 0.01
	if (b % 1048576 == 0) size = sprintf("%d MiB", b / 1048576)
	else size = sprintf("%d bytes", b)
	printf "copy: %s peer-to-peer through the CMB of %s in %.2f s: %.1f MB/s\n", size, p, s, b / s / 1e6
	printf "copy and verify: %.2f s\n", t1 - t0
	print "(QEMU moves peer-to-peer DMA through a small bounce buffer, so the lab is slow; real CMBs are not.)"
}'
