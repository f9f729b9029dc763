/*
 * The topology core: reads the (rooted) sysfs tree once and builds the
 * model every command renders or judges.  Nothing here decides whether a
 * device can be assigned; that is checks.c.  A function with a broken or
 * missing attribute is still in the model, with that field unknown and the
 * attribute named in f->unreadable.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pci/pci.h>

#include "model.h"
#include "state.h"

#define CONFIG_SPACE_MAX 4096
#define CONFIG_SPACE_USER 64	/* what a non-root reader gets */
#define IORESOURCE_IO 0x00000100
#define IORESOURCE_MEM 0x00000200
#define IORESOURCE_PREFETCH 0x00002000
#define IFF_UP_FLAG 0x1

/*
 * libpci reports errors through a callback that must not return.  We use
 * it only on data we already validated, but a hostile snapshot must not
 * end the run, so the callback jumps back to the call that failed.
 */
static jmp_buf *libpci_guard;
static char libpci_last_error[256];

static void libpci_error(char *msg, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void libpci_error(char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	vsnprintf(libpci_last_error, sizeof(libpci_last_error), msg, ap);
	va_end(ap);
	if (libpci_guard)
		longjmp(*libpci_guard, 1);
	pp_error("libpci: %s", libpci_last_error);
	exit(PP_EXIT_ERROR);
}

static void libpci_quiet(char *msg, ...)
{
	(void)msg;
}

/* ---- attribute helpers, relative to a function's canonical dir ------ */

static char *fn_path(const struct pp_function *f, const char *attr)
{
	return xasprintf("%s/%s", f->sysfs_dir, attr);
}

static bool fn_read(struct pp_model *m, struct pp_function *f, const char *attr,
		    char *buf, size_t size, bool note_missing)
{
	char *p = fn_path(f, attr);
	ssize_t n = root_read_attr(m->root, p, buf, size);

	free(p);
	if (n < 0 && (note_missing || errno != ENOENT))
		strv_push(&f->unreadable, attr);
	return n >= 0;
}

/* A hex attribute such as "0x8086"; -1 when missing or malformed. */
static long fn_read_hex(struct pp_model *m, struct pp_function *f, const char *attr, long max)
{
	char buf[64], *end;
	long v;

	if (!fn_read(m, f, attr, buf, sizeof(buf), true))
		return -1;
	errno = 0;
	v = strtol(buf, &end, 16);
	if (errno || end == buf || *end || v < 0 || v > max) {
		strv_push(&f->unreadable, attr);
		return -1;
	}
	return v;
}

static bool fn_exists(struct pp_model *m, const struct pp_function *f, const char *attr)
{
	char *p = fn_path(f, attr);
	bool e = root_exists(m->root, p);

	free(p);
	return e;
}

static char *fn_link(struct pp_model *m, struct pp_function *f, const char *attr)
{
	char *p = fn_path(f, attr), *base;

	base = root_link_basename(m->root, p);
	/* Missing is an answer (unbound, no group); a dangling link is damage. */
	if (!base && (errno != ENOENT || root_lexists(m->root, p)))
		strv_push(&f->unreadable, attr);
	free(p);
	return base;
}

/* ---- the resource file: one "start end flags" line per resource ------ */

/* "0x00000000fe000000 0x00000000fe7fffff 0x0000000000042208": three hex numbers. */
static bool parse_resource_line(const char *line, unsigned long long *start,
				unsigned long long *end, unsigned long long *flags)
{
	unsigned long long *out[3] = { start, end, flags };
	const char *p = line;

	for (int i = 0; i < 3; i++) {
		char *stop;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!isxdigit((unsigned char)*p))
			return false;
		errno = 0;
		*out[i] = strtoull(p, &stop, 16);
		if (errno || stop == p)
			return false;
		p = stop;
	}
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	return *p == '\0';
}

static void parse_resources(struct pp_model *m, struct pp_function *f)
{
	char *p = fn_path(f, "resource");
	size_t len;
	char *text = root_read_file(m->root, p, 64 * 1024, &len), *line, *save;
	int index = 0;

	free(p);
	if (!text) {
		if (errno != ENOENT)
			strv_push(&f->unreadable, "resource");
		return;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), index++) {
		unsigned long long start, end, flags;
		struct pp_bar *b;

		if (!parse_resource_line(line, &start, &end, &flags)) {
			strv_push(&f->unreadable, "resource");
			break;
		}
		if (start == 0 && end == 0)
			continue;
		if (end < start) {
			/* The kernel never prints an inverted range: the file is damaged. */
			if (!strv_contains(&f->unreadable, "resource"))
				strv_push(&f->unreadable, "resource");
			continue;
		}
		if (!(flags & (IORESOURCE_IO | IORESOURCE_MEM)))
			continue;
		f->bars = xrealloc(f->bars, (f->n_bars + 1) * sizeof(*f->bars));
		b = &f->bars[f->n_bars++];
		b->index = index;
		b->start = start;
		b->end = end;
		b->flags = flags;
		b->kind = flags & IORESOURCE_IO ? PP_BAR_IO
			: flags & IORESOURCE_PREFETCH ? PP_BAR_MEM_PREFETCH : PP_BAR_MEM;
	}
	free(text);
}

/* ---- config space, decoded by libpci from a cache we filled ---------- */

