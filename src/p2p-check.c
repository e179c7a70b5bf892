// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * p2p-check: predict the kernel's peer-to-peer DMA verdict for pairs of
 * PCI functions, explain it port by port, and say how to fix it.
 *
 * This file parses the command line and calls: the topology comes from
 * pcitopo.h, the platform facts from platform.h, the rule from p2pdma.h;
 * p2p-check-eval.c pairs the devices, p2p-check-warn.c collects the
 * warnings, p2p-check-text.c and p2p-check-json.c print.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "p2p-check.h"
#include "sysfs.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: p2p-check [OPTIONS] [DEVICE...]\n"
		"Predict the kernel's PCIe peer-to-peer DMA verdict between devices.\n"
		"\n"
		"DEVICE is a PCI address (0000:03:00.0 or 03:00.0), an NVMe controller\n"
		"(nvme0) or a block device (/dev/nvme0n1, nvme0n1).  Without DEVICE, every\n"
		"NVMe, GPU, accelerator, NIC and p2pmem provider is paired with every other;\n"
		"with one DEVICE, it is paired with each of those.  Two NVMe DEVICEs on\n"
		"a system with p2pmem are SRC and DST of a copy: each provider p2pcp\n"
		"could use is judged with SRC and with DST, as the kernel does.\n"
		"\n"
		"Options:\n"
		"  -t, --tree         show the PCI hierarchy with annotations\n"
		"  -m, --matrix       show a pairwise matrix of the endpoints\n"
		"  -j, --json         machine-readable output (see p2p-check(8))\n"
		"  -F, --file FILE    read an 'lspci -xxxx' capture instead of this system\n"
		"  -c, --cpu CPU      CPU for the host-bridge rule: amd-zen, amd-pre-zen,\n"
		"                     intel, hygon, other (default: this system's CPU;\n"
		"                     with -F unknown)\n"
		"  -k, --kernel REL   judge by the rules of Linux REL (e.g. 6.12); default:\n"
		"                     the running kernel, with -F the newest released\n"
		"  -p, --provider BDF with SRC and DST: judge the copy through this p2pmem\n"
		"                     provider (default: each published provider, as\n"
		"                     p2pcp chooses among them)\n"
		"  -h, --help         show this help\n"
		"  -V, --version      show the version\n"
		"\n"
		"Exit status: 0 all pairs direct, 1 some pair only through the host\n"
		"bridge, 2 some pair refused, 3 usage error, 4 config space unreadable\n"
		"or some verdict unknown, 5 P2P impossible on this kernel.\n");
}

/* --cpu values: what cpu_supports_p2pdma() would see. */
static int parse_cpu(const char *arg, struct p2p_platform *cpu)
{
	static const struct {
		const char *name, *vendor;
		bool amd;
		unsigned int family;
	} cpus[] = {
		{ "amd-zen", "AuthenticAMD", true, 0x17 },
		{ "amd-pre-zen", "AuthenticAMD", true, 0x15 },
		{ "intel", "GenuineIntel", false, 6 },
		{ "hygon", "HygonGenuine", false, 0x18 },
		/* Not x86, or a vendor the kernel does not special-case. */
		{ "other", "", false, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cpus) / sizeof(cpus[0]); i++) {
		if (strcmp(arg, cpus[i].name))
			continue;
		cpu->cpu_known = true;
		cpu->cpu_amd = cpus[i].amd;
		cpu->cpu_family = cpus[i].family;
		snprintf(cpu->cpu_vendor_id, sizeof(cpu->cpu_vendor_id), "%s",
			 cpus[i].vendor);
		return 0;
	}
	return -EINVAL;
}

struct options {
	bool tree, matrix, json;
	const char *cpu, *kernel;
};

static int load(struct check *c, const struct options *o)
{
	struct pci_topo_opts opts = { .dump_file = c->dump_file };
	unsigned int option_kernel = 0;
	char err[512];
	int ret;

	platform_init(&c->plat);
	ret = pci_topo_load(&opts, &c->topo, err, sizeof(err));
	if (ret) {
		fprintf(stderr,
			"p2p-check: cannot read PCI config space%s%s: %s\n",
			c->dump_file ? " from " : "",
			c->dump_file ? c->dump_file : "",
			err[0] ? err : strerror(-ret));
		return EXIT_UNKNOWN;
	}
	if (!c->dump_file) {
		ret = platform_scan_live(&c->plat);
		if (ret) {
			fprintf(stderr, "p2p-check: reading the platform: %s\n",
				strerror(-ret));
			return EXIT_UNKNOWN;
		}
	}
	if (o->cpu) {
		parse_cpu(o->cpu, &c->plat.cpu);
		c->plat.cpu_source = CPU_OPTION;
	}
	if (o->kernel) {
		p2p_kernel_parse(o->kernel, &option_kernel);
		c->kernel_source = KERNEL_OPTION;
	} else if (c->plat.kernel) {
		option_kernel = c->plat.kernel;
		c->kernel_source = KERNEL_RUNNING;
	} else {
		c->kernel_source = KERNEL_NEWEST;
	}
	c->plat.cpu.kernel = option_kernel;
	return 0;
}

