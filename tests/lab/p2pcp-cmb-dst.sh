# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology cmb-dst --disk-size 64M
# lab-needs: p2pcp
#
# The only CMB is DST's own: --provider auto picks it and the copy works.
set -eu
. /lab/tests/lib.sh

len=$((8 << 20))
fill_random "$SRC" "$len"
expect_rc 0 p2pcp --json --verify --length "$len" "$SRC" "$DST"
out_json_has "\"provider\":\\{\"pci\":\"$DST_BDF\""
out_has '"verified":"(sysmem|p2pmem)"'
expect_same "$SRC" 0 "$DST" 0 "$len"
