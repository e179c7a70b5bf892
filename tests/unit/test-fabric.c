// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fabric watch against a fake sysfs tree and a fake kernel log (a
 * file of /dev/kmsg records that the test appends to while the watch
 * follows it): AER counters and their growth, the ports above each
 * device, which log lines count and which name a watched device.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "aer.h"
#include "check.h"
#include "fabric-watch.h"
#include "fakeroot.h"
#include "kmsg.h"
#include "sysfs.h"

#define RP "/sys/devices/pci0000:00/0000:00:1c.0"
#define UP RP "/0000:01:00.0"
#define DP UP "/0000:02:01.0"
#define NVME_A DP "/0000:03:00.0"
#define NVME_B UP "/0000:02:02.0/0000:04:00.0"

static char log_path[600];

static void put_aer(const char *dev, unsigned int cor, unsigned int nonfatal,
		    unsigned int fatal)
{
	char path[256], text[256];

	snprintf(path, sizeof(path), "%s/aer_dev_correctable", dev);
	snprintf(text, sizeof(text),
		 "RxErr 0\nBadTLP %u\nBadDLLP 0\nTOTAL_ERR_COR %u\n", cor, cor);
	fake_put(path, text);
	snprintf(path, sizeof(path), "%s/aer_dev_nonfatal", dev);
	snprintf(text, sizeof(text),
		 "Undefined 0\nDLP 0\nPoisonTLP %u\nTOTAL_ERR_NONFATAL %u\n",
		 nonfatal, nonfatal);
	fake_put(path, text);
	snprintf(path, sizeof(path), "%s/aer_dev_fatal", dev);
	snprintf(text, sizeof(text), "Undefined 0\nTOTAL_ERR_FATAL %u\n",
		 fatal);
	fake_put(path, text);
}

/* /sys/bus/pci/devices/BDF -> the device's directory. */
static void bus_link(const char *bdf, const char *dev)
{
	char target[256], rel[128];

	fake_mkpath("/sys/bus/pci/devices");
	snprintf(target, sizeof(target), "../../..%s", dev + 4);
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s", bdf);
	fake_link(target, rel);
}

static void make_tree(void)
{
	fake_mkpath(NVME_A "/nvme/nvme0");
	fake_mkpath(NVME_B "/nvme/nvme1");
	bus_link("0000:00:1c.0", RP);
	bus_link("0000:01:00.0", UP);
	bus_link("0000:02:01.0", DP);
	bus_link("0000:02:02.0", UP "/0000:02:02.0");
	bus_link("0000:03:00.0", NVME_A);
	bus_link("0000:04:00.0", NVME_B);
	put_aer(RP, 0, 0, 0);
	put_aer(UP, 0, 0, 0);
	put_aer(DP, 2, 0, 0);
	put_aer(NVME_A, 0, 0, 0);
	/* NVME_B and 02:02.0: no AER counters. */
}

static void log_append(const char *records)
{
	int fd = open(log_path, O_WRONLY | O_APPEND | O_CLOEXEC);

	if (fd < 0 || write(fd, records, strlen(records)) < 0)
		CHECK(!"append to the fake kernel log");
	if (fd >= 0)
		close(fd);
}

static struct pci_addr addr(const char *s)
{
	struct pci_addr a = { 0 };

	pci_addr_parse(s, &a);
	return a;
}

static void test_aer(void)
{
	struct aer_counts c, d, before;
	struct pci_addr dp = addr("0000:02:01.0");
	struct pci_addr b = addr("0000:04:00.0");

	aer_counts_read(&dp, &before);
	CHECK(before.have);
	CHECK_EQ_U64(before.correctable, 2);
	put_aer(DP, 5, 1, 0);
	aer_counts_read(&dp, &c);
	CHECK_EQ_U64(c.correctable, 5);
	CHECK_EQ_U64(c.nonfatal, 1);
	aer_counts_delta(&before, &c, &d);
	CHECK(d.have);
	CHECK_EQ_U64(d.correctable, 3);
	CHECK_EQ_U64(d.nonfatal, 1);
	CHECK_EQ_U64(d.fatal, 0);
	/* A counter that went down (a reset) is no new error. */
	aer_counts_delta(&c, &before, &d);
	CHECK_EQ_U64(d.correctable, 0);
	aer_counts_read(&b, &c);
	CHECK(!c.have);
	put_aer(DP, 2, 0, 0);
}

