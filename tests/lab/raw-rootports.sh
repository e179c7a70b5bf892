# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology rootports --disk-size 64M
# lab-needs: p2praw
#
# Each NVMe on its own root port of q35's Intel host bridge (8086:29c0, not
# on the kernel's whitelist): the mapping works, but the kernel refuses the
# I/O with EREMOTEIO, logs why, and DST is left alone.
set -eu
. /lab/tests/lib.sh

expect_providers "$CMB_BDF"
len=$((1 << 20))
fill_random "$SRC" "$len"
fill_zero "$DST" "$len"
expect_rc 1 p2praw copy "$CMB_BDF" "$SRC" "$DST" "$len"
out_has "read $SRC at offset 0: .*EREMOTEIO"
dmesg_has "cannot be used for peer-to-peer DMA as the client and provider \($CMB_BDF\) do not share an upstream bridge or whitelisted host bridge"
expect_differs "$SRC" 0 "$DST" 0 "$len"