static void read_config(struct pp_model *m, struct pp_function *f, struct pci_dev *d)
{
	char *p = fn_path(f, "config");
	size_t len = 0;
	char *raw = root_read_file(m->root, p, CONFIG_SPACE_MAX, &len);
	u8 *cache;
	jmp_buf guard;
	struct pci_cap *cap;

	free(p);
	f->has_flr = f->has_af_flr = f->has_pm = f->pm_no_soft_reset = f->has_acs = PP_UNKNOWN;
	if (!raw || len < CONFIG_SPACE_USER) {
		strv_push(&f->unreadable, "config");
		free(raw);
		return;
	}
	f->config_len = len;
	f->config_limited = len <= CONFIG_SPACE_USER;

	/*
	 * Hand libpci a full-size cache padded with 0xff (what absent config
	 * space reads as), so it never opens sysfs files itself: every byte
	 * it decodes came through the rooted reader above.
	 */
	cache = xmalloc(CONFIG_SPACE_MAX);
	memset(cache, 0xff, CONFIG_SPACE_MAX);
	memcpy(cache, raw, len);
	free(raw);
	pci_setup_cache(d, cache, CONFIG_SPACE_MAX);

	f->header_type = cache[PCI_HEADER_TYPE] & 0x7f;
	f->multifunction = cache[PCI_HEADER_TYPE] & 0x80;
	if (f->header_type == PCI_HEADER_TYPE_BRIDGE) {
		f->secondary_bus = cache[PCI_SECONDARY_BUS];
		f->subordinate_bus = cache[PCI_SUBORDINATE_BUS];
	}
	if (f->config_limited)
		return;

	libpci_guard = &guard;
	if (setjmp(guard)) {
		libpci_guard = NULL;
		strv_push(&f->unreadable, "config");
		return;
	}
	pci_fill_info(d, PCI_FILL_CAPS | PCI_FILL_EXT_CAPS);
	libpci_guard = NULL;

	cap = pci_find_cap(d, PCI_CAP_ID_EXP, PCI_CAP_NORMAL);
	if (cap) {
		u16 flags = pci_read_word(d, cap->addr + PCI_EXP_FLAGS);
		u32 devcap = pci_read_long(d, cap->addr + PCI_EXP_DEVCAP);

		f->is_pcie = PP_YES;
		f->port = (enum pp_port)((flags & PCI_EXP_FLAGS_TYPE) >> 4);
		f->has_flr = devcap & PCI_EXP_DEVCAP_FLRESET ? PP_YES : PP_NO;
	} else {
		f->is_pcie = PP_NO;
		f->port = PP_PORT_CONVENTIONAL;
		f->has_flr = PP_NO;
	}
	cap = pci_find_cap(d, PCI_CAP_ID_AF, PCI_CAP_NORMAL);
	if (cap) {
		u8 afcap = pci_read_byte(d, cap->addr + PCI_AF_CAP);
		f->has_af_flr = (afcap & PCI_AF_CAP_TP) && (afcap & PCI_AF_CAP_FLR) ? PP_YES : PP_NO;
	} else {
		f->has_af_flr = PP_NO;
	}
	cap = pci_find_cap(d, PCI_CAP_ID_PM, PCI_CAP_NORMAL);
	f->has_pm = cap ? PP_YES : PP_NO;
	if (cap)
		f->pm_no_soft_reset = pci_read_word(d, cap->addr + PCI_PM_CTRL) & PCI_PM_CTRL_NO_SOFT_RST
			? PP_YES : PP_NO;
	cap = pci_find_cap(d, PCI_EXT_CAP_ID_ACS, PCI_CAP_EXTENDED);
	f->has_acs = cap ? PP_YES : PP_NO;
	if (cap)
		f->acs_ctrl = pci_read_word(d, cap->addr + PCI_ACS_CTRL);
	f->has_sriov_cap = pci_find_cap(d, PCI_EXT_CAP_ID_SRIOV, PCI_CAP_EXTENDED) != NULL;
}

/* Everything needed is decoded; 4 KiB a function adds up on big hosts. */
static void drop_config(struct pci_dev *d)
{
	u8 *cache = d->cache;

	pci_setup_cache(d, NULL, 0);
	free(cache);
}

/*
 * Names for JSON are plain (NULL when pci.ids does not know the id); the
 * display strings for text follow -n/-nn and read exactly as lspci's do.
 */
static void lookup_names(struct pp_model *m, struct pp_function *f, int numeric)
{
	char buf[256], *s;
	int display = numeric >= 2 ? PCI_LOOKUP_MIXED : numeric == 1 ? PCI_LOOKUP_NUMERIC : 0;

	if (f->vendor_id >= 0) {
		s = pci_lookup_name(m->pacc, buf, sizeof(buf), PCI_LOOKUP_VENDOR | PCI_LOOKUP_NO_NUMBERS,
				    f->vendor_id);
		f->vendor_name = xstrdup(s);
		if (f->device_id >= 0) {
			s = pci_lookup_name(m->pacc, buf, sizeof(buf), PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS,
					    f->vendor_id, f->device_id);
			f->device_name = xstrdup(s);
			s = pci_lookup_name(m->pacc, buf, sizeof(buf), PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE | display,
					    f->vendor_id, f->device_id);
			f->display_device = xstrdup(s);
		}
	}
	if (f->class_code >= 0) {
		s = pci_lookup_name(m->pacc, buf, sizeof(buf), PCI_LOOKUP_CLASS | PCI_LOOKUP_NO_NUMBERS,
				    (int)(f->class_code >> 8));
		f->class_name = xstrdup(s);
		s = pci_lookup_name(m->pacc, buf, sizeof(buf), PCI_LOOKUP_CLASS | display, (int)(f->class_code >> 8));
		f->display_class = xstrdup(s);
	}
}