static void test_classify(void)
{
	CHECK_EQ_U64(
		fabric_classify(
			"DMAR: [DMA Write NO_PASID] Request device [03:00.0] fault addr 0xf8000000 [fault reason 0x05] PTE Write access is not set"),
		FABRIC_IOMMU_FAULT);
	CHECK_EQ_U64(
		fabric_classify(
			"nvme 0000:03:00.0: AMD-Vi: Event logged [IO_PAGE_FAULT domain=0x000c address=0xfd000000 flags=0x0020]"),
		FABRIC_IOMMU_FAULT);
	CHECK_EQ_U64(
		fabric_classify(
			"pcieport 0000:00:1c.0: AER: Uncorrected (Non-Fatal) error message received from 0000:03:00.0"),
		FABRIC_AER_UNCORRECTABLE);
	CHECK_EQ_U64(
		fabric_classify(
			"nvme 0000:03:00.0: PCIe Bus Error: severity=Uncorrectable (Fatal), type=Transaction Layer, (Requester ID)"),
		FABRIC_AER_UNCORRECTABLE);
	CHECK_EQ_U64(
		fabric_classify(
			"pcieport 0000:00:1c.0: AER: Correctable error message received from 0000:03:00.0"),
		FABRIC_AER_CORRECTABLE);
	CHECK_EQ_U64(
		fabric_classify(
			"nvme nvme0: I/O tag 17 (1011) QID 2 timeout, aborting"),
		FABRIC_NVME_TIMEOUT);
	CHECK_EQ_U64(
		fabric_classify("nvme nvme0: 2/0/0 default/read/poll queues"),
		(unsigned long long)-1);
	CHECK_EQ_U64(fabric_classify("DMAR: IOMMU enabled"),
		     (unsigned long long)-1);
}

static void test_kmsg(void)
{
	char text[KMSG_RECORD_MAX], device[64];
	struct kmsg_follower k;

	/* Logged before the follower opened: never handed out. */
	log_append("6,1,100,-;old line\n");
	CHECK_EQ_U64(kmsg_open(&k, log_path), 0);
	CHECK_EQ_U64(kmsg_next(&k, text, sizeof(text), device, sizeof(device)),
		     0);
	log_append("3,2,200,-;first; with a semicolon\n"
		   " SUBSYSTEM=pci\n DEVICE=+pci:0000:03:00.0\n"
		   "4,3,300,-,caller=T1;second\n4,4,3");
	CHECK_EQ_U64(kmsg_next(&k, text, sizeof(text), device, sizeof(device)),
		     1);
	CHECK(!strcmp(text, "first; with a semicolon"));
	CHECK(!strcmp(device, "+pci:0000:03:00.0"));
	CHECK_EQ_U64(kmsg_next(&k, text, sizeof(text), device, sizeof(device)),
		     1);
	CHECK(!strcmp(text, "second"));
	CHECK(!strcmp(device, ""));
	/* A record still being written is not handed out half. */
	CHECK_EQ_U64(kmsg_next(&k, text, sizeof(text), device, sizeof(device)),
		     0);
	log_append("01,-;third\n");
	CHECK_EQ_U64(kmsg_next(&k, text, sizeof(text), device, sizeof(device)),
		     1);
	CHECK(!strcmp(text, "third"));
	kmsg_close(&k);
	CHECK_EQ_U64(kmsg_open(&k, "/nonexistent/kmsg"), -ENOENT);
}

static const enum fabric_role roles[] = { FABRIC_SRC, FABRIC_DST };

static void test_watch_devices(void)
{
	struct pci_addr devs[2] = { addr("0000:03:00.0"),
				    addr("0000:04:00.0") };
	struct fabric_watch w;
	unsigned int i, ports = 0;

	fabric_watch_start(&w, devs, roles, 2, log_path);
	CHECK_EQ_U64(w.kmsg_error, 0);
	/* 00:1c.0, 01:00.0, 02:01.0, 03:00.0, 02:02.0, 04:00.0 */
	CHECK_EQ_U64(w.devices, 6);
	for (i = 0; i < w.devices; i++)
		ports += w.dev[i].role == FABRIC_PORT;
	CHECK_EQ_U64(ports, 4);
	CHECK_EQ_U64(w.dev[3].role, FABRIC_SRC);
	CHECK(!strcmp(w.dev[3].ctrl[0], "nvme0"));
	CHECK_EQ_U64(w.dev[5].role, FABRIC_DST);
	CHECK(!strcmp(w.dev[5].ctrl[0], "nvme1"));
	fabric_watch_stop(&w);
	CHECK(!fabric_watch_noteworthy(&w));
	CHECK(!fabric_watch_loss(&w));
}

