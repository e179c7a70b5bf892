# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest-side helpers for lab cases (busybox sh).  Cases source this file as
# ". /lab/tests/lib.sh"; /lab/env (roles, PCI addresses) is already in the
# environment.

fail() {
	echo "FAIL: $*"
	exit 1
}

ok() { echo "ok: $*"; }

expect_eq() { # GOT WANT WHAT
	[ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"
	ok "$3 = $2"
}

# Run a command, require exit status WANT; its output goes to /tmp/out.
expect_rc() { # WANT CMD ARGS...
	want=$1
	shift
	set +e
	"$@" >/tmp/out 2>&1
	got=$?
	set -e
	sed 's/^/  | /' /tmp/out
	[ "$got" = "$want" ] || fail "'$*' exited $got, want $want"
	ok "'$*' exited $want"
}

out_has() { # PATTERN: the last expect_rc output matches (grep -E)
	grep -Eq -- "$1" /tmp/out || fail "output lacks /$1/"
	ok "output has /$1/"
}

out_lacks() {
	! grep -Eq -- "$1" /tmp/out || fail "output has /$1/"
	ok "output lacks /$1/"
}

dmesg_has() {
	dmesg | grep -Eq -- "$1" || {
		dmesg | tail -n 20
		fail "dmesg lacks /$1/"
	}
	ok "dmesg has /$1/"
}

dmesg_lacks() {
	! dmesg | grep -Eq -- "$1" || fail "dmesg has /$1/"
	ok "dmesg lacks /$1/"
}

p2pmem_attr() { # BDF ATTR
	cat "/sys/bus/pci/devices/$1/p2pmem/$2"
}

# Another user of a CMB: map BYTES of BDF's p2pmem in the background until
# release_p2pmem.  Sets $holder.
hold_p2pmem() { # BDF BYTES
	rm -f /tmp/hold
	p2praw hold "$1" "$2" >/tmp/hold &
	holder=$!
	i=0
	until grep -q holding /tmp/hold 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "p2praw hold did not start"
		usleep 100000
	done
}

# End the holder and wait until its pages are back in BDF's pool (they
# return as the mapping goes away, not at once).
release_p2pmem() { # BDF
	kill "$holder"
	wait "$holder" || true
	i=0
	until [ "$(p2pmem_attr "$1" available)" = "$(p2pmem_attr "$1" size)" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "$1's p2pmem did not come back"
		usleep 100000
	done
}

# The p2pmem providers the kernel registered, one BDF a line.
p2pmem_providers() {
	for d in /sys/bus/pci/devices/*/p2pmem; do
		[ -d "$d" ] || continue
		basename "$(dirname "$d")"
	done
}

drop_caches() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

# Fill DEV with BYTES of random data at byte OFFSET (4 KiB aligned).
fill_random() { # DEV BYTES [OFFSET]
	dd if=/dev/urandom of="$1" bs=4096 count=$(($2 / 4096)) \
		seek=$((${3:-0} / 4096)) conv=notrunc,fsync 2>/dev/null
}

fill_zero() { # DEV BYTES [OFFSET]
	dd if=/dev/zero of="$1" bs=4096 count=$(($2 / 4096)) \
		seek=$((${3:-0} / 4096)) conv=notrunc,fsync 2>/dev/null
}

# sha256 of BYTES at byte OFFSET of DEV (both multiples of 512).
sha_range() { # DEV OFFSET BYTES
	drop_caches
	# The largest block that divides both: 512-byte reads are slow in TCG.
	for bs in 1048576 65536 4096 512; do
		[ $(($2 % bs)) = 0 ] && [ $(($3 % bs)) = 0 ] && break
	done
	dd if="$1" bs=$bs skip=$(($2 / bs)) count=$(($3 / bs)) 2>/dev/null |
		sha256sum | cut -d' ' -f1
}

# Require that DST[doff, +len) equals SRC[soff, +len).
expect_same() { # SRC SOFF DST DOFF LEN
	a=$(sha_range "$1" "$2" "$5")
	b=$(sha_range "$3" "$4" "$5")
	[ "$a" = "$b" ] || fail "$3 at $4 differs from $1 at $2 ($5 bytes)"
	ok "$3 at $4 equals $1 at $2 ($5 bytes, sha256 $a)"
}

expect_differs() { # SRC SOFF DST DOFF LEN
	a=$(sha_range "$1" "$2" "$5")
	b=$(sha_range "$3" "$4" "$5")
	[ "$a" != "$b" ] || fail "$3 at $4 equals $1 at $2 ($5 bytes)"
	ok "$3 at $4 differs from $1 at $2 ($5 bytes)"
}

# Every registered provider is one of the expected BDFs, published, with
# the lab's CMB size and nothing allocated.
expect_providers() { # BDF...
	got=$(p2pmem_providers | sort | tr '\n' ' ')
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	expect_eq "$got" "$want" "p2pmem providers"
	for p in "$@"; do
		expect_eq "$(p2pmem_attr "$p" size)" "$LAB_CMB_SIZE" "$p p2pmem size"
		expect_eq "$(p2pmem_attr "$p" available)" "$LAB_CMB_SIZE" "$p p2pmem available"
		expect_eq "$(p2pmem_attr "$p" published)" 1 "$p p2pmem published"
	done
}

# PCI hops between two functions through their nearest common ancestor in
# sysfs (the bridge both sit under).
pci_hops() { # BDF BDF
	a=$(readlink -f "/sys/bus/pci/devices/$1")
	b=$(readlink -f "/sys/bus/pci/devices/$2")
	echo "$a $b" | awk '{
		na = split($1, x, "/"); nb = split($2, y, "/")
		for (i = 1; i <= na && i <= nb && x[i] == y[i]; i++) ;
		print (na - i + 1) + (nb - i + 1)
	}'
}

# p2p-check's verdict on CLIENT and PROVIDER must agree with what the kernel
# does with a P2P read from CLIENT into PROVIDER's p2pmem: p2p-check exit 0
# (direct) or 1 (through the host bridge) and the read works, or exit 2
# (refused) and it fails with EREMOTEIO.  A warning that CLIENT is an NVMe
# multipath head node also predicts a refusal: the PCI path is fine there,
# the head node's queue is what rejects P2P pages.
expect_check_matches_kernel() { # CLIENT PROVIDER-BDF
	set +e
	p2p-check "$1" "$2" >/tmp/check 2>&1
	crc=$?
	p2praw read "$2" "$1" 65536 >/tmp/raw 2>&1
	rrc=$?
	set -e
	verdict=$(sed -n 's/^ *verdict *//p' /tmp/check | head -n1)
	case $crc in
	0 | 1) want=0 ;;
	2) want=1 ;;
	*)
		sed 's/^/  | /' /tmp/check
		fail "p2p-check $1 $2 exited $crc"
		;;
	esac
	if [ "$rrc" != "$want" ]; then
		sed 's/^/  | /' /tmp/check /tmp/raw
		fail "p2p-check $1 $2 exited $crc ($verdict) but the kernel's P2P read exited $rrc"
	fi
	if [ "$rrc" = 1 ] && ! grep -q EREMOTEIO /tmp/raw; then
		sed 's/^/  | /' /tmp/raw
		fail "the kernel's P2P read from $1 failed, but not with EREMOTEIO"
	fi
	ok "p2p-check $1 $2: exit $crc, $verdict; kernel: $(cat /tmp/raw)"
}

# The last expect_rc output, as JSON without whitespace, matches PATTERN.
out_json_has() {
	tr -d ' \t\n' </tmp/out | grep -Eq -- "$1" || fail "JSON output lacks /$1/"
	ok "JSON output has /$1/"
}
