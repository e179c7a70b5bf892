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

# p2p-check --json's fixes for ACS redirect at ACS_PORT with the provider
# CMB_BDF, from /tmp/out: the distinct "now" commands, in order, go to
# /tmp/now and must be exactly: clear RR and CR at the port, unbind and
# bind the provider (a command printed for two pairs is one step).
expect_acs_now_fixes() {
	sed -n 's/^ *"command": "\(.*\)",\{0,1\}$/\1/p' /tmp/out |
		awk '!seen[$0]++' >/tmp/now
	sed 's/^/  now: /' /tmp/now
	expect_eq "$(wc -l </tmp/now)" 3 "distinct commands to run now"
	expect_eq "$(sed -n 1p /tmp/now)" \
		"setpci -s $ACS_PORT ECAP_ACS+6.w=0000:000c" "first: clear RR and CR"
	expect_eq "$(sed -n 2p /tmp/now)" \
		"echo $CMB_BDF > /sys/bus/pci/drivers/nvme/unbind" "then: unbind the provider"
	expect_eq "$(sed -n 3p /tmp/now)" \
		"echo $CMB_BDF > /sys/bus/pci/drivers/nvme/bind" "then: bind it again"
}

# After a rebind of BDF's driver: wait until its p2pmem is published
# again (the driver registers the CMB while it probes).
wait_p2pmem_published() { # BDF
	i=0
	until [ "$(p2pmem_attr "$1" published 2>/dev/null)" = 1 ]; do
		i=$((i + 1))
		[ $i -lt 150 ] || fail "$1's p2pmem did not come back after the rebind"
		usleep 100000
	done
	ok "$1's p2pmem is published again"
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
# (refused) and it fails with $P2P_REFUSED.  A warning that CLIENT is an NVMe
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
	if [ "$rrc" = 1 ] && ! grep -q "$P2P_REFUSED" /tmp/raw; then
		sed 's/^/  | /' /tmp/raw
		fail "the kernel's P2P read from $1 failed, but not with $P2P_REFUSED"
	fi
	ok "p2p-check $1 $2: exit $crc, $verdict; kernel: $(cat /tmp/raw)"
}

# The last expect_rc output, as JSON without whitespace, matches PATTERN.
out_json_has() {
	tr -d ' \t\n' </tmp/out | grep -Eq -- "$1" || fail "JSON output lacks /$1/"
	ok "JSON output has /$1/"
}

