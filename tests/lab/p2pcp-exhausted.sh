# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology switch --disk-size 64M --cmb-size 8M
# lab-needs: p2pcp p2praw
#
# Another process holds most of the CMB: p2pcp makes do with a smaller
# buffer (and says so in its JSON); when all of it is held, it says the
# buffer cannot be allocated (exit 2) and writes nothing.
set -eu
. /lab/tests/lib.sh

mib=$((1 << 20))
fill_random "$SRC" $((16 * mib))
fill_zero "$DST" $((16 * mib))

hold_p2pmem "$CMB_BDF" $((6 * mib))
expect_rc 0 p2pcp --json --provider "$CMB_BDF" --length 16M "$SRC" "$DST"
out_has '"mapped":2097152'
out_has '"queue_depth":2'
expect_same "$SRC" 0 "$DST" 0 $((16 * mib))
release_p2pmem "$CMB_BDF"

fill_zero "$DST" $((16 * mib))
hold_p2pmem "$CMB_BDF" $((8 * mib))
expect_eq "$(p2pmem_attr "$CMB_BDF" available)" 0 "available with all of it held"
# A buffer that cannot be had is a busy resource (exit 2), with the size
# asked for and what to do; no usable provider at all stays exit 3.
expect_rc 2 p2pcp --provider "$CMB_BDF" --length 16M "$SRC" "$DST"
out_has "cannot allocate a 8388608-byte buffer from the p2pmem of provider $CMB_BDF: it is exhausted"
out_has "nothing was written; free the CMB"
expect_rc 2 p2pcp --json --provider "$CMB_BDF" --length 16M "$SRC" "$DST"
out_has '"exit":2'
expect_rc 3 p2pcp --length 16M "$SRC" "$DST"
out_has "every published p2pmem provider is exhausted \(available 0 on all 1"
expect_eq "$(sha_range "$DST" 0 $((16 * mib)))" "$(dd if=/dev/zero bs=1M count=16 2>/dev/null | sha256sum | cut -d' ' -f1)" "DST untouched"
release_p2pmem "$CMB_BDF"
