# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology switch --disk-size 64M --cmb-size 8M
# lab-needs: p2pcp
#
# Copies through the CMB of a third device, checked with sha256 from
# outside p2pcp: one LBA, a length that is not a multiple of the chunk
# size, non-zero offsets on both sides, more data than the 8 MiB CMB holds
# (buffer reuse), and the whole namespace with --verify.  Nothing outside
# the requested range is written.
set -eu
. /lab/tests/lib.sh

mib=$((1 << 20))

fill_random "$SRC" $((64 * mib))

# One LBA.
expect_rc 0 p2pcp --provider "$CMB_BDF" --length 512 "$SRC" "$DST"
out_has "copied 512 B .* through p2pmem of $CMB_BDF"
expect_same "$SRC" 0 "$DST" 0 512
expect_zeros "$DST" 512 $((mib - 512))

# Not a multiple of the chunk size.
len=$((3 * mib + 512))
expect_rc 0 p2pcp --chunk-size 1M --length "$len" --dst-offset "$mib" "$SRC" "$DST"
expect_same "$SRC" 0 "$DST" "$mib" "$len"
expect_zeros "$DST" $((mib + len)) $((mib - 512))

# Non-zero offsets on both sides, not chunk-aligned.
expect_rc 0 p2pcp --src-offset 1536 --dst-offset $((8 * mib + 512)) --length $((2 * mib)) "$SRC" "$DST"
expect_same "$SRC" 1536 "$DST" $((8 * mib + 512)) $((2 * mib))
expect_zeros "$DST" $((8 * mib)) 512

# Three times what the CMB holds: the buffer is reused.
expect_rc 0 p2pcp --json --src-offset $((16 * mib)) --dst-offset $((16 * mib)) --length $((24 * mib)) "$SRC" "$DST"
out_has '"status":"ok"'
mapped=$(sed -n 's/.*"mapped":\([0-9]*\).*/\1/p' /tmp/out)
[ -n "$mapped" ] && [ "$mapped" -le $((8 * mib)) ] || fail "mapped '$mapped' is not within the 8 MiB CMB"
ok "mapped $mapped bytes of the CMB for a 24 MiB copy"
expect_same "$SRC" $((16 * mib)) "$DST" $((16 * mib)) $((24 * mib))

# The whole namespace, verified by p2pcp and from outside.
expect_rc 0 p2pcp --verify --json "$SRC" "$DST"
out_has '"length":67108864'
out_has '"verified":"(sysmem|p2pmem)"'
expect_same "$SRC" 0 "$DST" 0 $((64 * mib))
