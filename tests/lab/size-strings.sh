#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# One meaning for a size string in every tool: p2pcp (its --length),
# p2p-lab (its parse_size, the function itself) and tools/bench (its
# parse_size) must read each string below as the same number of bytes,
# and refuse the same bad ones.  The rule is p2pcp's, p2pcp(1) "Sizes":
# 64MB is 64,000,000 bytes, 64M and 64MiB are 64 MiB.  (p2pcp's "Ns", N
# logical blocks of a device, has no meaning where there is no device.)
#   size-strings.sh P2PCP P2P-LAB BENCH
set -uo pipefail

p2pcp=$1
lab=$2
bench=$3
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# STRING BYTES: multiples of 4096 (but one), so that p2pcp's --length
# accepts them.
good=(
	4096 4096 4096b 4096 4096B 4096
	010 10
	0x1000 4096 0X2000 8192
	4k 4096 4K 4096 4KiB 4096 4kib 4096
	512kB 512000 512KB 512000 512kb 512000
	64M 67108864 64m 67108864 64MiB 67108864 64MIB 67108864
	64MB 64000000 64mb 64000000 64Mb 64000000
	1G 1073741824 1GiB 1073741824
)
bad=('' -1 ' 64M' '64 M' 64X 64Mi 64MBi 0x 1.5M)

work=$(mktemp -d "${MESON_BUILD_ROOT:-${TMPDIR:-/tmp}}/size-strings-XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
truncate -s 2G "$work/src" || exit 99

# p2p-lab's parser, loaded from the script (not a copy of it).
die() {
	echo "$*" >&2
	exit 125
}
eval "$(sed -n '/^parse_size() {/,/^}/p' "$lab")"
declare -F parse_size >/dev/null || fail "no parse_size() in $lab"

by_p2pcp() {
	"$p2pcp" --sysmem --dry-run --json --length "$1" "$work/src" "$work/dst" 2>/dev/null |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["length"])' 2>/dev/null
}
by_lab() { (parse_size "$1") 2>/dev/null; }
by_bench() {
	python3 - "$bench" "$1" 2>/dev/null <<'PY'
import importlib.machinery, importlib.util, sys
loader = importlib.machinery.SourceFileLoader("bench", sys.argv[1])
spec = importlib.util.spec_from_loader("bench", loader)
bench = importlib.util.module_from_spec(spec)
loader.exec_module(bench)
print(bench.parse_size(sys.argv[2]))
PY
}

set -- "${good[@]}"
while [ $# -ge 2 ]; do
	s=$1 want=$2
	shift 2
	for tool in p2pcp lab bench; do
		# 010 is ten, not a whole block: p2pcp refuses it as a length
		# (tests/unit/test-size.c reads it as ten).
		[ "$s" = 010 ] && [ $tool = p2pcp ] && continue
		got=$(by_$tool "$s")
		[ "$got" = "$want" ] || fail "$tool reads '$s' as '$got', want $want"
	done
	echo "ok: '$s' is $want bytes in p2pcp, p2p-lab and tools/bench"
done
for s in "${bad[@]}"; do
	for tool in p2pcp lab bench; do
		got=$(by_$tool "$s") && [ -n "$got" ] &&
			fail "$tool accepts the bad size '$s' as $got"
	done
	echo "ok: '$s' is refused by p2pcp, p2p-lab and tools/bench"
done
