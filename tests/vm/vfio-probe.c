/*
 * vfio-probe: ask the kernel's VFIO what it does with one assignment set.
 *
 * Runs inside the test guests of tests/vm/check-kernel.sh (static binary,
 * built on the host with `gcc -static`; only the uapi header linux/vfio.h).
 *
 * Usage: vfio-probe BDF...          probe the set, print one JSON object
 *        vfio-probe --port-type BDF print the PCIe port type (0-10) or "none"
 *
 * For the set given (full BDFs, 0000:01:00.0):
 *   1. each function is moved to vfio-pci the way pcipass does it
 *      (driver_override, unbind, drivers_probe); when it is not bound to
 *      vfio-pci afterwards, the BDF is written to drivers/vfio-pci/bind as
 *      well, whose write returns the probe's errno (EBUSY for an SR-IOV PF
 *      with VFs, EINVAL without an IOMMU group, ...);
 *   2. /dev/vfio/vfio is opened once (one container = one guest), every
 *      group of the set is opened: VFIO_GROUP_GET_STATUS (viable?),
 *      VFIO_GROUP_SET_CONTAINER, then VFIO_SET_IOMMU(VFIO_TYPE1v2_IOMMU)
 *      once (EPERM without interrupt remapping);
 *   3. per function: VFIO_GROUP_GET_DEVICE_FD, VFIO_DEVICE_GET_INFO
 *      (VFIO_DEVICE_FLAGS_RESET), VFIO_DEVICE_GET_REGION_INFO for BARs 0-5
 *      (size, flags, sparse mmap areas), VFIO_DEVICE_GET_PCI_HOT_RESET_INFO
 *      (devices and groups, or the errno);
 *   4. per function: VFIO_DEVICE_PCI_HOT_RESET with exactly the group fds
 *      that its hot reset info names, when every one of those groups is
 *      open in this set; otherwise "attempted": false and why;
 *   5. every fd is closed and each function goes back to the driver (and
 *      driver_override) it had before; "restored" says whether it did.
 *
 * Errnos are printed by name ("EBUSY"); null means success.  The JSON is
 * written by hand: every string printed is a BDF, a driver name or a fixed
 * word, escaped anyway.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/vfio.h>

#define MAXF 64
#define MAXG 64
#define SYSPCI "/sys/bus/pci"

struct func {
	char bdf[32];
	char orig_driver[64];     /* "" = none */
	char orig_override[64];   /* "" = none */
	int group;                /* -1 = no iommu_group link */
	bool was_vfio;
	int override_err, unbind_err, probe_err, bind_err; /* 0 or errno */
	char driver_after[64];
	bool bound;
	int devfd, devfd_err;
	struct vfio_device_info info;
	int info_err;
	struct {
		int err;
		__u64 size;
		__u32 flags;
		int nsparse;
		struct { __u64 off, size; } sparse[8];
	} region[6];
	int hri_err;
	int hri_count;
	struct vfio_pci_dependent_device *hri_dev;
	bool hr_attempted;
	const char *hr_why;
	int hr_err;
	bool restored;
	char driver_restored[64];
};

struct group {
	int id;
	int fd, open_err;
	bool noiommu;             /* opened as /dev/vfio/noiommu-N */
	struct vfio_group_status status;
	int status_err;
	int set_container_err;
};

static struct func funcs[MAXF];
static int nfuncs;
static struct group groups[MAXG];
static int ngroups;

static const char *ename(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case ENXIO: return "ENXIO";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ENOTTY: return "ENOTTY";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOSYS: return "ENOSYS";
	default: {
		static char buf[32];
		snprintf(buf, sizeof(buf), "E%d", e);
		return buf;
	}
	}
}

/* JSON helpers: a string, an errno (null for 0), a bool. */
static void jstr(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}
static void jstr_or_null(const char *s)
{
	if (s && *s)
		jstr(s);
	else
		fputs("null", stdout);
}
static void jerr(int e)
{
	if (e)
		jstr(ename(e));
	else
		fputs("null", stdout);
}
static const char *jbool(bool b) { return b ? "true" : "false"; }

/* Write S to PATH in one write(); 0 or the errno of open/write. */
static int write_attr(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	ssize_t n = write(fd, s, strlen(s));
	int e = n < 0 ? errno : 0;
	close(fd);
	return e;
}