/*
 * The ids live in the first 64 bytes of config space, which even a
 * non-root reader gets; the sysfs attributes are the fallback when config
 * is missing or short.  Either way libpci gets them as known fields, so
 * selectors never make it read sysfs behind our back.
 */
static void read_identity(struct pp_model *m, struct pp_function *f, struct pci_dev *d)
{
	if (f->config_len >= CONFIG_SPACE_USER) {
		const u8 *c = d->cache;

		f->vendor_id = c[PCI_VENDOR_ID] | c[PCI_VENDOR_ID + 1] << 8;
		f->device_id = c[PCI_DEVICE_ID] | c[PCI_DEVICE_ID + 1] << 8;
		/* SR-IOV VFs read 0xffff there (the ids live in the PF's SR-IOV
		 * cap); the kernel's attributes carry the real ones. */
		if (f->vendor_id == 0xffff || f->device_id == 0xffff) {
			f->vendor_id = (int)fn_read_hex(m, f, "vendor", 0xffff);
			f->device_id = (int)fn_read_hex(m, f, "device", 0xffff);
		}
		f->class_code = (long)c[PCI_CLASS_PROG] | (long)c[PCI_CLASS_DEVICE] << 8 |
				(long)c[PCI_CLASS_DEVICE + 1] << 16;
		f->revision = c[PCI_REVISION_ID];
		if (f->header_type == PCI_HEADER_TYPE_NORMAL) {
			f->subsys_vendor_id = c[PCI_SUBSYSTEM_VENDOR_ID] | c[PCI_SUBSYSTEM_VENDOR_ID + 1] << 8;
			f->subsys_device_id = c[PCI_SUBSYSTEM_ID] | c[PCI_SUBSYSTEM_ID + 1] << 8;
		} else {
			f->subsys_vendor_id = (int)fn_read_hex(m, f, "subsystem_vendor", 0xffff);
			f->subsys_device_id = (int)fn_read_hex(m, f, "subsystem_device", 0xffff);
		}
	} else {
		f->vendor_id = (int)fn_read_hex(m, f, "vendor", 0xffff);
		f->device_id = (int)fn_read_hex(m, f, "device", 0xffff);
		f->subsys_vendor_id = (int)fn_read_hex(m, f, "subsystem_vendor", 0xffff);
		f->subsys_device_id = (int)fn_read_hex(m, f, "subsystem_device", 0xffff);
		f->class_code = fn_read_hex(m, f, "class", 0xffffff);
		f->revision = (int)fn_read_hex(m, f, "revision", 0xff);
	}
	d->vendor_id = (u16)(f->vendor_id < 0 ? 0xffff : f->vendor_id);
	d->device_id = (u16)(f->device_id < 0 ? 0xffff : f->device_id);
	d->device_class = (u16)(f->class_code < 0 ? 0xffff : f->class_code >> 8);
	d->prog_if = (u8)(f->class_code < 0 ? 0xff : f->class_code & 0xff);
	d->rev_id = (u8)(f->revision < 0 ? 0 : f->revision);
	d->known_fields |= PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_CLASS_EXT;
}

static void read_function(struct pp_model *m, struct pp_function *f, int numeric)
{
	char buf[4096];
	long v;
	struct pci_dev *d;

	f->header_type = -1;
	f->secondary_bus = f->subordinate_bus = -1;
	f->iommu_group = -1;
	f->boot_vga = -1;
	f->port = PP_PORT_UNKNOWN;
	f->is_pcie = PP_UNKNOWN;

	d = pci_get_dev(m->pacc, (int)f->addr.domain, (int)f->addr.bus, (int)f->addr.dev, (int)f->addr.fn);
	f->pdev = d;
	read_config(m, f, d);
	read_identity(m, f, d);
	drop_config(d);
	if (f->is_pcie == PP_UNKNOWN) {
		/* Without config space, sysfs shows link attributes only for PCIe. */
		f->is_pcie = fn_exists(m, f, "current_link_speed") ? PP_YES : PP_NO;
		if (f->is_pcie == PP_NO && f->config_limited)
			f->port = PP_PORT_CONVENTIONAL;
	}

	f->driver = fn_link(m, f, "driver");
	if (fn_read(m, f, "driver_override", buf, sizeof(buf), false)) {
		f->has_driver_override_attr = true;
		if (buf[0] && strcmp(buf, "(null)") != 0)
			f->driver_override = xstrdup(buf);
	}
	{
		char *group = fn_link(m, f, "iommu_group"), *end;
		if (group) {
			errno = 0;
			v = strtol(group, &end, 10);
			if (errno || end == group || *end || v < 0 || v > 0x7fffffff)
				strv_push(&f->unreadable, "iommu_group");
			else
				f->iommu_group = (int)v;
			free(group);
		}
	}
	if (fn_read(m, f, "reset_method", buf, sizeof(buf), false)) {
		char *tok, *save;

		f->has_reset_method_attr = true;
		for (tok = strtok_r(buf, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save))
			if (valid_driver_name(tok) && !strv_contains(&f->reset_methods, tok))
				strv_push(&f->reset_methods, tok);
	}
	f->has_reset_attr = fn_exists(m, f, "reset");
	/* The kernel shows boot_vga on display controllers only. */
	if ((f->class_code < 0 || (f->class_code >> 16) == 0x03) &&
	    fn_read(m, f, "boot_vga", buf, sizeof(buf), false))
		f->boot_vga = strcmp(buf, "1") == 0;
	parse_resources(m, f);
	if (f->header_type == PCI_HEADER_TYPE_BRIDGE && f->secondary_bus < 0) {
		long long sec, sub;
		char *p1 = fn_path(f, "secondary_bus_number"), *p2 = fn_path(f, "subordinate_bus_number");
		if (root_read_long(m->root, p1, &sec) && root_read_long(m->root, p2, &sub)) {
			f->secondary_bus = (int)sec;
			f->subordinate_bus = (int)sub;
		}
		free(p1);
		free(p2);
	}
	lookup_names(m, f, numeric);
}

