# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology multipath --disk-size 64M
# lab-needs: p2praw
#
# SRC and DST in NVMe subsystems on a CONFIG_NVME_MULTIPATH=y kernel:
# /dev/nvmeXnY is the multipath head node.  Before Linux 7.2 the kernel
# does not let it carry P2P pages (EREMOTEIO, with nothing in dmesg); from
# 7.2 on (fb0eeeed91f3) it does, and the copy is exact.  Runs on the stock
# kernel and on the built 6.12 one (raw-multipath@build).
set -eu
. /lab/tests/lib.sh

expect_multipath_head "$SRC"
expect_multipath_head "$DST"
expect_providers "$CMB_BDF"
if heads_take_p2p; then
	expect_raw_copy_works "$CMB_BDF" $((1 << 20))
else
	expect_raw_copy_refused "$CMB_BDF" $((1 << 20))
fi
dmesg_lacks "cannot be used for peer-to-peer DMA|ACS redirect is set"
