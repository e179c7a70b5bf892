# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest side of "p2p-lab demo": fill SRC with random data, show p2p-check's
# verdict for the pair, copy SRC to DST with p2pcp through the CMB, check
# the copy with sha256sum and print the throughput.
#   sh demo.sh BYTES
set -eu

bytes=${1:?usage: demo.sh BYTES}
mib=$((bytes >> 20))

step() { printf '\n== %s\n' "$*"; }
now() { cut -d' ' -f1 /proc/uptime; }

for t in p2pcp p2p-check; do
	command -v "$t" >/dev/null || {
		echo "demo: $t is not in the guest (build the project: meson compile -C build)"
		exit 125
	}
done

step "The lab: three NVMe SSDs behind one PCIe switch"
cat /lab/devices
p=/sys/bus/pci/devices/$CMB_BDF/p2pmem
echo "CMB of $CMB_BDF: size $(cat "$p/size"), available $(cat "$p/available"), published $(cat "$p/published")"

step "Filling SRC ($SRC) with $mib MiB of random data"
dd if=/dev/urandom of="$SRC" bs=1M count="$mib" conv=fsync 2>/dev/null
sync
echo 3 >/proc/sys/vm/drop_caches
src_sum=$(dd if="$SRC" bs=1M count="$mib" 2>/dev/null | sha256sum | cut -d' ' -f1)
echo "sha256 $src_sum"

step "p2p-check $SRC $DST"
p2p-check "$SRC" "$DST" || true

step "p2pcp --progress --verify $SRC $DST"
t0=$(now)
p2pcp --progress --verify --json --length "$bytes" "$SRC" "$DST" >/tmp/p2pcp.json
t1=$(now)

step "Checking DST ($DST) from outside p2pcp"
echo 3 >/proc/sys/vm/drop_caches
dst_sum=$(dd if="$DST" bs=1M count="$mib" 2>/dev/null | sha256sum | cut -d' ' -f1)
echo "sha256 $dst_sum"
if [ "$src_sum" != "$dst_sum" ]; then
	echo "demo: DST differs from SRC"
	exit 1
fi
echo "DST is identical to SRC."

step "Throughput"
secs=$(tr -d ' \n' </tmp/p2pcp.json | sed -n 's/.*"seconds":\([0-9.e+-]*\).*/\1/p')
provider=$(tr -d ' \n' </tmp/p2pcp.json | sed -n 's/.*"provider":{"pci":"\([^"]*\)".*/\1/p')
awk -v b="$bytes" -v s="${secs:-0}" -v t0="$t0" -v t1="$t1" -v p="$provider" 'BEGIN {
	if (s <= 0) s = 0.01
	printf "copy: %d MiB peer-to-peer through the CMB of %s in %.2f s: %.1f MB/s\n", b / 1048576, p, s, b / s / 1e6
	printf "copy and verify: %.2f s\n", t1 - t0
	print "(QEMU moves peer-to-peer DMA through a small bounce buffer, so the lab is slow; real CMBs are not.)"
}'
