# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology switch --disk-size 64M --modules ext4
# lab-needs: p2pcp
#
# Regular files on filesystems on NVMe: O_DIRECT through the filesystem
# (iomap) takes P2P pages too.  A file whose size is not a whole number of
# blocks is copied exactly: never padded, the tail through buffered I/O.
set -eu
. /lab/tests/lib.sh

mkdir -p /mnt/src /mnt/dst
mke2fs -q -b 4096 "$SRC" >/dev/null 2>&1 || mke2fs -b 4096 "$SRC" >/dev/null
mke2fs -q -b 4096 "$DST" >/dev/null 2>&1 || mke2fs -b 4096 "$DST" >/dev/null
mount -t ext2 "$SRC" /mnt/src
mount -t ext2 "$DST" /mnt/dst

size=$((5 * 1024 * 1024 + 4096 + 777))
dd if=/dev/urandom of=/mnt/src/data bs=$size count=1 2>/dev/null
: >/mnt/dst/copy
sync

expect_rc 0 p2pcp --json --verify /mnt/src/data /mnt/dst/copy
out_has '"mode":"p2p"'
out_has '"device":"nvme0n1"'
out_has '"verified":"(sysmem|p2pmem)"'
expect_eq "$(stat -c %s /mnt/dst/copy)" "$size" "copy size"
drop_caches
expect_eq "$(sha256sum </mnt/dst/copy)" "$(sha256sum </mnt/src/data)" "copy sha256"

# A file on the mounted filesystem is a fine destination; the mounted
# device itself is not.
expect_rc 2 p2pcp --length 1M /mnt/src/data "$DST"
out_has "is in use"
umount /mnt/src /mnt/dst
