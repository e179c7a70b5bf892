#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Build the p2p-check fixtures: PCI config spaces laid out by hand.

Each topology is a list of functions; each function's config space is
assembled from the PCI/PCIe register layout (header, PCI Express
capability at 0x40, extended capabilities from 0x100).  They are written
either as an "lspci -xxxx" capture (the committed dumps/*.lspci files;
run with --dumps DIR to regenerate them) or as a fake sysfs tree for the
live code path (write_sysroot(), used by run-check.py at run time).
The one fake-sysfs builder of the project: the C unit tests get their
tree from it too (--unit-tree DIR, run by test-fixtures.c).
"""
import os
import struct
import sys

# PCI Express capability device/port types (Flags bits 7:4).
ENDPOINT, ROOT_PORT, UPSTREAM, DOWNSTREAM, RC_ENDPOINT = 0, 4, 5, 6, 9

# ACS bits, capability and control registers alike.
SV, TB, RR, CR, UF, EC, DT = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40


class Fn:
    def __init__(self, bdf, vid, did, cls, exp=None, bus=None, acs=None,
                 acs_at=0x100, link=(3, 4), multifunction=False,
                 sriov=None, domain=0):
        """bdf "BB:DD.F"; cls 24-bit class; exp PCIe port type or None
        (conventional PCI); bus (secondary, subordinate) for bridges;
        acs (cap, ctrl) or None; link (speed code, width); sriov
        (first VF offset, VF stride, NumVFs) of a PF with VFs enabled,
        at 0x100 (functions without ACS only); domain the PCI domain."""
        assert not (sriov and acs)
        self.bdf, self.domain, self.sriov = bdf, domain, sriov
        self.vid, self.did, self.cls = vid, did, cls
        self.exp, self.bus, self.acs, self.acs_at = exp, bus, acs, acs_at
        self.link, self.multifunction = link, multifunction

    def config(self):
        c = bytearray(4096)
        struct.pack_into("<HHHH", c, 0, self.vid, self.did, 0x0406,
                         0x0010 if self.exp is not None else 0)
        struct.pack_into("<I", c, 8, (self.cls << 8) | 0x01)  # rev 01
        htype = 1 if self.bus else 0
        c[0x0e] = htype | (0x80 if self.multifunction else 0)
        if self.bus:
            primary = int(self.bdf.split(":")[0], 16)
            c[0x18], c[0x19], c[0x1a] = primary, self.bus[0], self.bus[1]
        if self.exp is None:
            return c
        c[0x34] = 0x40
        # PCI Express capability v2, slot implemented on downstream ports.
        flags = 0x2 | (self.exp << 4)
        if self.exp in (ROOT_PORT, DOWNSTREAM):
            flags |= 0x100
        struct.pack_into("<BBH", c, 0x40, 0x10, 0x00, flags)
        speed, width = self.link
        struct.pack_into("<I", c, 0x4c, speed | (width << 4))  # LnkCap
        struct.pack_into("<H", c, 0x52, speed | (width << 4))  # LnkSta
        if self.acs:
            at = self.acs_at
            if at != 0x100:
                # An AER capability first, pointing on to ACS.
                struct.pack_into("<I", c, 0x100, 0x0001 | (2 << 16) |
                                 (at << 20))
            struct.pack_into("<IHH", c, at, 0x000d | (1 << 16),
                             self.acs[0], self.acs[1])
        if self.sriov:
            # SR-IOV capability v1: control (VF Enable), NumVFs, First VF
            # Offset and VF Stride at their spec offsets.
            offset, stride, num = self.sriov
            struct.pack_into("<I", c, 0x100, 0x0010 | (1 << 16))
            struct.pack_into("<H", c, 0x108, 0x0001)
            struct.pack_into("<HH", c, 0x10c, num, num)
            struct.pack_into("<H", c, 0x110, num)
            struct.pack_into("<HH", c, 0x114, offset, stride)
        return c

    def name(self):
        """The full address, "DDDD:BB:DD.F"."""
        return "%04x:%s" % (self.domain, self.bdf)


HOST_Q35 = Fn("00:00.0", 0x8086, 0x29c0, 0x060000)
QEMU_RP = dict(vid=0x1b36, did=0x000c, cls=0x060400, exp=ROOT_PORT,
               acs_at=0x148)
PLX_UP = dict(vid=0x10b5, did=0x8747, cls=0x060400, exp=UPSTREAM)
PLX_DOWN = dict(vid=0x10b5, did=0x8747, cls=0x060400, exp=DOWNSTREAM,
                acs_at=0xf24)
NVME = dict(vid=0x144d, did=0xa808, cls=0x010802, exp=ENDPOINT)
PLX_ACS_CAP = SV | TB | RR | CR | UF | DT


def switch_tree(down_ctrl, rp_ctrl=0, cap=PLX_ACS_CAP):
    """Root port -> one switch -> three downstream ports -> NVMe."""
    fns = [HOST_Q35,
           Fn("00:01.0", bus=(1, 5), acs=(PLX_ACS_CAP, rp_ctrl), **QEMU_RP),
           Fn("01:00.0", bus=(2, 5), **PLX_UP)]
    for i, ctrl in enumerate(down_ctrl):
        fns.append(Fn("02:%02x.0" % (8 + i), bus=(3 + i, 3 + i),
                      acs=(cap, ctrl), **PLX_DOWN))
    for i in range(len(down_ctrl)):
        fns.append(Fn("%02x:00.0" % (3 + i), **NVME))
    return fns


def root_ports(host, rp, rp_ctrl, nvme=NVME, extra=()):
    """One NVMe under each of two root ports of one host bridge."""
    fns = [host] + list(extra)
    for i, (bdf, ctrl) in enumerate(zip(rp, rp_ctrl)):
        fns.append(Fn(bdf, bus=(1 + i, 1 + i),
                      acs=(PLX_ACS_CAP, ctrl), **QEMU_RP))
        fns.append(Fn("%02x:00.0" % (1 + i), **nvme))
    return fns


def two_levels():
    """Root port -> switch A -> (switch B -> two NVMe), NVMe."""
    return [HOST_Q35,
            # Redirect above the common switch: the kernel never looks there.
            Fn("00:01.0", bus=(1, 7), acs=(PLX_ACS_CAP, SV | RR | CR | UF),
               **QEMU_RP),
            Fn("01:00.0", bus=(2, 7), **PLX_UP),
            Fn("02:08.0", bus=(3, 6), acs=(PLX_ACS_CAP, 0), **PLX_DOWN),
            Fn("02:10.0", bus=(7, 7), acs=(PLX_ACS_CAP, 0), **PLX_DOWN),
            Fn("03:00.0", 0x10b5, 0x8724, 0x060400, exp=UPSTREAM,
               bus=(4, 6)),
            Fn("04:01.0", 0x10b5, 0x8724, 0x060400, exp=DOWNSTREAM,
               bus=(5, 5)),
            Fn("04:02.0", 0x10b5, 0x8724, 0x060400, exp=DOWNSTREAM,
               bus=(6, 6)),
            Fn("05:00.0", **NVME),
            Fn("06:00.0", **NVME),
            Fn("07:00.0", **NVME)]


AMD_HOST = Fn("00:00.0", 0x1022, 0x1480, 0x060000)
AMD_DUMMY = Fn("00:01.0", 0x1022, 0x1482, 0x060000, multifunction=True)
AMD_GPP = dict(vid=0x1022, did=0x1483, cls=0x060400, exp=ROOT_PORT,
               acs_at=0x2a0)

def sriov_vfs():
    """An NVMe PF with two VFs on virtual bus 02 (inside root port 00:01.0's
    range [01-02], but no bridge's secondary bus), and an NVMe elsewhere."""
    return [HOST_Q35,
            Fn("00:01.0", bus=(1, 2), acs=(PLX_ACS_CAP, 0), **QEMU_RP),
            Fn("00:02.0", bus=(3, 3), acs=(PLX_ACS_CAP, 0), **QEMU_RP),
            # RID 01:00.0 + 0x100 = 02:00.0, stride 1: 02:00.0, 02:00.1.
            Fn("01:00.0", sriov=(0x100, 1, 2), **NVME),
            Fn("02:00.0", **NVME), Fn("02:00.1", **NVME),
            Fn("03:00.0", **NVME)]


def two_levels_redirect():
    """two_levels with redirect on both sides below the common switch:
    02:10.0 above the provider 07:00.0, and 02:08.0 and 04:01.0 above the
    client 05:00.0, so the ports come in path order, not walk order."""
    fns = two_levels()
    for f in fns:
        if f.bdf in ("02:08.0", "02:10.0"):
            f.acs = (PLX_ACS_CAP, RR | CR)
        if f.bdf == "04:01.0":
            f.acs, f.acs_at = (PLX_ACS_CAP, RR), 0x100
    return fns


def partial_subtree():
    """What "lspci -s 02: -xxxx" style captures hold: switch downstream
    ports and their endpoints, no root port and no host bridge."""
    return [Fn("02:08.0", bus=(3, 3), acs=(PLX_ACS_CAP, 0), **PLX_DOWN),
            Fn("02:09.0", bus=(4, 4), acs=(PLX_ACS_CAP, 0), **PLX_DOWN),
            Fn("03:00.0", **NVME), Fn("04:00.0", **NVME)]


# Skylake-SP root ports 8086:2030/2031 (on the whitelist) first on a root
# bus that has no 00.0: pci_host_bridge_dev() takes the root port.
SKX_RP = dict(vid=0x8086, cls=0x060400, exp=ROOT_PORT, acs_at=0x110)
ROOT_BUS_NO_00 = [Fn("00:01.0", did=0x2030, bus=(1, 1),
                     acs=(PLX_ACS_CAP, 0), **SKX_RP),
                  Fn("00:02.0", did=0x2031, bus=(2, 2),
                     acs=(PLX_ACS_CAP, 0), **SKX_RP),
                  Fn("01:00.0", **NVME), Fn("02:00.0", **NVME)]

# Haswell-E (8086:2f00, REQ_SAME_HOST_BRIDGE) on two sockets.
HSX_HOST = dict(vid=0x8086, did=0x2f00, cls=0x060000)
HSX_RP = dict(vid=0x8086, did=0x2f04, cls=0x060400, exp=ROOT_PORT,
              acs_at=0x110)
TWO_SOCKETS = [Fn("00:00.0", **HSX_HOST),
               Fn("00:02.0", bus=(1, 1), acs=(0x1f, 0), **HSX_RP),
               Fn("00:03.0", bus=(2, 2), acs=(0x1f, 0), **HSX_RP),
               Fn("01:00.0", **NVME), Fn("02:00.0", **NVME),
               Fn("80:00.0", **HSX_HOST),
               Fn("80:02.0", bus=(0x81, 0x81), acs=(0x1f, 0), **HSX_RP),
               Fn("81:00.0", **NVME)]

# NVIDIA root ports 10de:2f95/2f96: on the whitelist after 6.12 only.
NV_RP = dict(vid=0x10de, cls=0x060400, exp=ROOT_PORT, acs_at=0x110)
NVIDIA_ROOT_PORTS = [Fn("00:00.0", did=0x2f95, bus=(1, 1),
                        acs=(PLX_ACS_CAP, 0), **NV_RP),
                     Fn("00:01.0", did=0x2f96, bus=(2, 2),
                        acs=(PLX_ACS_CAP, 0), **NV_RP),
                     Fn("01:00.0", **NVME), Fn("02:00.0", **NVME)]

# Hyper-V/Azure vPCI: each device alone at 00.0 of its own domain's root
# bus; pci_host_bridge_dev() takes the NVMe itself.
HYPERV_VPCI = [Fn("00:00.0", domain=1, **NVME), Fn("00:00.0", domain=2, **NVME)]

# An Intel NIC PF as a root-complex integrated endpoint with two VFs on
# bus 01, which no bridge has (VF RID 00:02.0 + 0xf0 = 01:00.0), under
# a whitelisted Skylake-SP host bridge; an NVMe on a root port.
NIC_RCIEP = dict(vid=0x8086, did=0x1889, cls=0x020000, exp=RC_ENDPOINT)
VF_RCIEP = [Fn("00:00.0", 0x8086, 0x2020, 0x060000),
            Fn("00:02.0", sriov=(0xf0, 1, 2), **NIC_RCIEP),
            Fn("00:03.0", bus=(2, 2), acs=(PLX_ACS_CAP, 0), **QEMU_RP),
            Fn("01:00.0", **NIC_RCIEP), Fn("01:00.1", **NIC_RCIEP),
            Fn("02:00.0", **NVME)]

# Two root buses: bus 00 starts with a Skylake-SP root port (no 00.0),
# bus 80 with a q35 host bridge at 00.0, not on the whitelist.  Cut to
# 64 bytes (TRUNCATED), bus 00's host bridge function is unknown while
# bus 80's is a definite "no".
TWO_ROOTS = [Fn("00:01.0", did=0x2030, bus=(1, 1), acs=(PLX_ACS_CAP, 0),
                **SKX_RP),
             Fn("01:00.0", **NVME),
             Fn("80:00.0", 0x8086, 0x29c0, 0x060000),
             Fn("80:01.0", bus=(0x81, 0x81), acs=(PLX_ACS_CAP, 0), **QEMU_RP),
             Fn("81:00.0", **NVME)]

# AMD family 15h (models 30h) root complex 1022:1422: not Zen.
AMD_15H = root_ports(Fn("00:00.0", 0x1022, 0x1422, 0x060000),
                     ["00:02.1", "00:03.1"], [0, 0])

TOPOLOGIES = {
    # 02:09.0 redirects (SV RR CR UF, as firmware with an IOMMU leaves it).
    "switch-acs-redirect": switch_tree([0, SV | RR | CR | UF, 0]),
    # ACS present everywhere; only bits the kernel ignores are set, and
    # the root port above the switch redirects, which does not count.
    "switch-acs-off": switch_tree([SV | UF, TB, 0], rp_ctrl=SV | RR | CR | UF),
    # EC (egress control) alone is enough for the kernel.
    "switch-acs-egress": switch_tree([0, 0, EC], cap=PLX_ACS_CAP | EC),
    "intel-root-ports": root_ports(HOST_Q35, ["00:01.0", "00:02.0"], [0, 0]),
    # Skylake-SP: 8086:2020 is on the kernel's whitelist.
    "intel-skx-root-ports": root_ports(Fn("00:00.0", 0x8086, 0x2020, 0x060000),
                                       ["00:01.0", "00:02.0"], [0, 0]),
    "amd-root-ports": [AMD_HOST, AMD_DUMMY,
                       Fn("00:01.1", bus=(1, 1), acs=(0x5f, 0x1d), **AMD_GPP),
                       Fn("00:01.2", bus=(2, 2), acs=(0x5f, 0x1d), **AMD_GPP),
                       Fn("01:00.0", **NVME), Fn("02:00.0", **NVME)],
    "two-level-switch": two_levels(),
    "sriov-vf": sriov_vfs(),
    "root-bus-no-00": ROOT_BUS_NO_00,
    "two-socket-haswell": TWO_SOCKETS,
    "nvidia-root-ports": NVIDIA_ROOT_PORTS,
    "amd-15h-root-ports": AMD_15H,
    "two-roots": TWO_ROOTS,
    "two-level-redirect": two_levels_redirect(),
    "partial-subtree": partial_subtree(),
    "hyperv-vpci": HYPERV_VPCI,
    # switch-acs-redirect with a NIC at 03:00.0 instead of an NVMe.
    "switch-nic": [Fn("03:00.0", 0x8086, 0x1572, 0x020000, exp=ENDPOINT)
                   if f.bdf == "03:00.0" else f
                   for f in switch_tree([0, SV | RR | CR | UF, 0])],
    "vf-rciep": VF_RCIEP,
    # The switch with its downstream port 02:09.0 left out: 04:00.0 is
    # on a bus no bridge has and no PF covers.
    "missing-downstream-port": [f for f in switch_tree([0, 0, 0])
                                if f.bdf not in ("02:09.0", "05:00.0",
                                                 "02:0a.0")],
    # Live only: a VF on a bus outside every bridge's range; only its
    # physfn link says where it is (see write_sysroot's physfn).
    "vf-physfn": [HOST_Q35,
                  Fn("00:01.0", bus=(1, 1), acs=(PLX_ACS_CAP, 0), **QEMU_RP),
                  Fn("01:00.0", **NVME), Fn("02:00.0", **NVME)],
}

# /proc/kallsyms as an unprivileged reader sees it (addresses 0): PCI
# core and the DMA layer's p2pdma helper, which every kernel has, and
# drivers/pci/p2pdma.c's export only in KALLSYMS_P2PDMA.
KALLSYMS_NO_P2PDMA = ("0000000000000000 T _text\n"
                      "0000000000000000 T pci_bus_read_config_word\n"
                      "0000000000000000 T pci_find_ext_capability\n"
                      "0000000000000000 T dma_pci_p2pdma_supported\n"
                      "0000000000000000 t nvme_map_cmb\t[nvme]\n")
KALLSYMS_P2PDMA = KALLSYMS_NO_P2PDMA + \
    "0000000000000000 T pci_p2pdma_add_resource\n"

# Topologies that make sense only with a live sysfs (no capture written).
LIVE_ONLY = {"vf-physfn", "switch-nic"}

# Captures an unprivileged user gets: 64 bytes per function.
TRUNCATED = {"switch-truncated": ("switch-acs-redirect", 64),
             "root-bus-no-00-truncated": ("root-bus-no-00", 64),
             "two-roots-truncated": ("two-roots", 64)}


def write_dump(fns, path, length=4096):
    with open(path, "w") as f:
        for fn in fns:
            # lspci names the domain only when there is more than one.
            f.write("%s Device %04x:%04x\n" % (
                fn.name() if fn.domain else fn.bdf, fn.vid, fn.did))
            c = fn.config()
            for off in range(0, length, 16):
                f.write("%02x: %s\n" % (off, " ".join(
                    "%02x" % b for b in c[off:off + 16])))
            f.write("\n")


def put_file(root, rel, data, mode="w"):
    """Write ROOT/REL, making the directories on the way."""
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, mode) as f:
        f.write(data)


def link_rel(root, rel, target):
    """A relative symlink ROOT/REL -> ROOT/TARGET, as sysfs makes them,
    so that the tree can move."""
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    os.symlink(os.path.relpath(os.path.join(root, target),
                               os.path.dirname(p)), p)


UNIT_PCI = "sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0"
UNIT_NVME0 = UNIT_PCI + "/0000:02:01.0/0000:03:00.0"
UNIT_NVME1 = UNIT_PCI + "/0000:02:02.0/0000:04:00.0"
UNIT_VMD = ("sys/devices/pci0000:00/0000:00:0e.0/pci10000:e0/10000:e0:06.0/"
            "10000:e1:00.0")


def write_unit_tree(root):
    """The block and p2pmem side for the C unit tests (test-fixtures.c):
    NVMe namespaces with major:minor links and a partition, p2pmem
    providers published and not, a multipath head node, a namespace behind
    VMD, loop devices (several with broken entries), a fabrics controller
    with a namespace, and a PCI device without p2pmem."""
    def namespace(pci, ctrl, ns, devnum, sectors, lbs):
        d = "%s/nvme/%s/%s" % (pci, ctrl, ns)
        put_file(root, d + "/size", "%d\n" % sectors)
        put_file(root, d + "/queue/logical_block_size", "%d\n" % lbs)
        link_rel(root, "sys/dev/block/" + devnum, d)
        link_rel(root, "sys/class/nvme/" + ctrl, "%s/nvme/%s" % (pci, ctrl))
        link_rel(root, "%s/nvme/%s/device" % (pci, ctrl), pci)

    def provider(pci, bdf, size, avail, published):
        put_file(root, pci + "/p2pmem/size", "%d\n" % size)
        put_file(root, pci + "/p2pmem/available", "%d\n" % avail)
        put_file(root, pci + "/p2pmem/published", "%d\n" % published)
        put_file(root, pci + "/p2pmem/allocate", "")
        link_rel(root, "sys/bus/pci/devices/" + bdf, pci)

    def virtual_disk(path, devnum, sectors, lbs):
        put_file(root, path + "/size", "%d\n" % sectors)
        put_file(root, path + "/queue/logical_block_size", "%d\n" % lbs)
        link_rel(root, "sys/dev/block/" + devnum, path)

    mib = 1024 * 1024
    # nvme0: 4096-byte blocks, one partition, CMB published.
    namespace(UNIT_NVME0, "nvme0", "nvme0n1", "259:0", 2097152, 4096)
    part = UNIT_NVME0 + "/nvme/nvme0/nvme0n1/nvme0n1p1"
    put_file(root, part + "/partition", "1\n")
    put_file(root, part + "/start", "2048\n")
    put_file(root, part + "/size", "1048576\n")
    link_rel(root, "sys/dev/block/259:1", part)
    link_rel(root, "sys/class/block/nvme0n1p1", part)
    provider(UNIT_NVME0, "0000:03:00.0", 64 * mib, 60 * mib, 1)
    # nvme1: 512-byte blocks; CMB registered but not published.
    namespace(UNIT_NVME1, "nvme1", "nvme1n1", "259:2", 1048576, 512)
    provider(UNIT_NVME1, "0000:04:00.0", 32 * mib, 32 * mib, 0)
    # A multipath head node, a loop device, and one whose block size is
    # not a power of two.
    virtual_disk("sys/devices/virtual/nvme-subsystem/nvme-subsys2/nvme2n1",
                 "259:3", 2048, 512)
    virtual_disk("sys/devices/virtual/block/loop0", "7:0", 8, 512)
    virtual_disk("sys/devices/virtual/block/loop1", "7:1", 8, 1000)
    # Broken entries: no size, no block size, a block size of 0 or past
    # 32 bits, a partition without its start, a link out of the tree.
    unsized = "sys/devices/virtual/block/loop2"
    put_file(root, unsized + "/queue/logical_block_size", "512\n")
    link_rel(root, "sys/dev/block/7:2", unsized)
    put_file(root, "sys/devices/virtual/block/loop3/size", "8\n")
    link_rel(root, "sys/dev/block/7:3", "sys/devices/virtual/block/loop3")
    virtual_disk("sys/devices/virtual/block/loop4", "7:4", 8, 0)
    virtual_disk("sys/devices/virtual/block/loop8", "7:8", 8, 1 << 32)
    unstarted = UNIT_NVME0 + "/nvme/nvme0/nvme0n1/nvme0n1p2"
    put_file(root, unstarted + "/partition", "2\n")
    put_file(root, unstarted + "/size", "2048\n")
    link_rel(root, "sys/dev/block/259:6", unstarted)
    os.symlink("/etc", os.path.join(root, "sys/dev/block/7:9"))
    # An nvme-named disk that is not under its controller (no kernel
    # puts one there): no per-controller namespace.
    virtual_disk(UNIT_NVME1 + "/nvme/block/nvme7n1", "259:7", 2048, 512)
    # An NVMe namespace behind Intel VMD: PCI domain 10000.
    namespace(UNIT_VMD, "nvme5", "nvme5n1", "259:5", 2048, 512)
    # A non-PCI (fabrics) controller.
    fabrics = "sys/devices/virtual/nvme-fabrics/ctl"
    put_file(root, fabrics + "/nvme9/transport", "tcp\n")
    link_rel(root, "sys/class/nvme/nvme9", fabrics + "/nvme9")
    link_rel(root, fabrics + "/nvme9/device", fabrics)
    virtual_disk(fabrics + "/nvme9/nvme9n1", "259:9", 2048, 512)
    # A PCI device without p2pmem.
    os.makedirs(os.path.join(root, UNIT_PCI), exist_ok=True)
    link_rel(root, "sys/bus/pci/devices/0000:01:00.0", UNIT_PCI)


def write_sysroot(fns, root, config_len=4096, extra=None):
    """A fake /sys for libpci's sysfs back end and p2p-check's reads.

    extra: dict with optional keys nvme {bdf: ctrl}, p2pmem {bdf: (size,
    available, published)}, kernel, kconfig (text of /boot/config-KERNEL),
    cpuinfo, cmdline, kallsyms (text of /proc/kallsyms), iommu (list),
    multipath {disk: (subsys, [ctrls])},
    drivers {bdf: driver name}, physfn {vf bdf: pf bdf}, cmb {bdf: (ctrl,
    CMBSZ, CMBLOC, BAR index, BAR start, BAR length[, "bar0"])}, fabrics
    [ctrl] (NVMe over fabrics controllers), hypervisor (/sys/hypervisor/type).
    """
    extra = extra or {}
    by_bus = {}
    for fn in fns:
        if fn.bus:
            for b in range(fn.bus[0], fn.bus[1] + 1):
                by_bus.setdefault(b, fn)

    def devpath(fn):
        parts = []
        cur = fn
        while True:
            parts.append(cur.name())
            bus = int(cur.bdf.split(":")[0], 16)
            parent = [p for p in fns if p.bus and p.bus[0] == bus and
                      p.domain == cur.domain]
            if not parent:
                break
            cur = parent[0]
        return "sys/devices/pci%04x:00/" % fn.domain + \
            "/".join(reversed(parts))

    def put(rel, data, mode="w"):
        put_file(root, rel, data, mode)

    def link(rel, target):
        link_rel(root, rel, target)

    for fn in fns:
        d = devpath(fn)
        put(d + "/config", bytes(fn.config()[:config_len]), "wb")
        put(d + "/vendor", "0x%04x\n" % fn.vid)
        put(d + "/device", "0x%04x\n" % fn.did)
        put(d + "/class", "0x%06x\n" % fn.cls)
        put(d + "/irq", "0\n")
        put(d + "/numa_node", "-1\n")
        put(d + "/resource", "0x0000000000000000 0x0000000000000000 "
            "0x0000000000000000\n" * 7)
        link("sys/bus/pci/devices/" + fn.name(), d)
    put("proc/sys/kernel/osrelease", extra.get("kernel", "6.12.0") + "\n")
    put("proc/cpuinfo", extra.get(
        "cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\n"
        "cpu family\t: 6\nmodel\t\t: 85\n\n"))
    put("proc/cmdline", extra.get("cmdline", "console=ttyS0\n"))
    if "kallsyms" in extra:
        put("proc/kallsyms", extra["kallsyms"])
    if "kconfig" in extra:
        put("boot/config-" + extra.get("kernel", "6.12.0"), extra["kconfig"])
    put("sys/module/nvme/parameters/use_cmb_sqes", "N\n")
    put("sys/module/nvme_core/parameters/multipath", "Y\n")
    os.makedirs(os.path.join(root, "sys/class/iommu"), exist_ok=True)
    for unit in extra.get("iommu", []):
        put("sys/devices/virtual/iommu/%s/uevent" % unit, "")
        link("sys/class/iommu/" + unit, "sys/devices/virtual/iommu/" + unit)
    for bdf, ctrl in extra.get("nvme", {}).items():
        fn = [f for f in fns if f.bdf == bdf][0]
        d = devpath(fn) + "/nvme/" + ctrl
        put(d + "/dev", "0:0\n")
        link(d + "/device", devpath(fn))
        link("sys/class/nvme/" + ctrl, d)
        disk = ctrl + "n1"
        put(d + "/" + disk + "/size", "1048576\n")
        put(d + "/" + disk + "/queue/logical_block_size", "512\n")
        link("sys/class/block/" + disk, d + "/" + disk)
        link("sys/block/" + disk, d + "/" + disk)
    for bdf, (ctrl, cmbsz, cmbloc, bar, start, length, *how) in \
            extra.get("cmb", {}).items():
        # The nvme driver's cmbsz/cmbloc attributes (decimal), or with
        # "bar0" only the registers in BAR0 (resource0, as Linux 6.12
        # leaves an unregistered CMB), and the BAR in the function's
        # resource file (start end flags, per BAR).
        fn = [f for f in fns if f.bdf == bdf][0]
        d = devpath(fn)
        if how == ["bar0"]:
            regs = bytearray(4096)
            struct.pack_into("<II", regs, 0x38, cmbloc, cmbsz)
            put(d + "/resource0", bytes(regs), "wb")
        else:
            put(d + "/nvme/%s/cmbsz" % ctrl, "%d\n" % cmbsz)
            put(d + "/nvme/%s/cmbloc" % ctrl, "%d\n" % cmbloc)
        lines = ["0x0000000000000000 0x0000000000000000 0x0000000000000000"] * 7
        lines[bar] = "0x%016x 0x%016x 0x%016x" % (start, start + length - 1,
                                                  0x0014220c)
        put(d + "/resource", "\n".join(lines) + "\n")
    for ctrl in extra.get("fabrics", []):
        # An NVMe over fabrics controller: no PCI function behind it.
        f = "sys/devices/virtual/nvme-fabrics/ctl"
        put(f + "/%s/transport" % ctrl, "tcp\n")
        link("sys/class/nvme/" + ctrl, f + "/" + ctrl)
        link(f + "/%s/device" % ctrl, f)
    if "hypervisor" in extra:
        put("sys/hypervisor/type", extra["hypervisor"] + "\n")
    for vf, pf in extra.get("physfn", {}).items():
        vfn = [f for f in fns if f.bdf == vf][0]
        pfn = [f for f in fns if f.bdf == pf][0]
        link(devpath(vfn) + "/physfn", devpath(pfn))
    for bdf, drv in extra.get("drivers", {}).items():
        fn = [f for f in fns if f.bdf == bdf][0]
        os.makedirs(os.path.join(root, "sys/bus/pci/drivers", drv),
                    exist_ok=True)
        link(devpath(fn) + "/driver", "sys/bus/pci/drivers/" + drv)
    for bdf, (size, avail, pub) in extra.get("p2pmem", {}).items():
        fn = [f for f in fns if f.bdf == bdf][0]
        d = devpath(fn) + "/p2pmem"
        put(d + "/size", "%d\n" % size)
        put(d + "/available", "%d\n" % avail)
        put(d + "/published", "%d\n" % pub)
        put(d + "/allocate", "")
    for disk, (subsys, ctrls) in extra.get("multipath", {}).items():
        s = "sys/devices/virtual/nvme-subsystem/" + subsys
        put(s + "/" + disk + "/size", "1048576\n")
        put(s + "/" + disk + "/queue/logical_block_size", "512\n")
        link("sys/class/block/" + disk, s + "/" + disk)
        link("sys/block/" + disk, s + "/" + disk)
        link("sys/class/nvme-subsystem/" + subsys, s)
        for ctrl in ctrls:
            link(s + "/" + ctrl, "sys/class/nvme/" + ctrl)


def main(argv):
    if len(argv) == 3 and argv[1] == "--dumps":
        for name, fns in TOPOLOGIES.items():
            if name in LIVE_ONLY:
                continue
            write_dump(fns, os.path.join(argv[2], name + ".lspci"))
        for name, (base, length) in TRUNCATED.items():
            write_dump(TOPOLOGIES[base], os.path.join(argv[2], name + ".lspci"),
                       length)
        return 0
    if len(argv) == 3 and argv[1] == "--unit-tree":
        write_unit_tree(argv[2])
        return 0
    sys.stderr.write("usage: mkfixtures.py --dumps DIR | --unit-tree DIR\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
