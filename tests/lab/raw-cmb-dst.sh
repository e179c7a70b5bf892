# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology cmb-dst --disk-size 64M
# lab-needs: p2praw
#
# The CMB is DST's own: SRC reads into it, DST writes from its own CMB.
set -eu
. /lab/tests/lib.sh

expect_eq "$CMB_BDF" "$DST_BDF" "CMB holder is DST"
expect_providers "$DST_BDF"
len=$((2 << 20))
fill_random "$SRC" "$len"
expect_rc 0 p2praw copy "$CMB_BDF" "$SRC" "$DST" "$len"
expect_same "$SRC" 0 "$DST" 0 "$len"
