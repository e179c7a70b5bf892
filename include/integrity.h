/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The block layer's data integrity settings of a disk
 * (/sys/block/DISK/integrity, CONFIG_BLK_DEV_INTEGRITY).
 *
 * On a namespace formatted with protection information, a kernel with
 * integrity support has the CPU compute the guard (a CRC) over every
 * block it writes (write_generate) and check it over every block it
 * reads (read_verify).  With a peer-to-peer buffer that means the CPU
 * reads every byte of the copy out of the device's BAR: uncached loads,
 * slow.  Turned off, and with no metadata beyond the PI tuple, the
 * driver has the controller insert or check and strip the PI instead
 * (PRACT), and the CPU touches nothing.
 */
#ifndef P2PCP_INTEGRITY_H
#define P2PCP_INTEGRITY_H

#include <stdbool.h>
#include <stddef.h>

#define INTEGRITY_MAX_DISKS 8

struct disk_integrity {
	/* The disk has an integrity profile (integrity/format not "none"). */
	bool present;
	char format[40]; /* "T10-DIF-TYPE1-CRC", "nop" (metadata, no PI)... */
	/*
	 * Bytes of PI per block and of metadata (0: unknown).  Equal: the
	 * controller can insert and strip the PI itself when the kernel
	 * does not (the only case where turning generation off is safe:
	 * with more metadata the kernel would send zeros as PI).
	 */
	unsigned int tuple_size, metadata_size;
	/* The CPU checks the guard over each block read / written. */
	bool read_verify;
	bool write_generate;
	/*
	 * The disks whose flags these are and that a read (write) with the
	 * flag on goes through: the named disk, or for an NVMe multipath
	 * head each of its path disks (the bio is remapped to one of them,
	 * whose own settings then apply).  Only those with the flag on.
	 */
	unsigned int verify_disks, generate_disks;
	char verify_disk[INTEGRITY_MAX_DISKS][64];
	char generate_disk[INTEGRITY_MAX_DISKS][64];
};

/*
 * Read @disk's settings (e.g. "nvme1n1") through the sysfs root.  No
 * integrity directory (a kernel without CONFIG_BLK_DEV_INTEGRITY, a
 * device without metadata): @out->present is false.  Returns 0 or a
 * negative errno for a name too long for a path.
 */
int disk_integrity_read(const char *disk, struct disk_integrity *out);

/* Generation and checking can be left to the controller (PRACT). */
bool integrity_offload_capable(const struct disk_integrity *in);

/* The format carries protection information whose guard the CPU computes. */
bool integrity_format_has_pi(const char *format);

#endif
