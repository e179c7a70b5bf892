/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The passthrough engine's device side: NVMe Read and Write commands
 * sent through io_uring (IORING_OP_URING_CMD, NVME_URING_CMD_IO) to a
 * namespace's generic character device /dev/ngXnY.
 *
 * Passthrough reaches p2pmem where the block layer refuses it (an NVMe
 * multipath head node before Linux 7.2), but it also skips everything
 * the block layer does for us: splitting by the controller's limits,
 * partition offsets, metadata, permission checks by open mode.  This
 * module does those itself; the rules are in nvme-passthru.c.
 */
#ifndef P2PCP_NVME_PASSTHRU_H
#define P2PCP_NVME_PASSTHRU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "blockdev.h"

struct io_uring_sqe;
struct io_uring_cqe;
struct nvme_id_ns;
struct ring_backend;

/* NVMe I/O opcodes (NVM command set). */
#define PASSTHRU_OP_WRITE 0x01
#define PASSTHRU_OP_READ 0x02

/* Status Code Type and Status Code, without CRD/More/DNR. */
#define PASSTHRU_STATUS_MASK 0x07ff
/* Generic status 12h: the data pointer mixes the CMB and host memory. */
#define PASSTHRU_STATUS_INVALID_CMB_USE 0x012

/* The controller's transfer limits as the block layer sees them. */
struct passthru_limits {
	uint32_t max_hw_bytes; /* queue/max_hw_sectors_kb: MDTS as the driver took it */
	uint32_t max_segments; /* queue/max_segments */
	uint32_t max_segment_size; /* queue/max_segment_size */
};

/*
 * How the running kernel counts the segments of a passthrough command's
 * buffer, which it maps page by page from user space and never splits.
 */
enum passthru_segment_rule {
	/*
	 * Every page is a segment of its own.  Linux 7.3 maps user pages
	 * with iov_iter_extract_bvecs(), which joins pages only inside one
	 * folio, and every page of p2pmem is a folio of its own (mapped
	 * with vm_insert_page()): a contiguous CMB buffer still counts one
	 * segment per page.  The safe rule for any kernel.
	 */
	PASSTHRU_SEGMENTS_PER_PAGE,
	/*
	 * Physically contiguous pages join into one segment (up to
	 * max_segment_size): Linux 6.12's bio_add_hw_page().
	 */
	PASSTHRU_SEGMENTS_JOIN_CONTIGUOUS,
};

/* The rule of kernel @kernel (P2P_KERNEL(), 0 unknown). */
enum passthru_segment_rule passthru_segment_rule_of(unsigned int kernel);

/* NVMe's Number of Logical Blocks is 16 bits, zero-based. */
#define PASSTHRU_MAX_NLB 65536u

/* Bytes per command, in whole LBAs, that one side's controller takes. */
struct passthru_pieces {
	/*
	 * Into a physically contiguous buffer (p2pmem), every command
	 * starting on a page boundary: a multiple of the page size when it
	 * is at least one page, so the next command starts on one too.
	 */
	uint32_t contiguous;
	/* Into any buffer (system memory), starting anywhere. */
	uint32_t any;
};

/*
 * Plan the pieces a chunk is cut into for a side with limits @lim and
 * @lba_size-byte LBAs: at most max_hw_bytes and PASSTHRU_MAX_NLB blocks,
 * at most max_segments segments counted by @rule, whole LBAs.  -EINVAL
 * if the limits allow not even one LBA.
 */
int passthru_piece_plan(const struct passthru_limits *lim, uint32_t page_size,
			uint32_t lba_size, enum passthru_segment_rule rule,
			struct passthru_pieces *out);

/*
 * Both sides of a copy: the smaller piece of each kind, cut to a
 * multiple of both LBA sizes (and of the page for @contiguous pieces of
 * a page or more).  -EINVAL if nothing is left.
 */
int passthru_pieces_join(const struct passthru_pieces *a, uint32_t lba_a,
			 const struct passthru_pieces *b, uint32_t lba_b,
			 uint32_t page_size, struct passthru_pieces *out);

/*
 * Protection information carried through a copy.  SRC is read with its
 * PI into a metadata buffer in host memory (the data stays in the P2P
 * buffer), and DST is written from it with PRACT=0 and guard checking:
 * DST's controller recomputes the guard of every block it fetched from
 * the buffer, so a partial loss in the fabric fails the write (End-to-end
 * Guard Check Error) instead of landing on DST.  @meta holds @ms bytes
 * for every block of the data buffer @data, at the same block index; a
 * command on any other buffer (verify's, the probe's system memory) has
 * the controller check and strip (read) or generate (write) the PI
 * itself (PRACT=1), which needs metadata of exactly one PI tuple.
 */
