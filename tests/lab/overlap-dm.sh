# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology switch --disk-size 64M --modules dm-mod,loop
# lab-needs: p2pcp
#
# Overlap through device-mapper (issue 10 item 2): a dm-linear device on a
# loop device on an image file.  sysfs names a dm device's slaves but not
# its table, so which of the slave's bytes it maps is unknown: a copy
# into the dm device from anything that reaches its slave (the loop
# device, the image file) is refused (exit 2) and writes nothing, whatever
# the ranges; the slave itself is in use as a destination; a copy between
# the dm device and unrelated storage runs.
set -eu
. /lab/tests/lib.sh

mib=1048576
img=/tmp/dm.img
other=/tmp/other.img
fill_random "$img" $((16 * mib))
fill_random "$other" $((16 * mib))
loop=$(losetup -f)
losetup "$loop" "$img"
loop_other=$(losetup -f)
losetup "$loop_other" "$other"
# dm byte x is loop byte 2 MiB + x, for 4 MiB (8192 sectors).
dmsetup --noudevsync create p2pcp-overlap --table "0 8192 linear $loop 4096" ||
	fail "dmsetup create failed"
dm_name=$(grep -lx p2pcp-overlap /sys/block/dm-*/dm/name)
dm=/dev/$(basename "$(dirname "$(dirname "$dm_name")")")
[ -b "$dm" ] || fail "no block device for p2pcp-overlap ($dm)"
expect_eq "$(ls "/sys/class/block/${dm#/dev/}/slaves")" "${loop#/dev/}" \
	"the slave of $dm"

watch_unchanged "$img" $((16 * mib))
# Writing to the loop device under dm's feet: it is in use (held by dm).
expect_refused 2 "DST $loop is in use" \
	p2pcp --sysmem --force --length 1M "$dm" "$loop"
expect_refused 2 "may overlap: both reach" \
	p2pcp --sysmem --force --length 1M "$loop" "$dm"
expect_refused 2 "may overlap: both reach" \
	p2pcp --sysmem --force --length 1M "$img" "$dm"
# Loop [8M, 9M) lies outside the map, but only the table says so.
expect_refused 2 "may overlap: both reach" \
	p2pcp --sysmem --force --src-offset 8M --length 1M "$loop" "$dm"

# Unrelated storage on either side: the copy runs, exactly where asked.
cp "$img" /tmp/dm.orig
expect_rc 0 p2pcp --sysmem --force --length 1M "$dm" "$loop_other"
expect_same /tmp/dm.orig $((2 * mib)) "$other" 0 $mib
expect_rc 0 p2pcp --sysmem --force --src-offset 4M --dst-offset 1M \
	--length 1M "$loop_other" "$dm"
expect_same "$other" $((4 * mib)) "$img" $((3 * mib)) $mib
# Nothing outside that megabyte of the image changed.
expect_same /tmp/dm.orig 0 "$img" 0 $((3 * mib))
expect_same /tmp/dm.orig $((4 * mib)) "$img" $((4 * mib)) $((12 * mib))

dmsetup --noudevsync remove p2pcp-overlap
losetup -d "$loop" "$loop_other"
