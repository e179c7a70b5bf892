# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology multipath --disk-size 96M
# lab-needs: p2pcp
#
# SIGINT in the middle of a passthrough copy: p2pcp drains, exits 130
# and prints offsets; resuming from them completes the copy exactly.
set -eu
. /lab/tests/lib.sh

size=$((96 << 20))
fill_random "$SRC" "$size"
fill_zero "$DST" "$size"
p2pcp --chunk-size 64k --queue-depth 2 "$SRC" "$DST" 2>/tmp/err &
pid=$!
sleep 1
kill -INT "$pid"
set +e
wait "$pid"
rc=$?
set -e
cat /tmp/err
expect_eq "$rc" 130 "exit status after SIGINT"
grep -q "interrupted: copied SRC bytes \\[0, " /tmp/err || fail "no progress report"
args=$(sed -n 's/.*resume with \(--src-offset [0-9]* --dst-offset [0-9]* --length [0-9]*\).*/\1/p' /tmp/err)
[ -n "$args" ] || fail "no resume offsets"
set -- $args
[ "$2" -gt 0 ] || fail "nothing copied before the signal"
[ "$2" -lt "$size" ] || fail "copy finished before the signal"
# shellcheck disable=SC2086
expect_rc 0 p2pcp --json $args "$SRC" "$DST"
out_json_has '"engine":"passthru"'
expect_same "$SRC" 0 "$DST" 0 "$size"