static int name_devices(struct check *c, int argc, char **argv)
{
	int named, ret;

	c->self_pair = -1;
	for (named = 0; named < argc; named++) {
		size_t before = c->endpoint_count;

		ret = check_resolve_device(c, argv[named]);
		if (ret == -EINVAL && c->dump_file) {
			fprintf(stderr,
				"p2p-check: %s: with -F, name devices by PCI address\n",
				argv[named]);
			return EXIT_USAGE;
		}
		if (ret) {
			fprintf(stderr, "p2p-check: %s: %s\n", argv[named],
				ret == -ENOENT ?
					"no such PCI function or device" :
					strerror(-ret));
			return EXIT_USAGE;
		}
		if (named > 0 && c->endpoint_count == before &&
		    c->self_pair < 0)
			c->self_pair = c->last_node;
	}
	if (c->provider_arg && named != 2) {
		fprintf(stderr,
			"p2p-check: --provider needs two DEVICEs, SRC and DST of the copy\n");
		return EXIT_USAGE;
	}
	ret = check_copy_providers(c);
	if (ret) {
		fprintf(stderr, "p2p-check: --provider %s: %s\n",
			c->provider_arg,
			ret == -EINVAL ?
				"not a PCI address (e.g. 0000:03:00.0)" :
			ret == -ENOENT ?
				"no such PCI function" :
			ret == -ENODEV ?
				"has no p2pmem (not a peer-to-peer memory provider)" :
				strerror(-ret));
		return ret == -ENOMEM ? EXIT_UNKNOWN : EXIT_USAGE;
	}
	/* One device: pair it with every other P2P endpoint. */
	if (named == 1 && c->endpoint_count == 1)
		c->single_anchor = true;
	if (c->single_anchor || named == 0) {
		ret = check_add_default_endpoints(c);
		if (ret) {
			fprintf(stderr, "p2p-check: %s\n", strerror(-ret));
			return EXIT_UNKNOWN;
		}
	}
	return 0;
}

static int run(struct check *c, const struct options *o, int argc, char **argv)
{
	int ret;

	ret = load(c, o);
	if (!ret)
		ret = name_devices(c, argc, argv);
	if (ret)
		return ret;
	ret = check_evaluate_pairs(c);
	if (!ret)
		ret = check_global_warnings(c);
	if (ret) {
		fprintf(stderr, "p2p-check: %s\n", strerror(-ret));
		return EXIT_UNKNOWN;
	}
	if (o->json) {
		print_json(c);
	} else {
		if (o->tree)
			print_tree(c);
		if (o->matrix)
			print_matrix(c);
		if (!o->tree && !o->matrix)
			print_report(c);
		print_warnings(c);
	}
	return check_exit_status(c);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "tree", no_argument, NULL, 't' },
		{ "matrix", no_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "file", required_argument, NULL, 'F' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "provider", required_argument, NULL, 'p' },
		{ "sysroot", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct options o = { 0 };
	struct check c = { 0 };
	struct p2p_platform probe;
	unsigned int kernel;
	int opt, status;

	while ((opt = getopt_long(argc, argv, "tmjF:c:k:p:hV", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 't':
			o.tree = true;
			break;
		case 'm':
			o.matrix = true;
			break;
		case 'j':
			o.json = true;
			break;
		case 'F':
			c.dump_file = optarg;
			break;
		case 'c':
			if (parse_cpu(optarg, &probe)) {
				fprintf(stderr,
					"p2p-check: unknown CPU '%s' (amd-zen, amd-pre-zen, intel, hygon, other)\n",
					optarg);
				return EXIT_USAGE;
			}
			o.cpu = optarg;
			break;
		case 'k':
			if (p2p_kernel_parse(optarg, &kernel)) {
				fprintf(stderr,
					"p2p-check: --kernel '%s' is not a kernel release (e.g. 6.12 or 6.12.117)\n",
					optarg);
				return EXIT_USAGE;
			}
			o.kernel = optarg;
			break;
		case 'p':
			c.provider_arg = optarg;
			break;
		case 'S': /* hidden: a fake /sys, /proc tree for tests */
			sysfs_set_root(optarg);
			break;
		case 'h':
			usage(stdout);
			return EXIT_ALL_DIRECT;
		case 'V':
			printf("p2p-check %s\n", P2PCP_VERSION);
			return EXIT_ALL_DIRECT;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (o.json && (o.tree || o.matrix)) {
		fprintf(stderr,
			"p2p-check: --json cannot be combined with --tree or --matrix\n");
		return EXIT_USAGE;
	}
	status = run(&c, &o, argc - optind, argv + optind);
	check_free(&c);
	return status;
}