struct passthru_pi {
	const char *data;
	size_t data_len;
	unsigned char *meta;
	/*
	 * One bit per block of @data: its write has been counted since its
	 * last read.  A command sent again (a retry, narrowing a failure)
	 * writes blocks already counted: counted once per read.
	 */
	unsigned char *counted;
	/*
	 * Blocks written from @meta whose PI disables checking (application
	 * tag FFFFh, with Type 3 also reference tag FFFFFFFFh: SRC's
	 * controller returns that for blocks never written): DST's
	 * controller checks no guard there.
	 */
	uint64_t unchecked_blocks;
	uint64_t written_blocks; /* blocks written from @meta */
	unsigned int pi_type; /* SRC's and DST's */
};

/* Bytes of the 16-bit-guard PI tuple: guard, application tag, reference tag. */
#define PASSTHRU_PI_TUPLE 8u

/* PRINFO, cdw12 bits 29:26 of NVMe Read and Write. */
#define PASSTHRU_PRINFO_SHIFT 26
#define PASSTHRU_PRINFO_PRACT 0x8u
#define PASSTHRU_PRCHK_GUARD 0x4u
#define PASSTHRU_PRCHK_APP 0x2u
#define PASSTHRU_PRCHK_REF 0x1u

/* A namespace (or a partition of one) driven through its char device. */
struct passthru_ns {
	char chardev[64]; /* "ng1n1" */
	dev_t chardev_devnum;
	uint32_t nsid;
	uint32_t lba_size; /* bytes per LBA */
	unsigned int lba_shift;
	uint64_t ns_lbas; /* namespace size (NSZE) */
	uint64_t base; /* byte offset of what was named: the partition start */
	uint64_t size; /* bytes of what was named */
	uint32_t metadata_size; /* bytes per LBA; 0: none */
	unsigned int pi_type; /* end-to-end protection type; 0: none */
	bool pi_first; /* DPS bit 3: PI in the first bytes of the metadata */
	/* FLBAS bit 4: metadata interleaved with each block's data. */
	bool extended_lba;
	/*
	 * The PI format is not the 16-bit guard one (64-bit guard or
	 * storage tags, from the I/O command set's Identify Namespace), or
	 * that could not be read.
	 */
	bool pi_format_other;
	/* The kernel gave the disk an integrity profile (it takes a metadata buffer). */
	bool kernel_integrity;
	/* The copy's metadata buffer (both sides share it); NULL: none. */
	struct passthru_pi *pi;
	bool write_protected;
	bool from_identify; /* Identify Namespace answered; else sysfs only */
	struct passthru_limits limits;
	enum passthru_segment_rule segment_rule; /* the running kernel's */
	struct passthru_pieces pieces; /* bytes per command p2pcp will send */
};

/*
 * Find the generic char device of @disk (a per-controller namespace or
 * a multipath head node) in sysfs: "ngXnY" beside the disk's own
 * directory, i.e. under the same controller or subsystem, with the same
 * instance numbers.  -ENODEV if @disk is not NVMe, -ENOENT if the
 * kernel created no char device (before Linux 5.13).
 */
int passthru_find_chardev(const struct disk_info *disk, char *name, size_t len,
			  dev_t *devnum);

/*
 * The PCI function that carries @disk's commands: its controller, or for
 * a multipath head the lowest-numbered of its subsystem's controllers;
 * *@paths counts them.  -ENODEV for fabrics or non-NVMe disks.
 */
int passthru_path_pci(const struct disk_info *disk, struct pci_addr *out,
		      unsigned int *paths);

/* Read @disk's transfer limits from /sys/block/<disk>/queue. */
int passthru_limits_read(const char *disk_name, struct passthru_limits *out);

/*
 * Fill @ns's format fields (LBA size, size, metadata, protection,
 * write protection) from an Identify Namespace structure.  -EINVAL for
 * a format p2pcp cannot make sense of (LBA size below 512 or above 2^20).
 */
int passthru_geometry_from_identify(const struct nvme_id_ns *id,
				    struct passthru_ns *ns);

/*
 * Why this namespace cannot be copied with passthrough, or NULL.  A
 * namespace with protection information is copied with it (struct
 * passthru_pi) when its metadata is the 8-byte PI tuple alone, in a
 * separate buffer, and the kernel takes a metadata buffer for it; other
 * metadata would need carrying that p2pcp does not do.
 */
const char *passthru_format_problem(const struct passthru_ns *ns);

/*
 * Why SRC @a's protection information cannot be carried to DST @b (a
 * different block size, metadata or PI type), or NULL; @buf gets the
 * text, naming both formats.
 */
const char *passthru_pair_problem(const struct passthru_ns *a,
				  const struct passthru_ns *b, char *buf,
				  size_t len);

/* "512-byte blocks, 8 bytes of metadata, protection information type 1" */
void passthru_format_text(const struct passthru_ns *ns, char *buf, size_t len);

