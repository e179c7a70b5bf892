// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Opening a copy for the passthrough engine.
 *
 * Each side's block device is held with O_EXCL for the whole copy: DST
 * by the descriptor p2pcp opened it with, SRC by a second one opened
 * here.  Nobody mounts or claims the namespace while commands bypass
 * the block layer, and what was opened is what gets described (its
 * device number, not the path, leads to sysfs and the char device).  The char device
 * is opened read-only for SRC and read-write for DST, which is what the
 * kernel asks of unprivileged users (Linux 6.2+).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "copy-passthru.h"

static const char *const roles[2] = { "SRC", "DST" };

static int refuse(struct passthru_failure *why, enum passthru_refusal r,
		  int side, int err)
{
	why->why = r;
	why->side = side;
	why->error = err;
	return err ? err : -EINVAL;
}

static int classify_open_error(int err)
{
	if (err == -EACCES || err == -EPERM)
		return PT_ACCESS;
	if (err == -ENOENT)
		return PT_NO_CHARDEV;
	if (err == -ESTALE)
		return PT_CHANGED;
	if (err == -ENODEV)
		return PT_NOT_NVME;
	return PT_OPEN;
}

/* The disk behind the opened block device; it must be what @ep named. */
static int opened_disk(int fd, const struct endpoint *ep,
		       struct disk_info *disk)
{
	struct stat st;
	int ret;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISBLK(st.st_mode) || st.st_rdev != ep->disk.devnum)
		return -ESTALE;
	ret = disk_info_from_devnum(st.st_rdev, disk);
	return ret == -ENOENT ? -ESTALE : ret;
}

static int open_side(struct passthru_session *ps, int side,
		     const struct endpoint *ep, uint64_t offset,
		     uint64_t length, struct passthru_failure *why)
{
	bool write = side == 1;
	struct passthru_ns *ns = &ps->ns[side];
	struct disk_info disk;
	const char *problem;
	int fd, ret;

	if (ep->kind != ENDPOINT_BLOCK)
		return refuse(why, PT_FILE, side, 0);
	if (!ep->have_disk || (ep->disk.kind != DISK_NVME &&
			       ep->disk.kind != DISK_NVME_MULTIPATH))
		return refuse(why, PT_NOT_NVME, side, 0);
	/* DST's own descriptor holds it exclusively already. */
	fd = ep->fd;
	if (!write) {
		fd = open(ep->path, O_RDONLY | O_EXCL | O_CLOEXEC);
		if (fd < 0)
			return refuse(why, errno == EBUSY ? PT_BUSY : PT_OPEN,
				      side, -errno);
		ps->blk_fd[side] = fd;
	}
	ret = opened_disk(fd, ep, &disk);
	if (ret)
		return refuse(why, ret == -ESTALE ? PT_CHANGED : PT_OPEN, side,
			      ret);
	fd = passthru_open(&disk, write, ns);
	snprintf(why->chardev, sizeof(why->chardev), "%s", ns->chardev);
	if (fd < 0)
		return refuse(why, classify_open_error(fd), side, fd);
	ps->chr_fd[side] = fd;
	problem = passthru_format_problem(ns);
	if (problem) {
		why->detail = problem;
		return refuse(why, PT_FORMAT, side, -EMEDIUMTYPE);
	}
	if (write && ns->write_protected)
		return refuse(why, PT_WRITE_PROTECTED, side, -EROFS);
	ret = passthru_check_range(ns, offset, length);
	if (ret)
		return refuse(why, ret == -EINVAL ? PT_UNALIGNED : PT_RANGE,
			      side, ret);
	return 0;
}

void passthru_session_init(struct passthru_session *ps)
{
	memset(ps, 0, sizeof(*ps));
	ps->blk_fd[0] = ps->blk_fd[1] = ps->chr_fd[0] = ps->chr_fd[1] = -1;
}

int passthru_session_open(struct passthru_session *ps,
			  const struct endpoint *src, uint64_t src_offset,
			  const struct endpoint *dst, uint64_t dst_offset,
			  uint64_t length, struct passthru_failure *why)
{
	int ret;

	passthru_session_init(ps);
	memset(why, 0, sizeof(*why));
	ret = open_side(ps, 0, src, src_offset, length, why);
	if (!ret) {
		memset(why, 0, sizeof(*why));
		ret = open_side(ps, 1, dst, dst_offset, length, why);
	}
	if (!ret && passthru_pair_problem(&ps->ns[0], &ps->ns[1], why->pair,
					  sizeof(why->pair))) {
		why->side = 0;
		why->why = PT_FORMAT_PAIR;
		ret = -EMEDIUMTYPE;
	}
	if (!ret)
		ret = passthru_pieces_join(
			&ps->ns[0].pieces, ps->ns[0].lba_size,
			&ps->ns[1].pieces, ps->ns[1].lba_size,
			(uint32_t)sysconf(_SC_PAGESIZE), &ps->pieces);
	if (ret) {
		passthru_session_close(ps);
		return ret;
	}
	passthru_backend_init(&ps->backend, &ps->pieces);
	return 0;
}

