# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology cmb-src --disk-size 64M
# lab-needs: p2praw
#
# The CMB is SRC's own: SRC reads into its own CMB, DST writes from it.
set -eu
. /lab/tests/lib.sh

expect_eq "$CMB_BDF" "$SRC_BDF" "CMB holder is SRC"
expect_providers "$SRC_BDF"
expect_raw_copy_works "$CMB_BDF" $((2 << 20))