/* ---- finding functions by sysfs path -------------------------------- */

static int cmp_function(const void *a, const void *b)
{
	return bdf_compare(&((const struct pp_function *)a)->addr, &((const struct pp_function *)b)->addr);
}

struct pp_function *model_find(const struct pp_model *m, const struct pp_bdf *addr)
{
	struct pp_function key;

	if (!m->n_functions)
		return NULL;
	key.addr = *addr;
	return bsearch(&key, m->functions, m->n_functions, sizeof(key), cmp_function);
}

/* The function owning a canonical sysfs path: its deepest BDF component. */
static struct pp_function *owner_of_path(const struct pp_model *m, const char *path)
{
	char *copy = xstrdup(path), *tok, *save;
	struct pp_function *owner = NULL;

	for (tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		struct pp_bdf b;
		if (bdf_parse_sysfs(tok, &b)) {
			struct pp_function *f = model_find(m, &b);
			if (f)
				owner = f;
		}
	}
	free(copy);
	return owner;
}

/* The parent is the directory above in the device hierarchy, if it is a function. */
static void link_parents(struct pp_model *m)
{
	for (size_t i = 0; i < m->n_functions; i++) {
		struct pp_function *f = &m->functions[i];
		char *dir = xstrdup(f->sysfs_dir), *slash = strrchr(dir, '/'), *pslash;
		struct pp_bdf b;

		if (slash) {
			*slash = '\0';
			pslash = strrchr(dir, '/');
			if (bdf_parse_sysfs(pslash ? pslash + 1 : dir, &b)) {
				f->parent = model_find(m, &b);
				/*
				 * Only the function that lives in that very directory: in a
				 * broken tree another one can carry the name, and taking it
				 * could make two functions each other's parent.  A parent's
				 * directory is then always a strict prefix: no cycles.
				 */
				if (f->parent && strcmp(f->parent->sysfs_dir, dir) != 0) {
					strv_pushf(&m->problems, "%s: its directory %s is not the one of %s, parent not linked",
						f->bdf, f->sysfs_dir, f->parent->bdf);
					f->parent = NULL;
				}
			}
		}
		free(dir);
		if (f->parent) {
			struct pp_function *p = f->parent;
			p->children = xrealloc(p->children, (p->n_children + 1) * sizeof(*p->children));
			p->children[p->n_children++] = f;
		}
	}
}

static bool known_conventional(const struct pp_function *f)
{
	return f->is_pcie == PP_NO;
}

/*
 * DMA from a conventional device reaches the IOMMU carrying the requester
 * ID of the PCIe-to-PCI bridge it came through (seed 000): everything
 * below the topmost such bridge shares one alias and one fate.
 */
static void find_alias_bridges(struct pp_model *m)
{
	for (size_t i = 0; i < m->n_functions; i++) {
		struct pp_function *f = &m->functions[i], *cur = f, *alias = NULL;
		size_t depth = 0;

		while (cur->parent && depth++ < m->n_functions) {
			if (known_conventional(cur) && cur->parent->is_pcie == PP_YES)
				alias = cur->parent;
			cur = cur->parent;
		}
		f->alias_bridge = alias;
	}
}

static void link_sriov(struct pp_model *m)
{
	for (size_t i = 0; i < m->n_functions; i++) {
		struct pp_function *f = &m->functions[i], *pf;
		char *p = fn_path(f, "physfn"), *canon, *base;
		struct pp_bdf b;

		canon = root_resolve(m->root, p);
		if (!canon && (errno != ENOENT || root_lexists(m->root, p)))
			strv_push(&f->unreadable, "physfn");
		free(p);
		if (!canon)
			continue;
		base = strrchr(canon, '/');
		base = base ? base + 1 : canon;
		if (bdf_parse_sysfs(base, &b) && (pf = model_find(m, &b)) && pf != f) {
			f->physfn = pf;
			pf->virtfns = xrealloc(pf->virtfns, (pf->n_virtfns + 1) * sizeof(*pf->virtfns));
			pf->virtfns[pf->n_virtfns++] = f;
		} else {
			strv_push(&f->unreadable, "physfn");
		}
		free(canon);
	}
}

static int cmp_group(const void *a, const void *b)
{
	int x = ((const struct pp_group *)a)->id, y = ((const struct pp_group *)b)->id;
	return (x > y) - (x < y);
}

