# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology cmb-dst --disk-size 64M
# lab-needs: p2praw
#
# The CMB is DST's own: SRC reads into it, DST writes from its own CMB.
set -eu
. /lab/tests/lib.sh

expect_eq "$CMB_BDF" "$DST_BDF" "CMB holder is DST"
expect_providers "$DST_BDF"
expect_raw_copy_works "$CMB_BDF" $((2 << 20))