int passthru_session_attach(struct passthru_session *ps, void *buf, size_t len)
{
	const struct passthru_ns *src = &ps->ns[0];
	size_t bytes;
	void *meta;

	if (!src->pi_type)
		return 0;
	bytes = (len >> src->lba_shift) * src->metadata_size;
	if (!bytes)
		bytes = src->metadata_size;
	/* Page-aligned: the kernel maps it without a bounce buffer. */
	if (posix_memalign(&meta, (size_t)sysconf(_SC_PAGESIZE), bytes))
		return -ENOMEM;
	memset(meta, 0, bytes);
	free(ps->pi.meta);
	free(ps->pi.counted);
	memset(&ps->pi, 0, sizeof(ps->pi));
	ps->pi.counted = calloc(bytes / src->metadata_size / 8 + 1, 1);
	if (!ps->pi.counted) {
		free(meta);
		return -ENOMEM;
	}
	ps->pi.data = buf;
	ps->pi.data_len = len;
	ps->pi.meta = meta;
	ps->pi.pi_type = src->pi_type;
	ps->ns[0].pi = ps->ns[1].pi = &ps->pi;
	return 0;
}

bool passthru_session_carries_pi(const struct passthru_session *ps)
{
	return ps->pi.meta != NULL;
}

void passthru_session_close(struct passthru_session *ps)
{
	int i;

	free(ps->pi.meta);
	free(ps->pi.counted);
	memset(&ps->pi, 0, sizeof(ps->pi));
	ps->ns[0].pi = ps->ns[1].pi = NULL;

	for (i = 0; i < 2; i++) {
		if (ps->chr_fd[i] >= 0)
			close(ps->chr_fd[i]);
		if (ps->blk_fd[i] >= 0)
			close(ps->blk_fd[i]);
		ps->chr_fd[i] = ps->blk_fd[i] = -1;
	}
}

/* One read of @len bytes of side @i into @buf; fills @why on failure. */
static int preflight_read(const struct passthru_session *ps, int i, void *buf,
			  uint32_t len, uint64_t off,
			  struct passthru_failure *why)
{
	uint32_t status;
	int ret;

	ret = passthru_io_sync(ps->chr_fd[i], &ps->ns[i], false, buf, len, off,
			       &status);
	if (!ret)
		return 0;
	snprintf(why->chardev, sizeof(why->chardev), "%s", ps->ns[i].chardev);
	why->nvme_status = status;
	return refuse(why,
		      !status && (ret == -EACCES || ret == -EPERM) ? PT_ACCESS :
								     PT_IO,
		      i, ret);
}

/*
 * A command of more than one segment gets its data pointer from the
 * kernel as a list in host memory (an SGL segment whenever the
 * controller supports SGLs: Linux 7.3 makes every user command use one,
 * and counts a segment per page of p2pmem), while the data sits in the
 * buffer.  When the buffer is the controller's own CMB, the NVMe
 * specification lets the controller refuse that mix with Invalid Use of
 * Controller Memory Buffer, and QEMU's does.  Userspace cannot ask for
 * anything else (the kernel rejects a passthrough command whose flags
 * choose PRP or SGL), but a command of one page is one segment, which
 * the kernel describes inline in the command itself.
 */
static bool cmb_refuses_lists(const struct passthru_failure *why)
{
	return why->why == PT_IO && (why->nvme_status & PASSTHRU_STATUS_MASK) ==
					    PASSTHRU_STATUS_INVALID_CMB_USE;
}

int passthru_session_preflight(struct passthru_session *ps, void *buf,
			       size_t buf_len, uint64_t src_offset,
			       uint64_t dst_offset, uint64_t length,
			       struct passthru_failure *why)
{
	const uint64_t offs[2] = { src_offset, dst_offset };
	uint32_t page = (uint32_t)sysconf(_SC_PAGESIZE);
	uint32_t lba = ps->ns[0].lba_size > ps->ns[1].lba_size ?
			       ps->ns[0].lba_size :
			       ps->ns[1].lba_size;
	uint64_t len = ps->pieces.contiguous;
	int i, ret;

	/*
	 * Reads, on both sides (nothing is written yet), of a whole piece
	 * where the range and the buffer hold one: a command as large as
	 * the copy's meets the controller's rules for them.
	 */
	if (len > buf_len)
		len = buf_len / lba * lba;
	if (len > length)
		len = length;
	if (len < lba)
		len = lba;
	memset(why, 0, sizeof(*why));
	for (i = 0; i < 2; i++) {
		ret = preflight_read(ps, i, buf, (uint32_t)len, offs[i], why);
		if (!ret)
			continue;
		if (!cmb_refuses_lists(why) || len <= page || lba > page ||
		    preflight_read(ps, i, buf, page, offs[i], why))
			return ret;
		/* One page per command from now on, for both sides. */
		ps->pieces.contiguous = ps->pieces.any = page;
		passthru_backend_init(&ps->backend, &ps->pieces);
		ps->one_page_side = i + 1;
		len = page;
		memset(why, 0, sizeof(*why));
		i = -1; /* both sides again, with one page */
	}
	return 0;
}

