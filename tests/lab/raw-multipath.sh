# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology multipath --disk-size 64M
# lab-needs: p2praw
#
# SRC and DST in NVMe subsystems on a CONFIG_NVME_MULTIPATH=y kernel:
# /dev/nvmeXnY is the multipath head node, which the kernel does not let
# carry P2P pages: EREMOTEIO, with nothing in dmesg.
set -eu
. /lab/tests/lib.sh

for d in "$SRC" "$DST"; do
	p=$(readlink -f "/sys/block/${d#/dev/}")
	case $p in
	/sys/devices/virtual/nvme-subsystem/*) ok "$d is a multipath head node ($p)" ;;
	*) fail "$d is not a multipath head node ($p)" ;;
	esac
done
expect_providers "$CMB_BDF"
len=$((1 << 20))
fill_random "$SRC" "$len"
fill_zero "$DST" "$len"
expect_rc 1 p2praw copy "$CMB_BDF" "$SRC" "$DST" "$len"
out_has "read $SRC at offset 0: .*EREMOTEIO"
dmesg_lacks "cannot be used for peer-to-peer DMA|ACS redirect is set"
expect_differs "$SRC" 0 "$DST" 0 "$len"
