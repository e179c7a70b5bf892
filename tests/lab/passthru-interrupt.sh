# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology multipath --disk-size 96M
# lab-needs: p2pcp
#
# SIGINT in the middle of a passthrough copy: p2pcp drains, exits 130
# and prints offsets; resuming from them completes the copy exactly.
set -eu
. /lab/tests/lib.sh

size=$((96 << 20))
fill_src_random_dst_zero "$size"
p2pcp --engine passthru --chunk-size 64k --queue-depth 2 "$SRC" "$DST" 2>/tmp/err &
pid=$!
wait_for_p2pmem_in_use "$pid" "$CMB_BDF"
sleep 0.5
expect_interrupted "$pid" INT 130 "$size"
# shellcheck disable=SC2086
expect_rc 0 p2pcp --engine passthru --json $resume_args "$SRC" "$DST"
out_json_has '"engine":"passthru"'
expect_same "$SRC" 0 "$DST" 0 "$size"
