# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology switch --disk-size 64M --inject read:SRC:2048 --inject write:DST:4096
# lab-needs: p2praw
#
# QEMU blkdebug fails reads of SRC sector 2048 and writes of DST sector
# 4096 (512-byte sectors): the guest sees NVMe media errors, userspace
# gets ENODATA for the read, and I/O around the bad sectors works.
set -eu
. /lab/tests/lib.sh

mib=$((1 << 20))
expect_rc 0 p2praw read "$CMB_BDF" "$SRC" "$mib" 0
expect_rc 1 p2praw read "$CMB_BDF" "$SRC" "$mib" "$mib"
out_has "read $SRC at offset $mib: .*ENODATA"
dmesg_has "critical medium error"
expect_rc 0 p2praw copy "$CMB_BDF" "$SRC" "$DST" "$mib" 0 0
expect_rc 1 p2praw copy "$CMB_BDF" "$SRC" "$DST" "$mib" 0 $((2 * mib))
out_has "write $DST at offset $((2 * mib)): "
