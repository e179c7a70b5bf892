# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology rootports --disk-size 64M
# lab-needs: p2praw
#
# Each NVMe on its own root port of q35's Intel host bridge (8086:29c0, not
# on the kernel's whitelist): the mapping works, but the kernel refuses the
# I/O ($P2P_REFUSED: EREMOTEIO or EINVAL by release), logs why, and DST is left alone.
set -eu
. /lab/tests/lib.sh

expect_providers "$CMB_BDF"
expect_raw_copy_refused "$CMB_BDF" $((1 << 20))
dmesg_has "cannot be used for peer-to-peer DMA as the client and provider \($CMB_BDF\) do not share an upstream bridge or whitelisted host bridge"