/* Read PATH's first line into BUF (newline stripped); "" when unreadable. */
static void read_line(const char *path, char *buf, size_t len)
{
	buf[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/* Basename of the symlink SYSPCI/devices/BDF/NAME; "" when absent. */
static void link_base(const char *bdf, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	buf[0] = '\0';
	snprintf(path, sizeof(path), SYSPCI "/devices/%s/%s", bdf, name);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return;
	target[n] = '\0';
	const char *b = strrchr(target, '/');
	snprintf(buf, len, "%s", b ? b + 1 : target);
}

static void dev_path(char *buf, size_t len, const char *bdf, const char *attr)
{
	snprintf(buf, len, SYSPCI "/devices/%s/%s", bdf, attr);
}

/* --port-type: walk the capability list of config space. */
static int port_type(const char *bdf)
{
	char path[PATH_MAX];
	unsigned char cfg[256];
	dev_path(path, sizeof(path), bdf, "config");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -2;
	ssize_t n = read(fd, cfg, sizeof(cfg));
	close(fd);
	if (n < 64 || !(cfg[6] & 0x10)) /* status: capability list */
		return -1;
	int pos = cfg[0x34] & 0xfc, guard = 48;
	while (pos >= 0x40 && pos + 4 <= n && guard--) {
		if (cfg[pos] == 0x10) /* PCI Express */
			return (cfg[pos + 2] >> 4) & 0xf;
		pos = cfg[pos + 1] & 0xfc;
	}
	return -1;
}

static void bind_one(struct func *f)
{
	char path[PATH_MAX];

	f->group = -1;
	link_base(f->bdf, "driver", f->orig_driver, sizeof(f->orig_driver));
	dev_path(path, sizeof(path), f->bdf, "driver_override");
	read_line(path, f->orig_override, sizeof(f->orig_override));
	if (!strcmp(f->orig_override, "(null)"))
		f->orig_override[0] = '\0';
	char g[32];
	link_base(f->bdf, "iommu_group", g, sizeof(g));
	if (g[0])
		f->group = atoi(g);
	f->was_vfio = !strcmp(f->orig_driver, "vfio-pci");

	if (!f->was_vfio) {
		f->override_err = write_attr(path, "vfio-pci");
		if (f->orig_driver[0]) {
			dev_path(path, sizeof(path), f->bdf, "driver/unbind");
			f->unbind_err = write_attr(path, f->bdf);
		}
		f->probe_err = write_attr(SYSPCI "/drivers_probe", f->bdf);
	}
	link_base(f->bdf, "driver", f->driver_after, sizeof(f->driver_after));
	if (strcmp(f->driver_after, "vfio-pci") && !f->driver_after[0]) {
		/* The bind file returns what the probe returned. */
		f->bind_err = write_attr(SYSPCI "/drivers/vfio-pci/bind", f->bdf);
		link_base(f->bdf, "driver", f->driver_after, sizeof(f->driver_after));
	}
	f->bound = !strcmp(f->driver_after, "vfio-pci");
	if (f->group < 0) { /* vfio's no-IOMMU groups are made by the bind */
		link_base(f->bdf, "iommu_group", g, sizeof(g));
		if (g[0])
			f->group = atoi(g);
	}
	if (!f->bound && !f->bind_err)
		f->bind_err = f->driver_after[0] ? EBUSY : ENODEV;
}

static void restore_one(struct func *f)
{
	char path[PATH_MAX];
	char now[64];

	if (!f->was_vfio) {
		dev_path(path, sizeof(path), f->bdf, "driver_override");
		write_attr(path, f->orig_override[0] ? f->orig_override : "\n");
		link_base(f->bdf, "driver", now, sizeof(now));
		if (!strcmp(now, "vfio-pci")) {
			write_attr(SYSPCI "/drivers/vfio-pci/unbind", f->bdf);
			now[0] = '\0';
		}
		/* Unbound: after vfio-pci, or after a refused bind. */
		if (!now[0] && f->orig_driver[0])
			write_attr(SYSPCI "/drivers_probe", f->bdf);
	}
	link_base(f->bdf, "driver", f->driver_restored, sizeof(f->driver_restored));
	f->restored = !strcmp(f->driver_restored, f->orig_driver);
}

static struct group *find_group(int id)
{
	for (int i = 0; i < ngroups; i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

static void regions(struct func *f)
{
	for (unsigned i = 0; i < 6; i++) {
		struct vfio_region_info *ri = calloc(1, sizeof(*ri));
		ri->argsz = sizeof(*ri);
		ri->index = VFIO_PCI_BAR0_REGION_INDEX + i;
		if (ioctl(f->devfd, VFIO_DEVICE_GET_REGION_INFO, ri) < 0) {
			f->region[i].err = errno;
			free(ri);
			continue;
		}
		if (ri->argsz > sizeof(*ri)) { /* capabilities follow: ask again */
			__u32 sz = ri->argsz;
			ri = realloc(ri, sz);
			memset(ri, 0, sz);
			ri->argsz = sz;
			ri->index = VFIO_PCI_BAR0_REGION_INDEX + i;
			if (ioctl(f->devfd, VFIO_DEVICE_GET_REGION_INFO, ri) < 0) {
				f->region[i].err = errno;
				free(ri);
				continue;
			}
		}
		f->region[i].size = ri->size;
		f->region[i].flags = ri->flags;
		if ((ri->flags & VFIO_REGION_INFO_FLAG_CAPS) && ri->cap_offset) {
			__u32 off = ri->cap_offset;
			int guard = 16;
			while (off && off + sizeof(struct vfio_info_cap_header) <= ri->argsz && guard--) {
				struct vfio_info_cap_header *h = (void *)((char *)ri + off);
				if (h->id == VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
					struct vfio_region_info_cap_sparse_mmap *sp = (void *)h;
					for (__u32 a = 0; a < sp->nr_areas && f->region[i].nsparse < 8; a++) {
						int k = f->region[i].nsparse++;
						f->region[i].sparse[k].off = sp->areas[a].offset;
						f->region[i].sparse[k].size = sp->areas[a].size;
					}
				}
				off = h->next;
			}
		}
		free(ri);
	}
}

static void hot_reset_info(struct func *f)
{
	struct vfio_pci_hot_reset_info *hi = calloc(1, sizeof(*hi));
	hi->argsz = sizeof(*hi);
	int r = ioctl(f->devfd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, hi);
	if (r < 0 && errno == ENOSPC && hi->count > 0) {
		__u32 count = hi->count;
		size_t sz = sizeof(*hi) + count * sizeof(struct vfio_pci_dependent_device);
		hi = realloc(hi, sz);
		memset(hi, 0, sz);
		hi->argsz = sz;
		r = ioctl(f->devfd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, hi);
	}
	if (r < 0) {
		f->hri_err = errno;
		free(hi);
		return;
	}
	f->hri_count = hi->count;
	f->hri_dev = calloc(hi->count ? hi->count : 1, sizeof(*f->hri_dev));
	memcpy(f->hri_dev, hi->devices, hi->count * sizeof(*f->hri_dev));
	free(hi);
}

static void hot_reset(struct func *f)
{
	int fds[MAXG], nfds = 0;
	static char why[128];

	f->hr_attempted = false;
	if (f->devfd < 0) {
		f->hr_why = "no device fd";
		return;
	}
	if (f->hri_err) {
		f->hr_why = "no hot reset info";
		return;
	}
	for (int i = 0; i < f->hri_count; i++) {
		__u32 gid = f->hri_dev[i].group_id;
		struct group *g = find_group((int)gid);
		if (!g || g->fd < 0) {
			snprintf(why, sizeof(why), "group %u is not open in this set", gid);
			f->hr_why = strdup(why);
			return;
		}
		bool dup = false;
		for (int k = 0; k < nfds; k++)
			dup |= fds[k] == g->fd;
		if (!dup && nfds < MAXG)
			fds[nfds++] = g->fd;
	}
	if (!nfds) {
		f->hr_why = "hot reset info names no group";
		return;
	}
	size_t sz = sizeof(struct vfio_pci_hot_reset) + nfds * sizeof(__s32);
	struct vfio_pci_hot_reset *hr = calloc(1, sz);
	hr->argsz = sz;
	hr->count = nfds;
	for (int k = 0; k < nfds; k++)
		hr->group_fds[k] = fds[k];
	f->hr_attempted = true;
	f->hr_err = ioctl(f->devfd, VFIO_DEVICE_PCI_HOT_RESET, hr) < 0 ? errno : 0;
	free(hr);
}

static void print_json(int container_err, bool iommu_tried, int set_iommu_err, bool any_group_attached)
{
	printf("{\"set\":[");
	for (int i = 0; i < nfuncs; i++)
		printf("%s\"%s\"", i ? "," : "", funcs[i].bdf);
	printf("],\"container_errno\":");
	jerr(container_err);
	printf(",\"set_iommu\":{\"attempted\":%s,\"errno\":", jbool(iommu_tried));
	jerr(set_iommu_err);
	printf("},\"groups\":[");
	for (int i = 0; i < ngroups; i++) {
		struct group *g = &groups[i];
		printf("%s{\"id\":%d,\"noiommu\":%s,\"open_errno\":", i ? "," : "", g->id, jbool(g->noiommu));
		jerr(g->open_err);
		printf(",\"status_errno\":");
		jerr(g->status_err);
		printf(",\"viable\":%s,\"set_container_errno\":",
		       jbool(!g->open_err && !g->status_err && (g->status.flags & VFIO_GROUP_FLAGS_VIABLE)));
		jerr(g->set_container_err);
		printf("}");
	}
	printf("],\"any_group_attached\":%s,\"functions\":[", jbool(any_group_attached));
	for (int i = 0; i < nfuncs; i++) {
		struct func *f = &funcs[i];
		printf("%s{\"bdf\":\"%s\",\"orig_driver\":", i ? "," : "", f->bdf);
		jstr_or_null(f->orig_driver);
		printf(",\"orig_driver_override\":");
		jstr_or_null(f->orig_override);
		printf(",\"group\":");
		if (f->group >= 0)
			printf("%d", f->group);
		else
			fputs("null", stdout);
		printf(",\"bind\":{\"override_errno\":");
		jerr(f->override_err);
		printf(",\"unbind_errno\":");
		jerr(f->unbind_err);
		printf(",\"drivers_probe_errno\":");
		jerr(f->probe_err);
		printf(",\"bind_errno\":");
		jerr(f->bind_err);
		printf(",\"driver\":");
		jstr_or_null(f->driver_after);
		printf(",\"bound\":%s},\"device_fd_errno\":", jbool(f->bound));
		jerr(f->devfd_err);
		if (f->devfd >= 0 || f->info_err) {
			printf(",\"info_errno\":");
			jerr(f->info_err);
		}
		if (f->devfd >= 0 && !f->info_err) {
			printf(",\"flags\":%u,\"reset\":%s,\"num_regions\":%u,\"num_irqs\":%u",
			       f->info.flags, jbool(f->info.flags & VFIO_DEVICE_FLAGS_RESET),
			       f->info.num_regions, f->info.num_irqs);
			printf(",\"regions\":[");
			for (int r = 0; r < 6; r++) {
				printf("%s{\"index\":%d,\"errno\":", r ? "," : "", r);
				jerr(f->region[r].err);
				printf(",\"size\":%llu,\"flags\":%u,\"mmap\":%s,\"sparse\":[",
				       (unsigned long long)f->region[r].size, f->region[r].flags,
				       jbool(f->region[r].flags & VFIO_REGION_INFO_FLAG_MMAP));
				for (int k = 0; k < f->region[r].nsparse; k++)
					printf("%s{\"offset\":%llu,\"size\":%llu}", k ? "," : "",
					       (unsigned long long)f->region[r].sparse[k].off,
					       (unsigned long long)f->region[r].sparse[k].size);
				printf("]}");
			}
			printf("],\"hot_reset_info\":{\"errno\":");
			jerr(f->hri_err);
			printf(",\"devices\":[");
			for (int k = 0; k < f->hri_count; k++) {
				struct vfio_pci_dependent_device *d = &f->hri_dev[k];
				printf("%s{\"bdf\":\"%04x:%02x:%02x.%x\",\"group\":%u}", k ? "," : "",
				       d->segment, d->bus, d->devfn >> 3, d->devfn & 7, d->group_id);
			}
			printf("]},\"hot_reset\":{\"attempted\":%s,\"errno\":", jbool(f->hr_attempted));
			jerr(f->hr_attempted ? f->hr_err : 0);
			printf(",\"why_not\":");
			jstr_or_null(f->hr_attempted ? NULL : f->hr_why);
			printf("}");
		}
		printf(",\"restored\":%s,\"driver_restored\":", jbool(f->restored));
		jstr_or_null(f->driver_restored);
		printf("}");
	}
	printf("]}\n");
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--port-type")) {
		int t = port_type(argv[2]);
		if (t == -2)
			return 1;
		if (t < 0)
			puts("none");
		else
			printf("%d\n", t);
		return 0;
	}
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: vfio-probe BDF... | vfio-probe --port-type BDF\n");
		return 2;
	}
	for (int i = 1; i < argc && nfuncs < MAXF; i++) {
		struct func *f = &funcs[nfuncs++];
		snprintf(f->bdf, sizeof(f->bdf), "%s", argv[i]);
		f->devfd = -1;
	}

	/* 1. bind */
	for (int i = 0; i < nfuncs; i++)
		bind_one(&funcs[i]);

	/* 2. container, groups, IOMMU */
	int container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	int container_err = container < 0 ? errno : 0;
	for (int i = 0; i < nfuncs; i++) {
		if (funcs[i].group < 0 || find_group(funcs[i].group) || ngroups >= MAXG)
			continue;
		struct group *g = &groups[ngroups++];
		char path[64];
		g->id = funcs[i].group;
		snprintf(path, sizeof(path), "/dev/vfio/%d", g->id);
		g->fd = open(path, O_RDWR | O_CLOEXEC);
		if (g->fd < 0) {
			/* vfio's no-IOMMU groups are /dev/vfio/noiommu-N */
			snprintf(path, sizeof(path), "/dev/vfio/noiommu-%d", g->id);
			g->fd = open(path, O_RDWR | O_CLOEXEC);
			g->noiommu = g->fd >= 0;
		}
		if (g->fd < 0) {
			g->open_err = errno;
			continue;
		}
		g->status.argsz = sizeof(g->status);
		if (ioctl(g->fd, VFIO_GROUP_GET_STATUS, &g->status) < 0)
			g->status_err = errno;
	}
	bool any_attached = false, iommu_tried = false, iommu_ok = false;
	int set_iommu_err = 0;
	for (int i = 0; i < ngroups && container >= 0; i++) {
		struct group *g = &groups[i];
		if (g->fd < 0)
			continue;
		if (ioctl(g->fd, VFIO_GROUP_SET_CONTAINER, &container) < 0)
			g->set_container_err = errno;
		else
			any_attached = true;
	}
	if (any_attached) {
		iommu_tried = true;
		if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0)
			set_iommu_err = errno;
		else
			iommu_ok = true;
	}

	/* 3. devices */
	for (int i = 0; i < nfuncs; i++) {
		struct func *f = &funcs[i];
		struct group *g = f->group >= 0 ? find_group(f->group) : NULL;
		if (!g || g->fd < 0 || g->set_container_err || !iommu_ok) {
			f->devfd_err = !g ? ENODEV : g->fd < 0 ? g->open_err
				     : g->set_container_err ? g->set_container_err : set_iommu_err ? set_iommu_err : EINVAL;
			continue;
		}
		f->devfd = ioctl(g->fd, VFIO_GROUP_GET_DEVICE_FD, f->bdf);
		if (f->devfd < 0) {
			f->devfd_err = errno;
			continue;
		}
		f->info.argsz = sizeof(f->info);
		if (ioctl(f->devfd, VFIO_DEVICE_GET_INFO, &f->info) < 0) {
			f->info_err = errno;
			continue;
		}
		regions(f);
		hot_reset_info(f);
	}

	/* 4. hot resets, each with exactly the groups its info names */
	for (int i = 0; i < nfuncs; i++)
		if (funcs[i].devfd >= 0 && !funcs[i].info_err)
			hot_reset(&funcs[i]);

	/* 5. let go, give the functions back */
	for (int i = 0; i < nfuncs; i++)
		if (funcs[i].devfd >= 0)
			close(funcs[i].devfd);
	for (int i = 0; i < ngroups; i++) {
		if (groups[i].fd >= 0) {
			if (!groups[i].set_container_err)
				ioctl(groups[i].fd, VFIO_GROUP_UNSET_CONTAINER);
			close(groups[i].fd);
		}
	}
	if (container >= 0)
		close(container);
	for (int i = 0; i < nfuncs; i++)
		restore_one(&funcs[i]);

	print_json(container_err, iommu_tried, set_iommu_err, any_attached);
	return 0;
}