static void build_groups(struct pp_model *m)
{
	struct pp_strv names = { 0 };

	if (root_list_dir(m->root, "sys/kernel/iommu_groups", &names))
		m->host.iommu_enabled = names.n > 0;
	strv_free(&names);

	for (size_t i = 0; i < m->n_functions; i++) {
		struct pp_function *f = &m->functions[i];
		struct pp_group key = { .id = f->iommu_group }, *g;

		if (f->iommu_group < 0)
			continue;
		g = m->n_groups ? bsearch(&key, m->groups, m->n_groups, sizeof(key), cmp_group) : NULL;
		if (!g) {
			/* Groups arrive mostly in order; insert keeping the array sorted. */
			size_t at = m->n_groups;
			m->groups = xrealloc(m->groups, (m->n_groups + 1) * sizeof(*m->groups));
			while (at > 0 && m->groups[at - 1].id > key.id) {
				m->groups[at] = m->groups[at - 1];
				at--;
			}
			g = &m->groups[at];
			memset(g, 0, sizeof(*g));
			g->id = key.id;
			m->n_groups++;
		}
		g->members = xrealloc(g->members, (g->n_members + 1) * sizeof(*g->members));
		g->members[g->n_members++] = f;
	}
	/* A function with a group while the host shows none: trust the links. */
	if (m->n_groups)
		m->host.iommu_enabled = true;
}

const struct pp_group *model_group(const struct pp_model *m, int id)
{
	struct pp_group key = { .id = id };

	if (id < 0 || !m->n_groups)
		return NULL;
	return bsearch(&key, m->groups, m->n_groups, sizeof(key), cmp_group);
}

static void attach_slots(struct pp_model *m)
{
	struct pp_strv slots = { 0 };

	root_list_dir(m->root, "sys/bus/pci/slots", &slots);
	for (size_t i = 0; i < slots.n; i++) {
		char path[512], buf[64];
		unsigned int dom, bus, dev;

		if (!valid_driver_name(slots.v[i]))
			continue;
		snprintf(path, sizeof(path), "sys/bus/pci/slots/%s/address", slots.v[i]);
		if (root_read_attr(m->root, path, buf, sizeof(buf)) <= 0 ||
		    sscanf(buf, "%x:%x:%x", &dom, &bus, &dev) != 3)
			continue;
		for (size_t j = 0; j < m->n_functions; j++) {
			struct pp_function *f = &m->functions[j];
			if (f->addr.domain == dom && f->addr.bus == bus && f->addr.dev == dev && !f->slot_name)
				f->slot_name = xstrdup(slots.v[i]);
		}
	}
	strv_free(&slots);
}

/* ---- host use: interfaces, disks, framebuffers ----------------------- */

/* Interfaces with an IPv6 address; IPv4 addresses are not in sysfs or a snapshot. */
static void read_inet6(struct pp_model *m, struct pp_strv *with_addr)
{
	char *text = root_read_file(m->root, "proc/net/if_inet6", 1 << 20, NULL), *line, *save;

	if (!text)
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char addr[64], name[64];
		unsigned int idx, plen, scope, flags;
		if (sscanf(line, "%63s %x %x %x %x %63s", addr, &idx, &plen, &scope, &flags, name) == 6 &&
		    strcmp(name, "lo") != 0 && !strv_contains(with_addr, name))
			strv_push(with_addr, name);
	}
	free(text);
}

static void attach_netifs(struct pp_model *m)
{
	struct pp_strv names = { 0 }, with_addr = { 0 };

	root_list_dir(m->root, "sys/class/net", &names);
	read_inet6(m, &with_addr);
	for (size_t i = 0; i < names.n; i++) {
		char *link, *canon, buf[64];
		struct pp_function *f;
		struct pp_netif *n;
		long long flags;

		if (!valid_driver_name(names.v[i]))
			continue;
		link = xasprintf("sys/class/net/%s", names.v[i]);
		canon = root_resolve(m->root, link);
		f = canon ? owner_of_path(m, canon) : NULL;
		if (f) {
			f->netifs = xrealloc(f->netifs, (f->n_netifs + 1) * sizeof(*f->netifs));
			n = &f->netifs[f->n_netifs++];
			memset(n, 0, sizeof(*n));
			n->name = xstrdup(names.v[i]);
			free(link);
			link = xasprintf("%s/operstate", canon);
			if (root_read_attr(m->root, link, buf, sizeof(buf)) > 0)
				n->operstate = xstrdup(buf);
			free(link);
			link = xasprintf("%s/flags", canon);
			n->up = (root_read_long(m->root, link, &flags) && (flags & IFF_UP_FLAG)) ||
				(n->operstate && strcmp(n->operstate, "up") == 0);
			n->has_address = strv_contains(&with_addr, names.v[i]);
		}
		free(link);
		free(canon);
	}
	strv_free(&names);
	strv_free(&with_addr);
}

/* /proc/mounts sources as device names ("nvme0n1p1" for /dev/nvme0n1p1). */
static void read_mounted(struct pp_model *m, struct pp_strv *mounted)
{
	char *text = root_read_file(m->root, "proc/mounts", 4 << 20, NULL), *line, *save;

	if (!text)
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "/dev/", 5) == 0) {
			char *sp = strchr(line, ' ');
			if (sp)
				*sp = '\0';
			strv_push(mounted, line + 5);
		}
	free(text);
}