/* The fields of an NVMe Read or Write that carry PI: cdw12, 14, 15. */
struct passthru_rw_fields {
	uint32_t cdw12; /* NLB (zero-based) and PRINFO */
	uint32_t cdw14; /* Initial Logical Block Reference Tag */
	uint32_t cdw15; /* Logical Block Application Tag Mask << 16 | Tag */
};

/*
 * Encode them for @nlb blocks at namespace LBA @slba of @ns: with
 * @metadata (the PI travels in a metadata buffer), PRACT=0; without it,
 * on a PI namespace, PRACT=1 (the controller strips or generates it).
 * Either way the controller checks the guard, and the reference tag
 * where the PI type defines one (Type 1 and 2: it follows the LBA, ILBRT
 * is the SLBA's low 32 bits; Type 3: none).  The application tag is
 * never checked (mask 0): p2pcp carries SRC's unchanged and has no
 * expectation of it.
 */
void passthru_rw_encode(const struct passthru_ns *ns, bool metadata,
			uint64_t slba, uint32_t nlb,
			struct passthru_rw_fields *out);

/*
 * Before @nlb blocks are written from @meta to LBA @slba of @ns: their
 * reference tags become DST's LBAs (Type 1 and 2, the low 32 bits;
 * Type 3 has none).  Blocks whose PI disables checking keep it as it
 * is.  Returns how many of those there are.
 */
uint32_t passthru_pi_retag(const struct passthru_ns *ns, unsigned char *meta,
			   uint64_t slba, uint32_t nlb);

/*
 * The same, from what sysfs says of @disk (metadata_bytes, the integrity
 * profile) without opening its char device: the plan's (--dry-run)
 * prediction.  NULL when sysfs shows no problem or cannot tell.
 */
const char *passthru_format_problem_sysfs(const struct disk_info *disk);
/* And passthru_pair_problem() by sysfs, for SRC @a and DST @b. */
const char *passthru_pair_problem_sysfs(const struct disk_info *a,
					const struct disk_info *b, char *buf,
					size_t len);

/*
 * Open the char device of @disk, which the caller describes from the
 * block device it holds open (O_EXCL while the char device is in use).
 * Checks the descriptor (the char device sysfs names, the namespace ID
 * the kernel answers) and fills @ns.  @write opens it for writing: the
 * kernel lets unprivileged users write only through such a descriptor.
 * Returns the descriptor or a negative errno:
 *  -ENODEV not NVMe, -ENOENT no char device, -EACCES/-EPERM no access,
 *  -ESTALE the descriptor is not the namespace sysfs named.
 */
int passthru_open(const struct disk_info *disk, bool write,
		  struct passthru_ns *ns);

/*
 * Whether bytes [off, off + len) of what was named can be addressed in
 * whole LBAs and lie inside it.  -EINVAL unaligned, -ERANGE outside.
 */
int passthru_check_range(const struct passthru_ns *ns, uint64_t off,
			 uint64_t len);

/*
 * The backend callbacks.  @ctx is a struct passthru_ns; @off counts
 * bytes from the start of what was named, LBA-aligned, @len whole LBAs
 * no larger than the backend's limits (the pipeline splits).
 */
void passthru_prep(struct io_uring_sqe *sqe, int fd, const void *ctx,
		   bool write, void *buf, uint32_t len, uint64_t off);

/*
 * Bytes transferred (all of @len: an NVMe command completes whole or
 * fails), or a negative errno.  A positive CQE result is an NVMe status:
 * it goes to *@status and maps to the errno the block layer would give.
 */
int passthru_complete(const struct io_uring_cqe *cqe, const void *ctx,
		      uint32_t len, uint32_t *status);

/*
 * One command, synchronously (NVME_IOCTL_IO64_CMD): for the checks
 * before a copy.  0, or a negative errno (NVMe status in *@status).
 */
int passthru_io_sync(int fd, const struct passthru_ns *ns, bool write,
		     void *buf, uint32_t len, uint64_t off, uint32_t *status);

/* The LBA (namespace-relative) that holds byte @off of what was named. */
uint64_t passthru_lba(const struct passthru_ns *ns, uint64_t off);

/* "Unrecovered Read Error", or NULL for a status not in the table. */
const char *passthru_status_name(uint32_t status);

/* The errno the kernel's block layer gives for @status (negative). */
int passthru_status_errno(uint32_t status);

/*
 * The I/O backend for passthrough (ring.h): the callbacks above,
 * 128-byte SQEs and 32-byte CQEs, commands of at most @pieces (both
 * sides' joined: any for every buffer, contiguous for p2pmem).  Both
 * sides' contexts are struct passthru_ns.
 */
void passthru_backend_init(struct ring_backend *be,
			   const struct passthru_pieces *pieces);

/* Does this process have CAP_SYS_ADMIN in its effective set? */
bool passthru_have_sys_admin(void);

#endif
