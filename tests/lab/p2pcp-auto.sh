# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology two-cmb --disk-size 64M
# lab-needs: p2pcp
#
# Two providers: --provider auto picks CMB, behind the same inner switch as
# SRC and DST, over CMB2, which has the lower PCI address but sits farther
# away on the outer switch.  An explicit --provider CMB2 is honoured.
set -eu
. /lab/tests/lib.sh

len=$((4 << 20))
fill_random "$SRC" "$len"
expect_rc 0 p2pcp --json --length "$len" "$SRC" "$DST"
out_json_has "\"provider\":\\{\"pci\":\"$CMB_BDF\""
expect_same "$SRC" 0 "$DST" 0 "$len"

fill_zero "$DST" "$len"
expect_rc 0 p2pcp --json --provider "$CMB2_BDF" --length "$len" "$SRC" "$DST"
out_json_has "\"provider\":\\{\"pci\":\"$CMB2_BDF\""
expect_same "$SRC" 0 "$DST" 0 "$len"
