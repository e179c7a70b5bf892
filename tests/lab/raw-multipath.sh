# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology multipath --disk-size 64M
# lab-needs: p2praw
#
# SRC and DST in NVMe subsystems on a CONFIG_NVME_MULTIPATH=y kernel:
# /dev/nvmeXnY is the multipath head node, which the kernel does not let
# carry P2P pages: EREMOTEIO, with nothing in dmesg.
set -eu
. /lab/tests/lib.sh

expect_multipath_head "$SRC"
expect_multipath_head "$DST"
expect_providers "$CMB_BDF"
expect_raw_copy_refused "$CMB_BDF" $((1 << 20))
dmesg_lacks "cannot be used for peer-to-peer DMA|ACS redirect is set"
