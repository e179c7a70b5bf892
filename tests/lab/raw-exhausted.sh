# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology switch --disk-size 64M --cmb-size 8M
# lab-needs: p2praw
#
# Another process holds most of the CMB: a larger mapping fails with
# ENOMEM, a mapping that fits still works.
set -eu
. /lab/tests/lib.sh

hold_p2pmem "$CMB_BDF" $((6 << 20))
expect_eq "$(p2pmem_attr "$CMB_BDF" available)" $((2 << 20)) "available with 6 of 8 MiB held"
expect_rc 2 p2praw read "$CMB_BDF" "$SRC" $((4 << 20))
out_has "mmap .*ENOMEM"
expect_rc 0 p2praw read "$CMB_BDF" "$SRC" $((1 << 20))
release_p2pmem "$CMB_BDF"
