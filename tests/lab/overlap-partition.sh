# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology switch --disk-size 64M --modules loop
# lab-needs: p2pcp
#
# Overlap through partitions (issue 10 item 2): a loop device with an MSDOS
# partition table on a file.  The partition, its parent device and the
# backing file are one storage; a copy between any two of them whose ranges
# meet there is refused (exit 2) and writes nothing; disjoint ranges copy.
set -eu
. /lab/tests/lib.sh

mib=1048576
img=/tmp/disk.img
dd if=/dev/urandom of="$img" bs=$mib count=16 2>/dev/null
# One primary partition, type 0x83, from sector 2048 (1 MiB), 16384
# sectors (8 MiB): partition byte x is image byte 1M + x.  The other three
# entries are zero: the kernel rejects a table with a random boot flag.
printf '\000\000\000\000\203\000\000\000\000\010\000\000\000\100\000\000' |
	dd of="$img" bs=1 seek=446 conv=notrunc 2>/dev/null
dd if=/dev/zero of="$img" bs=1 seek=462 count=48 conv=notrunc 2>/dev/null
printf '\125\252' | dd of="$img" bs=1 seek=510 conv=notrunc 2>/dev/null
loop=$(losetup -f)
losetup -P "$loop" "$img"
part=${loop}p1
[ -b "$part" ] || fail "no $part after losetup -P"
expect_eq "$(cat /sys/class/block/${part#/dev/}/start)" 2048 "$part start sector"

# refused_unchanged ARGS...: exit 2, an overlap message, the image untouched.
refused_unchanged() {
	before=$(sha_range "$img" 0 $((16 * mib)))
	expect_rc 2 p2pcp --sysmem --force "$@"
	out_has "same storage and the ranges overlap|may overlap"
	expect_eq "$(sha_range "$img" 0 $((16 * mib)))" "$before" "image unchanged"
}

# The partition onto its parent: both ranges are [1M, 2M) of the loop
# device; the other way, loop [1M, 2M) and partition [512K, 1.5M) =
# loop [1.5M, 2.5M) meet.
refused_unchanged --dst-offset 1M --length 1M "$part" "$loop"
refused_unchanged --src-offset 1M --dst-offset 512K --length 1M "$loop" "$part"
# The backing file onto the partition: file [1M, 2M) and partition
# [512K, 1.5M) = file [1.5M, 2.5M) meet.
refused_unchanged --src-offset 1M --dst-offset 512K --length 1M "$img" "$part"

# Disjoint ranges of the same storage are fine.
cp "$img" /tmp/disk.orig
expect_rc 0 p2pcp --sysmem --force --dst-offset 12M --length 1M "$part" "$loop"
expect_same /tmp/disk.orig $mib "$img" $((12 * mib)) $mib
expect_rc 0 p2pcp --sysmem --force --src-offset 12M --dst-offset 4M --length 1M \
	"$img" "$part"
expect_same /tmp/disk.orig $mib "$img" $((5 * mib)) $mib
losetup -d "$loop"