# The running kernel is release MAJOR.MINOR or later.
kernel_at_least() { # MAJOR MINOR
	rel=$(uname -r)
	maj=${rel%%.*}
	rest=${rel#*.}
	min=${rest%%[!0-9]*}
	[ "$maj" -gt "$1" ] || { [ "$maj" -eq "$1" ] && [ "$min" -ge "$2" ]; }
}

# Multipath head nodes take P2P pages from Linux 7.2 on (fb0eeeed91f3).
heads_take_p2p() { kernel_at_least 7 2; }

# The errno of the kernel's refusal to map a P2P page for a device (no
# common bridge, ACS redirect): 6.12's block layer fails the bio with
# EREMOTEIO; 7.2 and 7.3, whose NVMe driver maps requests with
# blk_rq_dma_map_iter, fail them with BLK_STS_INVAL, EINVAL to userspace
# (block/blk-mq-dma.c; seen on stock 7.3.4), with the same dmesg reason.
# Releases between were not checked.  A head node's queue without the P2P
# flag (before 7.2) refuses in the bio check: EREMOTEIO there too.
if kernel_at_least 7 2; then
	P2P_REFUSED=EINVAL
else
	P2P_REFUSED=EREMOTEIO
fi

# ------------------------------------------------------------- setup

# SRC's first LEN bytes random, DST's first LEN bytes zero: a copy that
# did not happen shows as DST differing from SRC.
fill_src_random_dst_zero() { # LEN
	fill_random "$SRC" "$1"
	fill_zero "$DST" "$1"
}

# sha256 of BYTES zero bytes, to compare with sha_range.
zero_sha() { # BYTES
	dd if=/dev/zero bs=512 count=$(($1 / 512)) 2>/dev/null |
		sha256sum | cut -d' ' -f1
}

# ACS control register of PORT, four hex digits as setpci prints it.
acs_control() { # PORT
	setpci -s "$1" ECAP_ACS+6.w
}

# ------------------------------------------------------------- checks

# The guest has the emulated IOMMU the topology's "+iommu" asks for.
expect_iommu() {
	[ -e /sys/class/iommu/dmar0 ] || fail "no IOMMU in the guest"
	ok "the guest has an IOMMU (dmar0)"
}

# PORT's ACS control has Request or Completion Redirect (RR, CR) set.
expect_acs_redirect_on() { # PORT
	ctl=$(acs_control "$1")
	[ $((0x$ctl & 0x0c)) != 0 ] || fail "ACS redirect is off at $1 ($ctl)"
	ok "ACS redirect is on at $1 ($ctl)"
}

# PORT's ACS control has none of RR, CR and Upstream Forwarding set.
expect_acs_redirect_off() { # PORT
	ctl=$(acs_control "$1")
	[ $((0x$ctl & 0x1c)) = 0 ] || fail "ACS redirect is on at $1 ($ctl)"
	ok "ACS redirect is off at $1 ($ctl)"
}

# DEV (/dev/nvmeXnY) is an NVMe multipath head node: its block device sits
# under the virtual nvme-subsystem, not under a PCI function.
expect_multipath_head() { # DEV
	p=$(readlink -f "/sys/block/${1#/dev/}")
	case $p in
	/sys/devices/virtual/nvme-subsystem/*) ok "$1 is a multipath head node ($p)" ;;
	*) fail "$1 is not a multipath head node ($p)" ;;
	esac
}

# DEV is a per-controller namespace under its PCI device.
expect_pci_namespace() { # DEV
	p=$(readlink -f "/sys/block/${1#/dev/}")
	case $p in
	/sys/devices/pci*) ok "$1 is a PCI namespace ($p)" ;;
	*) fail "$1 is not under its PCI device ($p)" ;;
	esac
}

# DEV's BYTES at OFFSET are all zero (untouched since fill_zero).
expect_zeros() { # DEV OFFSET BYTES
	expect_eq "$(sha_range "$1" "$2" "$3")" "$(zero_sha "$3")" \
		"$1 [$2, +$3) is zero"
}

# expect_check_matches_kernel for SRC and for DST with PROVIDER.
expect_check_matches_kernel_src_dst() { # PROVIDER-BDF
	expect_check_matches_kernel "$SRC" "$1"
	expect_check_matches_kernel "$DST" "$1"
}

# p2praw copies LEN random bytes from SRC to DST through PROVIDER's
# p2pmem: exit 0, and DST's first LEN bytes equal SRC's.
expect_raw_copy_works() { # PROVIDER-BDF LEN
	fill_src_random_dst_zero "$2"
	expect_rc 0 p2praw copy "$1" "$SRC" "$DST" "$2"
	expect_same "$SRC" 0 "$DST" 0 "$2"
}

# The kernel refuses P2P between SRC and PROVIDER: p2praw's first read of
# SRC into PROVIDER's p2pmem fails with $P2P_REFUSED and DST stays zero.
expect_raw_copy_refused() { # PROVIDER-BDF LEN
	fill_src_random_dst_zero "$2"
	expect_rc 1 p2praw copy "$1" "$SRC" "$DST" "$2"
	out_has "read $SRC at offset 0: .*$P2P_REFUSED"
	expect_zeros "$DST" 0 "$2"
}

# p2pcp, with --provider auto, copies LEN random bytes from SRC to DST
# through BDF's p2pmem (its JSON names BDF), its --verify passes, and DST
# equals SRC by sha256 outside p2pcp.
expect_auto_provider_copy() { # BDF LEN
	fill_src_random_dst_zero "$2"
	expect_rc 0 p2pcp --json --verify --length "$2" "$SRC" "$DST"
	out_json_has "\"provider\":\\{\"pci\":\"$1\""
	out_json_has '"verified":"(sysmem|p2pmem)"'
	expect_same "$SRC" 0 "$DST" 0 "$2"
}

# After an I/O error, the last expect_rc output reports SRC bytes
# [SOFF, SOFF+DONE) copied to DST bytes [DOFF, DOFF+DONE) and the offsets
# that resume the rest of a LEN-byte copy; and that prefix really is in
# DST.
expect_partial_copy() { # SOFF DOFF DONE LEN
	out_has "copied SRC bytes \\[$1, $(($1 + $3))\\) to DST bytes \\[$2, $(($2 + $3))\\) \\($3 bytes\\)"
	out_has "resume with --src-offset $(($1 + $3)) --dst-offset $(($2 + $3)) --length $(($4 - $3))\$"
	expect_same "$SRC" "$1" "$DST" "$2" "$3"
}

# What expect_refused checks: the first BYTES of FILE, until the next
# watch_unchanged.
watch_unchanged() { # FILE BYTES
	watched_file=$1
	watched_bytes=$2
}

# CMD... must exit STATUS with output matching PATTERN, and leave what
# watch_unchanged named as it was (sha256 before and after, outside CMD).
expect_refused() { # STATUS PATTERN CMD...
	local status=$1 pattern=$2 before
	shift 2
	before=$(sha_range "$watched_file" 0 "$watched_bytes")
	expect_rc "$status" "$@"
	out_has "$pattern"
	expect_eq "$(sha_range "$watched_file" 0 "$watched_bytes")" "$before" \
		"$watched_file sha256 after refused $*"
}

# p2pcp ARGS... SRC DST must stop before DST is written because SRC's
# peer-to-peer writes into CMB_BDF's p2pmem were lost: exit 3, a message
# that says so, and DST's first LEN bytes as they were (sha256 outside
# p2pcp).  The output stays in /tmp/out for further out_has checks.
expect_lost_writes_stop_copy() { # LEN P2PCP-ARGS...
	len=$1
	shift
	before=$(sha_range "$DST" 0 "$len")
	expect_rc 3 p2pcp "$@" "$SRC" "$DST"
	out_has "peer-to-peer writes from SRC $SRC into the p2pmem of $CMB_BDF were lost"
	expect_eq "$(sha_range "$DST" 0 "$len")" "$before" "DST sha256 after p2pcp $*"
}

# ------------------------------------------------- interrupted copies

# Wait until the p2pcp running as PID has mapped its buffer from BDF's
# p2pmem ("available" drops): it handles SIGINT and SIGTERM from then on,
# so no delay has to be guessed (a loaded host can take seconds to plan).
wait_for_p2pmem_in_use() { # PID BDF
	tries=0
	avail=/sys/bus/pci/devices/$2/p2pmem/available
	while read -r a <"$avail" && [ "$a" -ge "$LAB_CMB_SIZE" ]; do
		tries=$((tries + 1))
		[ "$tries" -lt 600 ] || fail "p2pcp never mapped its buffer"
		kill -0 "$1" 2>/dev/null || fail "p2pcp ended before mapping its buffer"
		sleep 0.05
	done
	[ "$a" -lt "$LAB_CMB_SIZE" ] || fail "cannot read $avail"
}

# Send SIGNAL to the p2pcp running as PID (stderr in /tmp/err), which
# copies SIZE bytes: it must exit STATUS, report the prefix it copied and
# print resume offsets strictly inside the copy.  Sets $resume_args.
expect_interrupted() { # PID SIGNAL STATUS SIZE
	copy_size=$4
	kill -"$2" "$1"
	set +e
	wait "$1"
	rc=$?
	set -e
	cat /tmp/err
	expect_eq "$rc" "$3" "exit status after SIG$2"
	grep -q "interrupted: copied SRC bytes \\[0, " /tmp/err || fail "no progress report"
	resume_args=$(sed -n 's/.*resume with \(--src-offset [0-9]* --dst-offset [0-9]* --length [0-9]*\).*/\1/p' /tmp/err)
	[ -n "$resume_args" ] || fail "no resume offsets"
	# shellcheck disable=SC2086
	set -- $resume_args
	[ "$2" -gt 0 ] || fail "nothing copied before the signal"
	[ "$2" -lt "$copy_size" ] || fail "copy finished before the signal"
	ok "interrupted at byte $2 of $copy_size"
}
