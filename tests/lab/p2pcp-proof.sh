# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology switch --disk-size 64M
# lab-needs: p2pcp
#
# p2pcp really moves the data through p2pmem: its JSON names the provider,
# and that provider's "available" drops by what p2pcp mapped while the copy
# runs and comes back afterwards.  With --sysmem the JSON says so and the
# CMB is not touched.
set -eu
. /lab/tests/lib.sh

mib=$((1 << 20))
len=$((32 * mib))
avail=/sys/bus/pci/devices/$CMB_BDF/p2pmem/available
fill_random "$SRC" "$len"

# Record the lowest "available" seen until /tmp/stop appears.
watch_available() {
	# A stale /tmp/min from the previous watcher must never be read.
	rm -f /tmp/stop /tmp/min
	(
		min=$(cat "$avail")
		while [ ! -e /tmp/stop ]; do
			read -r a <"$avail"
			[ "$a" -ge "$min" ] || min=$a
		done
		echo "$min" >/tmp/min
	) &
	watcher=$!
}
stop_watching() {
	touch /tmp/stop
	wait "$watcher"
	while [ ! -s /tmp/min ]; do sleep 0.1; done
	cat /tmp/min
}

watch_available
expect_rc 0 p2pcp --json --length "$len" "$SRC" "$DST"
min=$(stop_watching)
out_has '"mode":"p2p"'
out_json_has "\"provider\":\\{\"pci\":\"$CMB_BDF\""
mapped=$(sed -n 's/.*"mapped":\([0-9]*\).*/\1/p' /tmp/out)
[ -n "$mapped" ] && [ "$mapped" -gt 0 ] || fail "no mapped size in the JSON"
expect_eq "$min" $((LAB_CMB_SIZE - mapped)) "lowest available during the copy (size - mapped)"
expect_eq "$(cat "$avail")" "$LAB_CMB_SIZE" "available after the copy"
expect_same "$SRC" 0 "$DST" 0 "$len"

fill_zero "$DST" "$len"
watch_available
expect_rc 0 p2pcp --sysmem --json --length "$len" "$SRC" "$DST"
min=$(stop_watching)
out_has '"mode":"sysmem"'
expect_eq "$min" "$LAB_CMB_SIZE" "lowest available during a --sysmem copy"
expect_same "$SRC" 0 "$DST" 0 "$len"
