# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology multipath --disk-size 64M
# lab-needs: p2pcp
#
# p2pcp as an unprivileged user (uid 1000, no capabilities, util-linux
# setpriv) on multipath head nodes.  Before Linux 7.2 only passthrough on
# the char devices /dev/ngXnY can copy there (passthru-unprivileged@build);
# from 7.2 the block engine can, and passthrough is asked for by name.
# Each missing permission is refused with a
# message naming it, and nothing is written: the block devices, the CMB's
# p2pmem/allocate, then the char devices (read for SRC, read-write for
# DST, since Linux 6.2 needs DST's open for writing, or CAP_SYS_ADMIN).
# With all of them granted, the 6.12 kernel lets the user copy: QEMU's
# controller lists Read and Write in its Commands Supported and Effects log.
set -eu
. /lab/tests/lib.sh

mib=$((1 << 20))
as_user() {
	/usr/bin/setpriv --reuid=1000 --regid=1000 --clear-groups --inh-caps=-all "$@"
}
as_user sh -c 'grep CapEff /proc/self/status; id -u' >/tmp/who
expect_eq "$(sed -n 's/^CapEff:[[:space:]]*//p' /tmp/who)" 0000000000000000 "user's effective capabilities"
expect_eq "$(tail -n1 /tmp/who)" 1000 "user's uid"

fill_random "$SRC" $((8 * mib))
fill_random "$DST" $((8 * mib))
# Each refusal leaves DST as it was.
watch_unchanged "$DST" $((8 * mib))

need="NVMe passthrough needs CAP_SYS_ADMIN, or from Linux 6.2"
expect_refused 2 "SRC $SRC: cannot open for reading: Permission denied" as_user p2pcp --length 8M "$SRC" "$DST"
chmod 0666 "$SRC" "$DST"
expect_refused 3 "provider $CMB_BDF: permission denied opening p2pmem/allocate" as_user p2pcp --length 8M "$SRC" "$DST"
chmod 0666 "/sys/bus/pci/devices/$CMB_BDF/p2pmem/allocate"
# The char devices are root's (0600).  Before 7.2 auto tries passthrough
# and says why it cannot; from 7.2 auto keeps the block engine, which the
# user may now use.  --engine passthru says why it cannot either way.
ng_src=/dev/ng${SRC#/dev/nvme}
ng_dst=/dev/ng${DST#/dev/nvme}
if heads_take_p2p; then
	expect_rc 0 as_user p2pcp --json --length 8M "$SRC" "$DST"
	out_json_has '"engine":"block"'
	expect_same "$SRC" 0 "$DST" 0 $((8 * mib))
	fill_random "$DST" $((8 * mib))
else
	expect_refused 3 "SRC $SRC: $ng_src: Permission denied: $need read permission on the char device" as_user p2pcp \
		--length 8M "$SRC" "$DST"
fi
expect_refused 2 "SRC $SRC: $ng_src: Permission denied: $need read permission" as_user p2pcp \
	--engine passthru --length 8M "$SRC" "$DST"
# Read permission is enough for SRC, not for DST.
chmod 0644 "$ng_src" "$ng_dst"
expect_refused 2 "DST $DST: $ng_dst: Permission denied: $need read-write permission on the char device" as_user p2pcp \
	--engine passthru --length 8M "$SRC" "$DST"

# Read-write on DST's char device: the user copies, exactly.
chmod 0666 "$ng_dst"
expect_rc 0 as_user p2pcp --engine passthru --json --verify --length 8M "$SRC" "$DST"
out_json_has '"engine":"passthru"'
out_json_has '"verified":"sysmem"'
expect_same "$SRC" 0 "$DST" 0 $((8 * mib))
