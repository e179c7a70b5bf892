// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * I/O through io_uring and one backend (struct ring_backend): the block
 * backend (O_DIRECT read and write), setting up a ring with the
 * backend's flags, and one transfer waited for.  The pipeline
 * (pipeline.c), verification (verify.c) and the arrival probe
 * (arrival.c) all move data through here, so a backend other than
 * plain block I/O (NVMe passthrough) gets the same guarantees.
 */
#include <errno.h>
#include <liburing.h>

#include "ring.h"
#include "sysfs.h"

static void block_prep(struct io_uring_sqe *sqe, int fd, const void *side_ctx,
		       bool write, void *buf, uint32_t len, uint64_t off)
{
	(void)side_ctx;
	if (write)
		io_uring_prep_write(sqe, fd, buf, len, off);
	else
		io_uring_prep_read(sqe, fd, buf, len, off);
}

static int block_complete(const struct io_uring_cqe *cqe, const void *side_ctx,
			  uint32_t len, uint32_t *status)
{
	(void)side_ctx;
	(void)len;
	(void)status;
	return cqe->res;
}

static void block_use_fixed(struct io_uring_sqe *sqe, bool write,
			    unsigned int buf_index)
{
	/* Same fields as IORING_OP_READ/WRITE, plus the buffer's index. */
	sqe->opcode = write ? IORING_OP_WRITE_FIXED : IORING_OP_READ_FIXED;
	sqe->buf_index = (__u16)buf_index;
}

const struct ring_backend ring_backend_block = {
	.name = "block",
	.prep = block_prep,
	.complete = block_complete,
	.allow_fixed_buffers = true,
	.use_fixed = block_use_fixed,
};

const struct ring_backend *ring_backend_or_block(const struct ring_backend *be)
{
	return be ? be : &ring_backend_block;
}

/*
 * The setups to try, best first.  DEFER_TASKRUN (Linux 6.1, with
 * SINGLE_ISSUER) runs completion work only when this task waits for
 * completions, which it does in io_uring_enter anyway: no interrupting
 * task work while it plants or checks sentinels.  COOP_TASKRUN (5.19)
 * at least avoids the IPI; SINGLE_ISSUER (6.0) lets the kernel skip
 * locking.  A kernel that does not know a flag answers EINVAL.
 */
static const unsigned int ring_setups[] = {
	IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
	IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN,
	IORING_SETUP_COOP_TASKRUN,
	0,
};

int ring_init(struct io_uring *ring, unsigned int entries,
	      const struct ring_backend *be)
{
	size_t i;
	int ret = -EINVAL;

	for (i = 0;
	     i < sizeof(ring_setups) / sizeof(ring_setups[0]) && ret == -EINVAL;
	     i++)
		ret = io_uring_queue_init(entries, ring,
					  be->ring_flags | ring_setups[i]);
	return ret;
}

const char *ring_setup_name(const struct io_uring *ring)
{
	if (ring->flags & IORING_SETUP_DEFER_TASKRUN)
		return "defer_taskrun";
	if (ring->flags & IORING_SETUP_SINGLE_ISSUER)
		return "single_issuer";
	if (ring->flags & IORING_SETUP_COOP_TASKRUN)
		return "coop_taskrun";
	return "default";
}

int ring_probe(const struct ring_backend *backend)
{
	const struct ring_backend *be = backend ? backend : &ring_backend_block;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	int ret;

	ret = ring_init(&ring, 1, be);
	if (ret)
		return ret;
	sqe = io_uring_get_sqe(&ring);
	if (!sqe) {
		io_uring_queue_exit(&ring);
		return -EBUSY;
	}
	io_uring_prep_nop(sqe);
	ret = io_uring_submit_and_wait(&ring, 1);
	/* The count submitted, then 0 once the completion is in hand. */
	if (ret >= 0)
		ret = io_uring_wait_cqe(&ring, &cqe);
	if (!ret) {
		ret = cqe->res < 0 ? cqe->res : 0;
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	return ret;
}

/*
 * One transfer through @ring, waited for: the same backend path as the
 * copy, for the synchronous I/O (narrowing, verify, arrival probe).
 * Returns bytes transferred (may be short, 0 at end of file) or a
 * negative errno; *status gets the backend's raw status.
 */
int ring_io(struct io_uring *ring, const struct ring_backend *be, int fd,
	    const void *ctx, bool write, void *buf, uint32_t len, uint64_t off,
	    uint32_t *status, const volatile sig_atomic_t *stop)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	unsigned int cancelled = 0;
	int ret = 0;

	*status = 0;
	do {
		/* Each try may take the kernel's whole timeout: stop first. */
		if ((ret == -EINTR || ret == -EAGAIN) && stop && *stop)
			return -EINTR;
		if (ret == -EINTR && ++cancelled > RING_CANCELLED_TRIES)
			return -ETIMEDOUT;
		sqe = io_uring_get_sqe(ring);
		if (!sqe)
			return -EBUSY; /* cannot happen: the ring is empty */
		be->prep(sqe, fd, ctx, write, buf, len, off);
		ret = io_uring_submit_and_wait(ring, 1);
		if (ret < 0 && ret != -EINTR)
			return ret;
		do {
			ret = io_uring_wait_cqe(ring, &cqe);
		} while (ret == -EINTR);
		if (ret)
			return ret;
		ret = be->complete(cqe, ctx, len, status);
		io_uring_cqe_seen(ring, cqe);
	} while (ret == -EINTR || ret == -EAGAIN);
	return ret;
}

/*
 * Transfer all of @len bytes, in commands the backend takes.  Returns
 * 0, or a negative errno with *failed_at (bytes done before the
 * failure); end of file is -EIO with *eof set.
 */
int ring_io_full(struct io_uring *ring, const struct ring_backend *be, int fd,
		 const void *ctx, bool write, char *buf, uint32_t len,
		 uint64_t off, uint32_t *status, uint32_t *failed_at, bool *eof,
		 const volatile sig_atomic_t *stop)
{
	uint32_t done = 0, piece;
	int n;

	*eof = false;
	while (done < len) {
		piece = len - done;
		if (be->max_transfer && piece > be->max_transfer)
			piece = be->max_transfer;
		n = ring_io(ring, be, fd, ctx, write, buf + done, piece,
			    off + done, status, stop);
		if (n <= 0) {
			*failed_at = done;
			*eof = n == 0;
			return n ? n : -EIO;
		}
		done += (uint32_t)n;
	}
	return 0;
}

enum ring_unavailable ring_unavailable_cause(int err)
{
	uint64_t disabled;

	if (sysfs_read_u64("/proc/sys/kernel/io_uring_disabled", &disabled))
		disabled = 0;
	if (disabled == 2)
		return RING_DISABLED_ALL;
	if (disabled == 1)
		return RING_DISABLED_GROUP;
	if (err == -ENOSYS)
		return RING_NOT_BUILT;
	if (err == -EPERM || err == -EACCES)
		return RING_FORBIDDEN;
	if (err == -ENOMEM)
		return RING_MEMLOCK;
	return RING_CAUSE_UNKNOWN;
}
