/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * I/O through io_uring and one backend.  Every I/O of the copy (the
 * pipeline, verify, the arrival probe, narrowing a failure to its
 * block) goes through one backend, so a backend other than plain block
 * reads and writes (NVMe passthrough) gets the same guarantees: exact
 * failing bytes, lost-data detection, verify.
 */
#ifndef P2PCP_RING_H
#define P2PCP_RING_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

struct io_uring;
struct io_uring_sqe;
struct io_uring_cqe;

/* How one transfer becomes an SQE and its CQE a byte count. */
struct ring_backend {
	const char *name; /* "block", "passthru" */
	/* Extra io_uring setup flags, e.g. IORING_SETUP_SQE128|CQE32. */
	unsigned int ring_flags;
	/*
	 * Fill @sqe for one transfer of @len bytes at byte offset @off
	 * (relative to the device or file) of @fd; @write: from @buf to
	 * @fd.  @side_ctx is the job's src_ctx or dst_ctx for @fd.
	 */
	void (*prep)(struct io_uring_sqe *sqe, int fd, const void *side_ctx,
		     bool write, void *buf, uint32_t len, uint64_t off);
	/*
	 * A completion of a @len-byte transfer -> bytes transferred (> 0,
	 * may be short), 0 for end of file, or a negative errno.  A
	 * passthrough backend maps a positive NVMe status to a negative
	 * errno and stores the raw status in *@status (left 0 otherwise).
	 */
	int (*complete)(const struct io_uring_cqe *cqe, const void *side_ctx,
			uint32_t len, uint32_t *status);
	/*
	 * Bytes per command into any buffer, 0 = no limit (the pipeline
	 * splits chunks)...
	 */
	uint32_t max_transfer;
	/*
	 * ...and into a physically contiguous buffer (p2pmem) when every
	 * command starts on a page boundary; 0: as max_transfer.
	 */
	uint32_t max_transfer_contiguous;
	/* The buffer may be registered with io_uring (fixed buffer 0)... */
	bool allow_fixed_buffers;
	/* ...and this turns a prepared SQE into one that uses it. */
	void (*use_fixed)(struct io_uring_sqe *sqe, bool write,
			  unsigned int buf_index);
};

/*
 * Tries of one command whose completions keep saying -EINTR (the kernel
 * cancelled it: a timeout or a controller reset) before it fails with
 * -ETIMEDOUT.
 */
#define RING_CANCELLED_TRIES 4

/* O_DIRECT read(2)/write(2) semantics on files and block devices. */
extern const struct ring_backend ring_backend_block;

/* @be, or the block backend when @be is NULL. */
const struct ring_backend *ring_backend_or_block(const struct ring_backend *be);

/*
 * Set up @ring with @entries entries and @be's flags, with cheaper
 * completions where the kernel has them: DEFER_TASKRUN with
 * SINGLE_ISSUER, else SINGLE_ISSUER with COOP_TASKRUN, else
 * COOP_TASKRUN, else none (each refused with EINVAL by older kernels).
 * The ring may be used only by the task that set it up.  Returns 0 or
 * a negative errno.
 */
int ring_init(struct io_uring *ring, unsigned int entries,
	      const struct ring_backend *be);

/* Which of those setups @ring got: "defer_taskrun", ..., "default". */
const char *ring_setup_name(const struct io_uring *ring);

/*
 * io_uring usable at all (seccomp, kernel.io_uring_disabled, ENOSYS,
 * memlock)?  Sets up a ring with @backend's flags (NULL: block) and
 * completes one no-op.  Returns 0 or the negative errno.
 */
int ring_probe(const struct ring_backend *backend);

/* Why ring_probe() failed, as far as the system tells. */
enum ring_unavailable {
	RING_CAUSE_UNKNOWN, /* see the kernel log */
	RING_DISABLED_ALL, /* kernel.io_uring_disabled = 2 */
	RING_DISABLED_GROUP, /* = 1: root and kernel.io_uring_group only */
	RING_NOT_BUILT, /* ENOSYS: no CONFIG_IO_URING, or seccomp hides it */
	RING_FORBIDDEN, /* EPERM, EACCES: seccomp or a security policy */
	RING_MEMLOCK, /* ENOMEM: the locked-memory limit */
};

/*
 * The cause of ring_probe()'s @err: kernel.io_uring_disabled (under the
 * sysfs root) first, then what the errno says.
 */
enum ring_unavailable ring_unavailable_cause(int err);

/*
 * One transfer through @ring, waited for: the same backend path as the
 * copy, for the synchronous I/O (narrowing, verify, arrival probe).
 * Returns bytes transferred (may be short, 0 at end of file) or a
 * negative errno; *status gets the backend's raw status.  A command the
 * kernel cancelled is tried again up to RING_CANCELLED_TRIES times
 * (then -ETIMEDOUT), but not once *@stop (may be NULL) is raised: then
 * -EINTR.
 */
int ring_io(struct io_uring *ring, const struct ring_backend *be, int fd,
	    const void *ctx, bool write, void *buf, uint32_t len, uint64_t off,
	    uint32_t *status, const volatile sig_atomic_t *stop);

/*
 * Transfer all of @len bytes, in commands the backend takes.  Returns
 * 0, or a negative errno with *failed_at (bytes done before the
 * failure); end of file is -EIO with *eof set.
 */
int ring_io_full(struct io_uring *ring, const struct ring_backend *be, int fd,
		 const void *ctx, bool write, char *buf, uint32_t len,
		 uint64_t off, uint32_t *status, uint32_t *failed_at, bool *eof,
		 const volatile sig_atomic_t *stop);

#endif