void passthru_session_limit_text(const struct passthru_session *ps,
				 bool contiguous, char *buf, size_t len)
{
	const struct passthru_limits *a = &ps->ns[0].limits,
				     *b = &ps->ns[1].limits;

	if (ps->one_page_side) {
		snprintf(
			buf, len,
			"one page per command: %s's controller refused a command of several pages into its own CMB (Invalid Use of Controller Memory Buffer): the kernel describes such a command with a list in host memory; a provider that is neither SRC nor DST avoids this",
			roles[ps->one_page_side - 1]);
		return;
	}
	snprintf(
		buf, len,
		"the controllers' limits (SRC %u KiB and %u segments, DST %u KiB and %u segments per command), %s",
		a->max_hw_bytes / 1024, a->max_segments, b->max_hw_bytes / 1024,
		b->max_segments,
		!contiguous ?
			"one segment per page, the first one possibly partial" :
		ps->ns[0].segment_rule == PASSTHRU_SEGMENTS_JOIN_CONTIGUOUS ?
			"the contiguous p2pmem buffer as one segment (this kernel joins its pages)" :
			"one segment per page of the p2pmem buffer (this kernel does not join them)");
}

static const char *access_text(int side)
{
	if (passthru_have_sys_admin())
		return "the kernel refused the command although this process has CAP_SYS_ADMIN";
	return side ? "NVMe passthrough needs CAP_SYS_ADMIN, or from Linux 6.2 read-write permission on the char device (and commands the controller lists as supported); run as root or grant access to it" :
		      "NVMe passthrough needs CAP_SYS_ADMIN, or from Linux 6.2 read permission on the char device (and commands the controller lists as supported); run as root or grant access to it";
}

/* Failures of opening or using a device that should have worked. */
static void io_failure_text(const struct passthru_failure *f, const char *role,
			    const char *path, char *buf, size_t len)
{
	const char *name = passthru_status_name(f->nvme_status);
	const char *err = strerror(f->error < 0 ? -f->error : f->error);

	if (f->why == PT_ACCESS)
		snprintf(buf, len, "%s %s: /dev/%s: %s: %s", role, path,
			 f->chardev, err, access_text(f->side));
	else if (f->why == PT_CHANGED)
		snprintf(
			buf, len,
			"%s %s changed while p2pcp opened it (the device or its /dev/%s is not the namespace sysfs describes); nothing was written",
			role, path, f->chardev);
	else if (f->why == PT_IO && name)
		snprintf(
			buf, len,
			"%s %s: the first passthrough read failed: %s (NVMe status 0x%x)",
			role, path, name,
			f->nvme_status & PASSTHRU_STATUS_MASK);
	else if (f->why == PT_IO)
		snprintf(buf, len,
			 "%s %s: the first passthrough read failed: %s", role,
			 path, err);
	else
		snprintf(buf, len, "%s %s: cannot open for passthrough: %s",
			 role, path, err);
}

void passthru_failure_text(const struct passthru_failure *f,
			   const struct endpoint *src,
			   const struct endpoint *dst, char *buf, size_t len)
{
	const struct endpoint *ep = f->side ? dst : src;
	const char *role = roles[f->side ? 1 : 0];

	switch (f->why) {
	case PT_FILE:
		snprintf(
			buf, len,
			"%s %s is a file: the passthrough engine copies NVMe namespaces and partitions only; use --engine block for files",
			role, ep->path);
		break;
	case PT_NOT_NVME:
		snprintf(
			buf, len,
			"%s %s is not an NVMe namespace on a PCI controller: the passthrough engine cannot drive it; use --engine block",
			role, ep->path);
		break;
	case PT_NO_CHARDEV:
		snprintf(
			buf, len,
			"%s %s: its NVMe generic char device (/dev/%s) does not exist (Linux 5.13 or later creates it); use --engine block",
			role, ep->path, f->chardev[0] ? f->chardev : "ngXnY");
		break;
	case PT_BUSY:
		snprintf(
			buf, len,
			"%s %s is in use (mounted, or opened exclusively by another program); the passthrough engine needs it to itself: unmount or stop it first",
			role, ep->path);
		break;
	case PT_FORMAT:
		snprintf(buf, len, "%s %s %s; use --engine block", role,
			 ep->path, f->detail);
		break;
	case PT_FORMAT_PAIR:
		snprintf(buf, len, "SRC %s and DST %s: %s; use --engine block",
			 src->path, dst->path, f->pair);
		break;
	case PT_WRITE_PROTECTED:
		snprintf(
			buf, len,
			"DST %s is read-only or its namespace is write-protected; refusing to write to it with passthrough, which would bypass the block device's read-only flag",
			ep->path);
		break;
	case PT_UNALIGNED:
		snprintf(
			buf, len,
			"%s %s: the passthrough engine moves whole logical blocks only, and the range is not a multiple of them",
			role, ep->path);
		break;
	case PT_RANGE:
		snprintf(buf, len,
			 "%s %s: the range runs past the end of the namespace",
			 role, ep->path);
		break;
	default:
		io_failure_text(f, role, ep->path, buf, len);
		break;
	}
}