static void attach_blockdevs(struct pp_model *m)
{
	struct pp_strv names = { 0 }, mounted = { 0 };

	root_list_dir(m->root, "sys/class/block", &names);
	read_mounted(m, &mounted);
	for (size_t i = 0; i < names.n; i++) {
		char *link, *canon;
		struct pp_function *f;

		if (!valid_driver_name(names.v[i]))
			continue;
		link = xasprintf("sys/class/block/%s", names.v[i]);
		canon = root_resolve(m->root, link);
		free(link);
		f = canon ? owner_of_path(m, canon) : NULL;
		if (f) {
			struct pp_blockdev *b;
			struct pp_strv holders = { 0 };

			f->blockdevs = xrealloc(f->blockdevs, (f->n_blockdevs + 1) * sizeof(*f->blockdevs));
			b = &f->blockdevs[f->n_blockdevs++];
			b->name = xstrdup(names.v[i]);
			b->mounted = strv_contains(&mounted, names.v[i]);
			link = xasprintf("%s/holders", canon);
			b->has_holders = root_list_dir(m->root, link, &holders) && holders.n > 0;
			strv_free(&holders);
			free(link);
		}
		free(canon);
	}
	strv_free(&names);
	strv_free(&mounted);
}

static void attach_framebuffers(struct pp_model *m)
{
	struct pp_strv names = { 0 };

	root_list_dir(m->root, "sys/class/graphics", &names);
	for (size_t i = 0; i < names.n; i++) {
		char *link, *canon;
		struct pp_function *f;

		if (strncmp(names.v[i], "fb", 2) != 0 || !valid_driver_name(names.v[i]))
			continue;
		link = xasprintf("sys/class/graphics/%s", names.v[i]);
		canon = root_resolve(m->root, link);
		free(link);
		f = canon ? owner_of_path(m, canon) : NULL;
		if (f)
			strv_push(&f->framebuffers, names.v[i]);
		free(canon);
	}
	strv_free(&names);
}

/* What pcipass unbind recorded: run/pcipass/<bdf>, read with state.c's own parser. */
static void attach_state(struct pp_model *m)
{
	struct pp_strv names = { 0 };

	root_list_dir(m->root, STATE_DIR, &names);
	for (size_t i = 0; i < names.n; i++) {
		struct pp_bdf b;
		struct pp_function *f;
		struct pp_moved mv;
		char *p, *text;

		if (!bdf_parse_sysfs(names.v[i], &b) || !(f = model_find(m, &b)))
			continue;
		p = xasprintf(STATE_DIR "/%s", names.v[i]);
		text = root_read_file(m->root, p, 4096, NULL);
		free(p);
		if (!text)
			continue;
		if (moved_parse(text, f->bdf, &mv)) {
			free(f->moved_from_driver);
			f->moved_from_driver = xstrdup(mv.driver ? mv.driver : "");
		} else {
			strv_pushf(&m->problems, "%s/%s: holds a value that is not a driver name", STATE_DIR, names.v[i]);
		}
		moved_free(&mv);
		free(text);
	}
	strv_free(&names);
}

/* ---- the host ------------------------------------------------------- */

