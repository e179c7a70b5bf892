# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology switch --disk-size 16M --modules ext4,loop
# lab-needs: p2pcp
#
# Every refused destination is left exactly as it was, on the real
# kernel's block devices: signatures (filesystem, partition table),
# a mounted or exclusively opened device, a partition too small, a
# length that would need padding, overlap, a non-NVMe device.
set -eu
. /lab/tests/lib.sh

mib=$((1 << 20))
fill_random "$SRC" $((8 * mib))
fill_random "$DST" $((16 * mib))

# Each refusal leaves DST as it was.
watch_unchanged "$DST" $((16 * mib))

expect_refused 2 "is not a multiple of 512 bytes: DST $DST is a block device and p2pcp never pads" p2pcp \
	--length 1000 "$SRC" "$DST"
expect_refused 2 "same storage and the ranges overlap" p2pcp --length 2M --dst-offset 1M "$DST" "$DST"
expect_refused 2 "--provider 0000:7f:00.0: no such PCI device with p2pmem" p2pcp \
	--provider 0000:7f:00.0 --length 1M "$SRC" "$DST"
expect_refused 2 "runs past the end of SRC" p2pcp --src-offset 12M --length 8M "$SRC" "$DST"

# A filesystem signature, then the same filesystem mounted.
mke2fs -q "$DST" 2>/dev/null || mke2fs "$DST" >/dev/null
expect_refused 2 "DST $DST holds a filesystem signature \(ext2\).*--force" p2pcp --length 1M "$SRC" "$DST"
mkdir -p /mnt/dst
# Read-only, so that the filesystem itself writes nothing either.
mount -t ext2 -o ro "$DST" /mnt/dst
expect_refused 2 "DST $DST is in use \(mounted" p2pcp --force --length 1M "$SRC" "$DST"
umount /mnt/dst
# --force overrides the signature (and only the signature).
expect_rc 0 p2pcp --force --length 1M "$SRC" "$DST"
expect_same "$SRC" 0 "$DST" 0 "$mib"

# A partition table; then a partition too small for the copy.
printf 'o\nn\np\n1\n2048\n+4M\nw\n' | fdisk "$DST" >/dev/null 2>&1 || true
[ -b "${DST}p1" ] || fail "fdisk made no ${DST}p1"
expect_refused 2 "DST $DST holds a partition table signature \(dos\)" p2pcp --length 1M "$SRC" "$DST"
expect_refused 2 "DST ${DST}p1 is too small" p2pcp --length 8M "$SRC" "${DST}p1"
# Into the partition at its own offsets: the data lands 1 MiB into DST.
expect_rc 0 p2pcp --length 2M --dst-offset 0 "$SRC" "${DST}p1"
expect_same "$SRC" 0 "$DST" "$mib" $((2 * mib))
# The disk and its partition overlap on the same storage.
expect_refused 2 "same storage and the ranges overlap" p2pcp --src-offset 0 --dst-offset 1M \
	--length 1M "${DST}p1" "$DST"

# A loop device is not an NVMe namespace: no P2P pages on its queue.
dd if=/dev/urandom of=/tmp/loop.img bs=1M count=4 2>/dev/null
losetup /dev/loop0 /tmp/loop.img
expect_refused 3 "SRC /dev/loop0 is not on an NVMe namespace.*--sysmem" p2pcp /dev/loop0 "$DST"
expect_rc 0 p2pcp --sysmem --force /dev/loop0 "${DST}p1"
expect_same /dev/loop0 0 "$DST" "$mib" $((4 * mib))
losetup -d /dev/loop0
ok "safety checks hold on the real kernel"
