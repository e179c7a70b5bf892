/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NVMe controller identity through libnvme: model, serial, firmware,
 * transport, and how many controllers reach the same subsystem (a
 * dual-port or multipath namespace).  libnvme 1.3 reads the real /sys
 * only, so with a fake sysfs root this reports -EOPNOTSUPP and callers
 * go on with what sysfs (blockdev.h) told them.
 */
#ifndef P2PCP_NVMEINFO_H
#define P2PCP_NVMEINFO_H

struct p2p_nvme_ctrl_desc {
	char model[48];
	char serial[32];
	char firmware[16];
	char transport[16];
	char subsysnqn[256];
	unsigned int subsystem_ctrls; /* controllers in its subsystem */
};

/* Describe "nvmeN"; -ENOENT if libnvme does not know it. */
int p2p_nvme_ctrl_describe(const char *ctrl, struct p2p_nvme_ctrl_desc *out);

#endif
