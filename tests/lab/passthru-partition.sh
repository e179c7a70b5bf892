# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology multipath --disk-size 64M
# lab-needs: p2pcp
#
# Partitions on NVMe multipath head nodes, copied with NVMe passthrough
# on the head's char device (/dev/ngXnY), which addresses the whole
# namespace: p2pcp adds each partition's start.  Partitions that do not
# start on a MiB boundary; the data is checked from outside p2pcp at its
# absolute offsets on the whole namespaces, and everything around the
# copied range (inside and outside the partition) is checked unchanged.
set -eu
. /lab/tests/lib.sh

mib=$((1 << 20))
span=$((24 * mib))
fill_random "$SRC" "$span"
fill_random "$DST" "$span"

# One 16 MiB partition each: SRC's at sector 4104 (2 MiB + 8 KiB), DST's
# at sector 6160 (3 MiB + 8 KiB).
printf 'o\nn\np\n1\n4104\n+16M\nw\n' | fdisk -u "$SRC" >/dev/null 2>&1 || true
printf 'o\nn\np\n1\n6160\n+16M\nw\n' | fdisk -u "$DST" >/dev/null 2>&1 || true
for p in "${SRC}p1" "${DST}p1"; do
	[ -b "$p" ] || fail "fdisk made no $p"
done
expect_eq "$(cat "/sys/class/block/${SRC#/dev/}p1/start")" 4104 "SRC partition start"
expect_eq "$(cat "/sys/class/block/${DST#/dev/}p1/start")" 6160 "DST partition start"
sstart=$((4104 * 512))
dstart=$((6160 * 512))

# unchanged_except OFF LEN: DST's first $span bytes outside [OFF, OFF+LEN)
# are what they were when "snapshot" ran.
snapshot() {
	dd if="$DST" bs=4096 count=$((span / 4096)) 2>/dev/null >/tmp/dst.before
}
unchanged_except() {
	drop_caches
	dd if="$DST" bs=4096 count=$((span / 4096)) 2>/dev/null >/tmp/dst.after
	a=$(dd if=/tmp/dst.before bs=512 count=$(($1 / 512)) 2>/dev/null | sha256sum)
	b=$(dd if=/tmp/dst.after bs=512 count=$(($1 / 512)) 2>/dev/null | sha256sum)
	[ "$a" = "$b" ] || fail "DST changed before byte $1"
	end=$(($1 + $2))
	a=$(dd if=/tmp/dst.before bs=512 skip=$((end / 512)) 2>/dev/null | sha256sum)
	b=$(dd if=/tmp/dst.after bs=512 skip=$((end / 512)) 2>/dev/null | sha256sum)
	[ "$a" = "$b" ] || fail "DST changed after byte $end"
	ok "DST unchanged outside [$1, $end)"
}

# --engine passthru, offsets inside both partitions.
snapshot
expect_rc 0 p2pcp --engine passthru --json --src-offset 1M --dst-offset 2M \
	--length 8M "${SRC}p1" "${DST}p1"
out_json_has '"engine":"passthru"'
out_json_has '"offset":2097152'
expect_same "$SRC" $((sstart + mib)) "$DST" $((dstart + 2 * mib)) $((8 * mib))
unchanged_except $((dstart + 2 * mib)) $((8 * mib))

# auto, at the partitions' own offset 0: before Linux 7.2 the head's block
# queue refuses P2P pages and passthrough takes over (passthru-partition@build);
# from 7.2 the block engine copies.
snapshot
expect_rc 0 p2pcp --json --length 4M "${SRC}p1" "${DST}p1"
if heads_take_p2p; then
	out_json_has '"engine":"block"'
else
	out_json_has '"engine":"passthru"'
fi
expect_same "$SRC" "$sstart" "$DST" "$dstart" $((4 * mib))
unchanged_except "$dstart" $((4 * mib))

# Whole namespace to partition, and partition to whole namespace (SRC's
# own partition table is outside the copied range).
snapshot
expect_rc 0 p2pcp --engine passthru --src-offset 8M --dst-offset 15M \
	--length 1M "$SRC" "${DST}p1"
expect_same "$SRC" $((8 * mib)) "$DST" $((dstart + 15 * mib)) "$mib"
unchanged_except $((dstart + 15 * mib)) "$mib"

# A range running past the end of DST's partition: refused, nothing
# written, although the namespace goes on behind it.
snapshot
expect_rc 2 p2pcp --engine passthru --dst-offset 12M --length 8M "${SRC}p1" "${DST}p1"
out_has "DST ${DST}p1 is too small"
unchanged_except 0 0
