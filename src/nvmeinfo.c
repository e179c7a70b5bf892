// SPDX-License-Identifier: GPL-2.0-or-later
/* NVMe controller identity through libnvme's topology scan. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <libnvme.h>

#include "nvmeinfo.h"
#include "sysfs.h"

static void copy_trimmed(char *dst, size_t len, const char *src)
{
	size_t n;

	snprintf(dst, len, "%s", src ? src : "");
	/* Identify strings are space padded. */
	n = strlen(dst);
	while (n > 0 && dst[n - 1] == ' ')
		dst[--n] = '\0';
}

int p2p_nvme_ctrl_describe(const char *ctrl, struct p2p_nvme_ctrl_desc *out)
{
	nvme_subsystem_t s;
	nvme_root_t root;
	nvme_host_t h;
	nvme_ctrl_t c;
	int ret = -ENOENT;

	memset(out, 0, sizeof(*out));
	if (sysfs_root()[0])
		return -EOPNOTSUPP;
	root = nvme_scan(NULL);
	if (!root)
		return errno ? -errno : -ENOMEM;
	nvme_for_each_host(root, h)
	{
		nvme_for_each_subsystem(h, s)
		{
			unsigned int count = 0;
			nvme_ctrl_t found = NULL;

			nvme_subsystem_for_each_ctrl(s, c)
			{
				count++;
				if (!strcmp(nvme_ctrl_get_name(c), ctrl))
					found = c;
			}
			if (!found)
				continue;
			copy_trimmed(out->model, sizeof(out->model),
				     nvme_ctrl_get_model(found));
			copy_trimmed(out->serial, sizeof(out->serial),
				     nvme_ctrl_get_serial(found));
			copy_trimmed(out->firmware, sizeof(out->firmware),
				     nvme_ctrl_get_firmware(found));
			copy_trimmed(out->transport, sizeof(out->transport),
				     nvme_ctrl_get_transport(found));
			copy_trimmed(out->subsysnqn, sizeof(out->subsysnqn),
				     nvme_subsystem_get_nqn(s));
			out->subsystem_ctrls = count;
			ret = 0;
			goto out;
		}
	}
out:
	nvme_free_tree(root);
	return ret;
}