bool host_cmdline_has(const struct pp_host *h, const char *word)
{
	size_t n = strlen(word);
	const char *cmdline = h->cmdline, *p = cmdline;

	while (p && (p = strstr(p, word))) {
		if ((p == cmdline || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
			return true;
		p += n;
	}
	return false;
}

static void read_intremap(struct pp_model *m)
{
	struct pp_strv units = { 0 };
	struct pp_host *h = &m->host;

	h->intremap = PP_UNKNOWN;
	root_list_dir(m->root, "sys/class/iommu", &units);
	for (size_t i = 0; i < units.n; i++) {
		char *p, buf[64];
		unsigned long long ecap;

		if (!valid_driver_name(units.v[i]))
			continue;
		if (strncmp(units.v[i], "dmar", 4) == 0) {
			h->iommu_vendor = PP_CPU_INTEL;
			p = xasprintf("sys/class/iommu/%s/intel-iommu/ecap", units.v[i]);
			if (root_read_attr(m->root, p, buf, sizeof(buf)) > 0 &&
			    sscanf(buf, "%llx", &ecap) == 1) {
				/* ECAP bit 3: Interrupt Remapping support. */
				bool ir = ecap & (1ull << 3);
				if (!ir || h->intremap == PP_UNKNOWN) {
					h->intremap = ir ? PP_YES : PP_NO;
					free(h->intremap_evidence);
					h->intremap_evidence = xasprintf("%s ecap=%s (bit 3 %s)", units.v[i], buf,
									 ir ? "set" : "clear");
				}
			}
			free(p);
		} else if (strncmp(units.v[i], "ivhd", 4) == 0) {
			h->iommu_vendor = PP_CPU_AMD;
			if (h->intremap == PP_UNKNOWN) {
				/* AMD-Vi remaps interrupts whenever it is enabled. */
				h->intremap = PP_YES;
				h->intremap_evidence = xasprintf("AMD IOMMU %s", units.v[i]);
			}
		}
	}
	strv_free(&units);
	if (h->cmdline && (host_cmdline_has(h, "intremap=off") || host_cmdline_has(h, "nointremap") ||
			   host_cmdline_has(h, "amd_iommu_intr=legacy"))) {
		h->intremap = PP_NO;
		free(h->intremap_evidence);
		h->intremap_evidence = xstrdup("disabled on the kernel command line");
	}
}

static void read_host(struct pp_model *m)
{
	struct pp_host *h = &m->host;
	char buf[256];
	size_t len;

	if (root_read_attr(m->root, "proc/sys/kernel/osrelease", buf, sizeof(buf)) > 0)
		h->kernel_release = xstrdup(buf);
	h->cmdline = root_read_file(m->root, "proc/cmdline", 64 * 1024, &len);
	if (h->cmdline) {
		while (len && (h->cmdline[len - 1] == '\n' || h->cmdline[len - 1] == ' '))
			h->cmdline[--len] = '\0';
	}
	if (root_read_attr(m->root, "sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts",
			   buf, sizeof(buf)) > 0)
		h->allow_unsafe_interrupts = buf[0] == 'Y' || buf[0] == '1' ? PP_YES : PP_NO;
	else
		h->allow_unsafe_interrupts = PP_UNKNOWN;
	h->cpu_vendor = PP_CPU_UNKNOWN;
	{
		char *cpuinfo = root_read_file(m->root, "proc/cpuinfo", 1 << 20, NULL);
		if (cpuinfo) {
			if (strstr(cpuinfo, "GenuineIntel"))
				h->cpu_vendor = PP_CPU_INTEL;
			else if (strstr(cpuinfo, "AuthenticAMD"))
				h->cpu_vendor = PP_CPU_AMD;
			free(cpuinfo);
		}
	}
	read_intremap(m);
	if (h->cpu_vendor == PP_CPU_UNKNOWN)
		h->cpu_vendor = h->iommu_vendor;
	h->page_size = 4096;
	if (m->root->live) {
		long ps = sysconf(_SC_PAGESIZE);
		if (ps > 0)
			h->page_size = (unsigned long)ps;
	} else {
		long long ps;
		if (root_read_long(m->root, "page_size", &ps) && ps >= 4096 && !(ps & (ps - 1)))
			h->page_size = (unsigned long)ps;
	}
	h->has_vfio_pci_driver = root_is_dir(m->root, "sys/bus/pci/drivers/vfio-pci");
}

/* ---- putting it together -------------------------------------------- */

static int collect_functions(struct pp_model *m)
{
	struct pp_strv names = { 0 };

	if (!root_list_dir(m->root, "sys/bus/pci/devices", &names)) {
		int e = errno;
		char *where = root_path(m->root, "sys/bus/pci/devices");
		pp_error("%s: not a sysfs tree (%s)", where, strerror(e));
		free(where);
		return -1;
	}
	m->functions = xcalloc(names.n, sizeof(*m->functions));
	for (size_t i = 0; i < names.n; i++) {
		struct pp_function *f = &m->functions[m->n_functions];
		char *link = xasprintf("sys/bus/pci/devices/%s", names.v[i]), *canon;

		if (!bdf_parse_sysfs(names.v[i], &f->addr)) {
			strv_pushf(&m->problems, "sys/bus/pci/devices/%s: not a PCI address, skipped", names.v[i]);
			free(link);
			continue;
		}
		canon = root_resolve(m->root, link);
		free(link);
		if (!canon || strncmp(canon, "sys/devices/", 12) != 0 || !root_is_dir(m->root, canon)) {
			strv_pushf(&m->problems, "sys/bus/pci/devices/%s: %s, skipped", names.v[i],
				!canon ? (errno == EXDEV ? "link leaves the root" : strerror(errno))
				       : "does not point into sys/devices");
			free(canon);
			continue;
		}
		f->sysfs_dir = canon;
		bdf_format(&f->addr, f->bdf);
		m->n_functions++;
	}
	strv_free(&names);
	qsort(m->functions, m->n_functions, sizeof(*m->functions), cmp_function);
	/* Two names for one address ("0000:00:01.0" and "00000:00:01.0"): keep one. */
	for (size_t i = 1; i < m->n_functions; i++)
		if (bdf_compare(&m->functions[i - 1].addr, &m->functions[i].addr) == 0) {
			strv_pushf(&m->problems, "%s: listed twice, second entry skipped", m->functions[i].bdf);
			free(m->functions[i].sysfs_dir);
			memmove(&m->functions[i], &m->functions[i + 1],
				(m->n_functions - i - 1) * sizeof(*m->functions));
			m->n_functions--;
			i--;
		}
	return 0;
}

static bool setup_libpci(struct pp_model *m)
{
	char *sysfs = root_path(m->root, "sys/bus/pci");
	jmp_buf guard;

	m->pacc = pci_alloc();
	m->pacc->error = libpci_error;
	m->pacc->warning = libpci_quiet;
	m->pacc->method = PCI_ACCESS_SYS_BUS_PCI;
	pci_set_param(m->pacc, "sysfs.path", sysfs);
	free(sysfs);
	libpci_guard = &guard;
	if (setjmp(guard)) {
		libpci_guard = NULL;
		pp_error("libpci: %s", libpci_last_error);
		return false;
	}
	pci_init(m->pacc);
	libpci_guard = NULL;
	return true;
}

struct pp_model *model_build(struct pp_root *root, const struct pp_model_opts *opts)
{
	struct pp_model *m = xcalloc(1, sizeof(*m));

	m->root = root;
	if (collect_functions(m) < 0 || !setup_libpci(m)) {
		model_free(m);
		return NULL;
	}
	read_host(m);
	for (size_t i = 0; i < m->n_functions; i++) {
		read_function(m, &m->functions[i], opts ? opts->numeric : 0);
		if (m->functions[i].config_limited)
			m->host.config_limited = true;
	}
	link_parents(m);
	find_alias_bridges(m);
	link_sriov(m);
	build_groups(m);
	attach_slots(m);
	attach_netifs(m);
	attach_blockdevs(m);
	attach_framebuffers(m);
	attach_state(m);
	return m;
}

static void free_function(struct pp_function *f)
{
	free(f->sysfs_dir);
	free(f->vendor_name);
	free(f->device_name);
	free(f->class_name);
	free(f->display_device);
	free(f->display_class);
	free(f->driver);
	free(f->driver_override);
	strv_free(&f->reset_methods);
	free(f->bars);
	free(f->children);
	free(f->virtfns);
	free(f->slot_name);
	for (size_t i = 0; i < f->n_netifs; i++) {
		free(f->netifs[i].name);
		free(f->netifs[i].operstate);
	}
	free(f->netifs);
	for (size_t i = 0; i < f->n_blockdevs; i++)
		free(f->blockdevs[i].name);
	free(f->blockdevs);
	strv_free(&f->framebuffers);
	free(f->moved_from_driver);
	strv_free(&f->unreadable);
	if (f->pdev)
		pci_free_dev(f->pdev);
}

void model_free(struct pp_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_functions; i++)
		free_function(&m->functions[i]);
	free(m->functions);
	for (size_t i = 0; i < m->n_groups; i++)
		free(m->groups[i].members);
	free(m->groups);
	free(m->host.kernel_release);
	free(m->host.cmdline);
	free(m->host.intremap_evidence);
	strv_free(&m->problems);
	if (m->pacc)
		pci_cleanup(m->pacc);
	free(m);
}

/* ---- queries ---------------------------------------------------------- */

static void collect_subtree(const struct pp_function *f, struct pp_function ***out, size_t *n, size_t *cap)
{
	for (size_t i = 0; i < f->n_children; i++) {
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 8;
			*out = xrealloc(*out, *cap * sizeof(**out));
		}
		(*out)[(*n)++] = f->children[i];
		collect_subtree(f->children[i], out, n, cap);
	}
}

