# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology switch --disk-size 64M --modules raid0,loop
# lab-needs: p2pcp
#
# Overlap through md (issue 10 item 2): a raid0 array, built by mdadm with
# no superblock, striped over two loop devices on image files.  As for dm,
# sysfs names an md device's slaves but not where its bytes lie on them:
# a copy into the array from anything that reaches a member (the loop
# device, its image file) is refused (exit 2) and writes nothing; a member
# is in use as a destination (md holds it); a copy between the array and
# unrelated storage runs.
set -eu
. /lab/tests/lib.sh

grep -q raid0 /proc/mdstat 2>/dev/null ||
	fail "the lab kernel has no md raid0 (CONFIG_BLK_DEV_MD, CONFIG_MD_RAID0)"
command -v mdadm >/dev/null ||
	fail "no mdadm in the guest (p2p-lab copies the host's: apt-get install mdadm)"
mib=1048576
kib=1024
img_a=/tmp/md-a.img
img_b=/tmp/md-b.img
other=/tmp/other.img
fill_random "$img_a" $((8 * mib))
fill_random "$img_b" $((8 * mib))
fill_random "$other" $((16 * mib))
loop_a=$(losetup -f)
losetup "$loop_a" "$img_a"
loop_b=$(losetup -f)
losetup "$loop_b" "$img_b"
loop_other=$(losetup -f)
losetup "$loop_other" "$other"
md=/dev/md0
# Without a superblock the members hold nothing but data: md chunk c
# (64 KiB) is chunk c / 2 of member c % 2.
mdadm --build "$md" --level=0 --chunk=64 --raid-devices=2 \
	"$loop_a" "$loop_b" || fail "mdadm --build failed"
[ -b "$md" ] || fail "no block device $md after mdadm --build"
expect_eq "$(cat /sys/class/block/md0/md/level)" raid0 "the level of $md"
expect_eq "$(ls /sys/class/block/md0/slaves | sort | tr '\n' ' ')" \
	"$(printf '%s\n' "${loop_a#/dev/}" "${loop_b#/dev/}" | sort | tr '\n' ' ')" \
	"the slaves of $md"
expect_eq "$(cat /sys/class/block/md0/size)" $((16 * mib / 512)) \
	"$md size in sectors"
# Both members hold the array's bytes: its second chunk is the first of B.
expect_same "$img_a" $((64 * kib)) "$md" $((128 * kib)) $((64 * kib))
expect_same "$img_b" 0 "$md" $((64 * kib)) $((64 * kib))

# Both image files, hashed outside p2pcp: everything the array stores.
members_sha() {
	echo "$(sha_range "$img_a" 0 $((8 * mib))) $(sha_range "$img_b" 0 $((8 * mib)))"
}

# refused_unchanged PATTERN ARGS...: p2pcp exits 2 with PATTERN in its
# output and neither member's image changed.
refused_unchanged() {
	local pattern="$1" before
	shift
	before=$(members_sha)
	expect_rc 2 p2pcp --sysmem --force "$@"
	out_has "$pattern"
	expect_eq "$(members_sha)" "$before" "the members' images after p2pcp $*"
}

# Into the array from its members, whichever: only md knows where its
# chunks lie, so any range may meet.
refused_unchanged "may overlap: both reach" --length 1M "$loop_a" "$md"
refused_unchanged "may overlap: both reach" --src-offset 4M --length 1M \
	"$loop_b" "$md"
refused_unchanged "may overlap: both reach" --length 1M "$img_a" "$md"
refused_unchanged "may overlap: both reach" --src-offset 2M --dst-offset 8M \
	--length 1M "$img_b" "$md"
# A member under md's feet: md holds it.
refused_unchanged "DST $loop_a is in use" --length 1M "$md" "$loop_a"
refused_unchanged "DST $loop_b is in use" --dst-offset 1M --length 1M \
	"$md" "$loop_b"

# Unrelated storage on either side: the copy runs, exactly where asked.
dd if="$md" of=/tmp/md.orig bs=$mib 2>/dev/null
expect_rc 0 p2pcp --sysmem --force --src-offset 3M --length 1M \
	"$md" "$loop_other"
expect_same /tmp/md.orig $((3 * mib)) "$other" 0 $mib
expect_rc 0 p2pcp --sysmem --force --src-offset 4M --dst-offset 5M \
	--length 1M "$loop_other" "$md"
expect_same "$other" $((4 * mib)) "$md" $((5 * mib)) $mib
# Nothing outside that megabyte of the array changed.
expect_same /tmp/md.orig 0 "$md" 0 $((5 * mib))
expect_same /tmp/md.orig $((6 * mib)) "$md" $((6 * mib)) $((10 * mib))

mdadm --stop "$md" || fail "mdadm --stop failed"
for l in "$loop_a" "$loop_b" "$loop_other"; do
	losetup -d "$l"
done
