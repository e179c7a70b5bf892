# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology cmb-src --disk-size 64M
# lab-needs: p2praw
#
# The CMB is SRC's own: SRC reads into its own CMB, DST writes from it.
set -eu
. /lab/tests/lib.sh

expect_eq "$CMB_BDF" "$SRC_BDF" "CMB holder is SRC"
expect_providers "$SRC_BDF"
len=$((2 << 20))
fill_random "$SRC" "$len"
expect_rc 0 p2praw copy "$CMB_BDF" "$SRC" "$DST" "$len"
expect_same "$SRC" 0 "$DST" 0 "$len"