size_t model_subtree(const struct pp_function *bridge, struct pp_function ***out)
{
	size_t n = 0, cap = 0;

	*out = NULL;
	collect_subtree(bridge, out, &n, &cap);
	return n;
}

bool function_same_slot(const struct pp_function *a, const struct pp_function *b)
{
	return a->addr.domain == b->addr.domain && a->addr.bus == b->addr.bus && a->addr.dev == b->addr.dev;
}

void fnv_add_unique(struct pp_function ***v, size_t *n, struct pp_function *f)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i] == f)
			return;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = f;
}

bool function_is_bridge(const struct pp_function *f)
{
	return f->header_type == PCI_HEADER_TYPE_BRIDGE || f->header_type == PCI_HEADER_TYPE_CARDBUS ||
	       (f->class_code >= 0 && (f->class_code >> 16) == 0x06 && ((f->class_code >> 8) & 0xff) == 0x04);
}

bool function_is_user_owned(const struct pp_function *f)
{
	return !f->driver || strcmp(f->driver, "vfio-pci") == 0 || strcmp(f->driver, "pci-stub") == 0 ||
	       strcmp(f->driver, "pciback") == 0 || strcmp(f->driver, "pci-pf-stub") == 0;
}

const char *port_name(enum pp_port p)
{
	switch (p) {
	case PP_PORT_UNKNOWN: return "unknown";
	case PP_PORT_CONVENTIONAL: return "conventional";
	case PP_PORT_ENDPOINT: return "endpoint";
	case PP_PORT_LEGACY_ENDPOINT: return "legacy-endpoint";
	case PP_PORT_ROOT_PORT: return "root-port";
	case PP_PORT_UPSTREAM: return "upstream-port";
	case PP_PORT_DOWNSTREAM: return "downstream-port";
	case PP_PORT_PCIE_TO_PCI: return "pcie-to-pci-bridge";
	case PP_PORT_PCI_TO_PCIE: return "pci-to-pcie-bridge";
	case PP_PORT_RC_INTEGRATED: return "rc-integrated-endpoint";
	case PP_PORT_RC_EVENT_COLLECTOR: return "rc-event-collector";
	}
	return "unknown";
}

/* ---- selectors: libpci's own parser, so -s/-d mean what lspci means ---- */

int selector_parse(struct pp_model *m, struct pp_selector *sel, const char *slot, const char *id)
{
	struct pci_filter *flt = xcalloc(1, sizeof(*flt));
	char *err;

	pci_filter_init(m->pacc, flt);
	sel->filter = flt;
	sel->active = slot || id;
	if (slot) {
		char *copy = xstrdup(slot);
		err = pci_filter_parse_slot(flt, copy);
		free(copy);
		if (err)
			return pp_usage_error("-s %s: %s", slot, err);
	}
	if (id) {
		char *copy = xstrdup(id);
		err = pci_filter_parse_id(flt, copy);
		free(copy);
		if (err)
			return pp_usage_error("-d %s: %s", id, err);
	}
	return 0;
}

bool selector_match(const struct pp_model *m, const struct pp_selector *sel, const struct pp_function *f)
{
	(void)m;
	if (!sel || !sel->active)
		return true;
	return pci_filter_match(sel->filter, f->pdev);
}

void selector_free(struct pp_selector *sel)
{
	free(sel->filter);
	sel->filter = NULL;
}