/* A watch over @devs during which only @dev's counters grow (from 0). */
static void watch_counters_grow(struct fabric_watch *w,
				const struct pci_addr *devs, const char *dev,
				unsigned int cor, unsigned int nonfatal,
				unsigned int fatal)
{
	fabric_watch_start(w, devs, roles, 2, log_path);
	put_aer(dev, cor, nonfatal, fatal);
	fabric_watch_stop(w);
	put_aer(dev, 0, 0, 0);
}

static void test_watch_log(void)
{
	struct pci_addr devs[2] = { addr("0000:03:00.0"),
				    addr("0000:04:00.0") };
	struct fabric_watch w;

	fabric_watch_start(&w, devs, roles, 2, log_path);
	log_append(
		/* Not about a watched device: 05:00.0, nvme10. */
		"3,10,1,-;DMAR: [DMA Write NO_PASID] Request device [05:00.0] fault addr 0xf8000000 [fault reason 0x05] PTE Write access is not set\n"
		"4,11,2,-;nvme nvme10: I/O tag 1 (1001) QID 1 timeout, aborting\n"
		/* Not an event. */
		"6,12,3,-;nvme nvme0: 2/0/0 default/read/poll queues\n");
	fabric_watch_poll(&w);
	CHECK(!fabric_watch_noteworthy(&w));
	log_append(
		"3,13,4,-;DMAR: DRHD: handling fault status reg 2\n"
		"3,14,5,-;DMAR: [DMA Write NO_PASID] Request device [03:00.0] fault addr 0xf8000000 [fault reason 0x05] PTE Write access is not set\n"
		"4,15,6,-;nvme nvme1: I/O tag 5 (1005) QID 2 timeout, aborting\n"
		"4,16,7,-;pcieport 0000:00:1c.0: AER: Correctable error message received from 0000:01:00.0\n"
		"3,17,8,-;AER: an error\n DEVICE=+pci:0000:04:00.0\n");
	fabric_watch_poll(&w);
	/* The counters grow on a port on SRC's path. */
	put_aer(DP, 9, 0, 0);
	fabric_watch_stop(&w);
	CHECK_EQ_U64(w.events[FABRIC_IOMMU_FAULT], 1);
	CHECK_EQ_U64(w.events[FABRIC_NVME_TIMEOUT], 1);
	CHECK_EQ_U64(w.events[FABRIC_AER_CORRECTABLE], 1);
	CHECK_EQ_U64(w.events[FABRIC_AER_UNCORRECTABLE], 0);
	CHECK_EQ_U64(w.quotes, 3);
	CHECK(strstr(w.quote[0].text, "Request device [03:00.0]") != NULL);
	CHECK_EQ_U64(w.aer_new.correctable, 7);
	CHECK(fabric_watch_loss(&w));
	put_aer(DP, 2, 0, 0);

	/* Only the counters: an uncorrectable error is a loss. */
	watch_counters_grow(&w, devs, NVME_A, 0, 0, 1);
	CHECK_EQ_U64(w.aer_new.fatal, 1);
	CHECK(fabric_watch_loss(&w));

	/* Only correctable growth: worth a warning, no loss. */
	watch_counters_grow(&w, devs, UP, 1, 0, 0);
	CHECK(fabric_watch_noteworthy(&w));
	CHECK(!fabric_watch_loss(&w));

	/* A log that cannot be read is recorded, the counters still work. */
	fabric_watch_start(&w, devs, roles, 2, "/nonexistent/kmsg");
	CHECK_EQ_U64(w.kmsg_error, -ENOENT);
	fabric_watch_stop(&w);
	CHECK_EQ_U64(w.devices, 6);
}

int main(void)
{
	if (fake_root_make("test-fabric"))
		return T_EXIT_ERROR;
	snprintf(log_path, sizeof(log_path), "%s/kmsg", fake_root);
	fake_put("/kmsg", "");
	make_tree();
	sysfs_set_root(fake_root);
	test_aer();
	test_classify();
	test_kmsg();
	test_watch_devices();
	test_watch_log();
	sysfs_set_root(NULL);
	fake_root_remove();
	CHECK_DONE();
}
