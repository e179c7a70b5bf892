# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology cmb-both --disk-size 64M
# lab-needs: p2pcp
#
# SRC and DST both hold a CMB, equally near each other: --provider auto
# picks DST's, so the only peer traffic is SRC's posted writes into it.
set -eu
. /lab/tests/lib.sh

expect_providers "$SRC_BDF" "$DST_BDF"
len=$((8 << 20))
fill_random "$SRC" "$len"
expect_rc 0 p2pcp --dry-run --length "$len" "$SRC" "$DST"
out_has "provider $DST_BDF"
out_has "the provider is DST's own CMB: only SRC's writes into it cross the fabric"
expect_rc 0 p2pcp --json --length "$len" "$SRC" "$DST"
out_json_has '"place":"dst"'
out_json_has "\"provider\":\\{\"pci\":\"$DST_BDF\""
expect_same "$SRC" 0 "$DST" 0 "$len"
