# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology switch --disk-size 64M
# lab-needs: p2pcp
#
# Data lost in the middle of a copy.  QEMU routes no peer traffic by ACS
# and offers no way to change what its IOMMU maps while a copy runs, so
# this uses the engine's test seam (P2PCP_TESTING=lose-chunk=N, p2pcp(1)
# TESTING): chunk N's read completes with success and moves no data, which
# is what a dropped peer-to-peer write looks like.  p2pcp stops at that
# chunk's boundary with the exact good range (exit 3); resuming with the
# printed offsets, seam off, completes an identical copy.
set -eu
. /lab/tests/lib.sh

len=$((8 << 20))
chunk=$((256 << 10))
fill_src_random_dst_zero "$len"

expect_rc 3 env P2PCP_TESTING=lose-chunk=7 p2pcp --chunk-size 256k --queue-depth 4 \
	--length 8M "$SRC" "$DST"
good=$((6 * chunk))
out_has "were lost .*at byte $good"
out_has "copied SRC bytes \[0, $good\) to DST bytes \[0, $good\)"
out_has "resume with --src-offset $good --dst-offset $good --length $((len - good))"
expect_same "$SRC" 0 "$DST" 0 "$good"
# The lost chunk was not written: DST still holds zeros there.
expect_zeros "$DST" "$good" "$chunk"

expect_rc 0 p2pcp --chunk-size 256k --queue-depth 4 --src-offset "$good" \
	--dst-offset "$good" --length $((len - good)) "$SRC" "$DST"
expect_same "$SRC" 0 "$DST" 0 "$len"
