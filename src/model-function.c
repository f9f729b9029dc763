/*
 * One function's facts, read from its sysfs directory and its config space
 * (decoded by libpci from bytes we read ourselves): identity and names,
 * BARs, capabilities, driver, group, reset methods.  A broken or missing
 * attribute leaves that field unknown and is named in f->unreadable.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "lspci-dump.h"
#include "model-internal.h"

#define CONFIG_SPACE_MAX 4096

#define CONFIG_SPACE_USER 64	/* what a non-root reader gets */

#define IORESOURCE_IO 0x00000100

#define IORESOURCE_MEM 0x00000200

#define IORESOURCE_PREFETCH 0x00002000

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

char *fn_path(const struct pp_function *f, const char *attr)
{
	return xasprintf("%s/%s", f->sysfs_dir, attr);
}

bool fn_read(struct pp_model *m, struct pp_function *f, const char *attr,
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
long fn_read_hex(struct pp_model *m, struct pp_function *f, const char *attr, long max)
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

bool fn_exists(struct pp_model *m, const struct pp_function *f, const char *attr)
{
	char *p = fn_path(f, attr);
	bool e = root_exists(m->root, p);

	free(p);
	return e;
}

char *fn_link(struct pp_model *m, struct pp_function *f, const char *attr)
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

/* LnkCap and LnkSta of the PCIe capability at cap (PCIe r6.0 §7.5.3.6,
 * §7.5.3.8), from the config space libpci already holds.  Root Complex
 * integrated functions have no link: their registers are reserved. */
static void read_link(struct pp_function *f, struct pci_dev *d, int cap)
{
	u32 lnkcap;
	u16 lnksta;

	if (f->port == PP_PORT_RC_INTEGRATED || f->port == PP_PORT_RC_EVENT_COLLECTOR ||
	    (size_t)cap + PCI_EXP_LNKSTA + 2 > f->config_len)
		return;
	lnkcap = pci_read_long(d, cap + PCI_EXP_LNKCAP);
	lnksta = pci_read_word(d, cap + PCI_EXP_LNKSTA);
	f->link.present = true;
	f->link.cap_speed = (int)(lnkcap & PCI_EXP_LNKCAP_SPEED);
	f->link.cap_width = (int)((lnkcap & PCI_EXP_LNKCAP_WIDTH) >> 4);
	f->link.speed = lnksta & PCI_EXP_LNKSTA_SPEED;
	f->link.width = (lnksta & PCI_EXP_LNKSTA_WIDTH) >> 4;
}

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
		/* a listing without hex rows has no config space to be unreadable */
		if (!host_lacks(&m->host, "config-space"))
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
		read_link(f, d, cap->addr);
		if (f->port == PP_PORT_ROOT_PORT || f->port == PP_PORT_DOWNSTREAM) {
			u32 lnkcap = pci_read_long(d, cap->addr + PCI_EXP_LNKCAP);
			u16 lnksta = pci_read_word(d, cap->addr + PCI_EXP_LNKSTA);

			f->link_speed_cap = (int)(lnkcap & PCI_EXP_LNKCAP_SPEED);
			f->link_active_reporting = lnkcap & PCI_EXP_LNKCAP_DLLA;
			f->link_active = lnksta & PCI_EXP_LNKSTA_DL_ACT ? PP_YES : PP_NO;
		}
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
	if (cap) {
		f->acs_ctrl = pci_read_word(d, cap->addr + PCI_ACS_CTRL);
		f->acs_cap_bits = pci_read_word(d, cap->addr + PCI_ACS_CAP);
		if ((size_t)cap->addr + 12 <= f->config_len)
			f->acs_dword8 = pci_read_long(d, cap->addr + 8);
	}
	f->has_sriov_cap = pci_find_cap(d, PCI_EXT_CAP_ID_SRIOV, PCI_CAP_EXTENDED) != NULL;
	/* An lspci listing without -xxxx holds 256 bytes of a PCIe function:
	 * its extended capabilities (ACS, SR-IOV) are unknown, not absent
	 * (HACKING, lspci dumps).  A live kernel showing 256 bytes has no
	 * extended space itself, and then "absent" is the kernel's view. */
	if (m->host.source == PP_SOURCE_LSPCI_DUMP && f->is_pcie == PP_YES && f->config_len < CONFIG_SPACE_MAX) {
		f->ext_config_missing = true;
		f->has_acs = PP_UNKNOWN;
		f->acs_ctrl = f->acs_cap_bits = f->acs_dword8 = 0;
	}
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
 * A listing without hex rows names what it does not number (plain lspci
 * -vvv prints "Audio device: Intel Corporation ... (rev 10)", no ids): the
 * function is shown with those names, its ids stay unknown (HACKING, lspci
 * dumps).  pci.ids' names, where the ids were printed, come first.
 */
static void listed_names(struct pp_model *m, struct pp_function *f)
{
	char buf[256], *sep, *rev;

	if (!fn_read(m, f, LSPCI_NAME_ATTR, buf, sizeof(buf), false) || !buf[0])
		return;
	f->listed_name = xstrdup(buf);
	sep = strstr(buf, ": ");
	if (!sep)
		return;
	*sep = '\0';
	if (!f->display_class) {
		char *num = strstr(buf, " [");

		if (num && strlen(num) == 7)	/* "Class [cccc]": the number is class_code's */
			*num = '\0';
		f->display_class = xstrdup(buf);
	}
	if (!f->display_device) {
		if ((rev = strstr(sep + 2, " (rev ")) || (rev = strstr(sep + 2, " (prog-if ")))
			*rev = '\0';
		f->display_device = xstrdup(sep + 2);
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
	} else if (host_lacks(&m->host, "config-space")) {
		/* a listing without hex rows: an id lspci did not print is unknown,
		 * its attribute absent (not unreadable) */
		f->vendor_id = f->device_id = f->subsys_vendor_id = f->subsys_device_id = f->revision = -1;
		f->class_code = -1;
		if (fn_exists(m, f, "vendor")) {
			f->vendor_id = (int)fn_read_hex(m, f, "vendor", 0xffff);
			f->device_id = (int)fn_read_hex(m, f, "device", 0xffff);
		}
		if (fn_exists(m, f, "subsystem_vendor")) {
			f->subsys_vendor_id = (int)fn_read_hex(m, f, "subsystem_vendor", 0xffff);
			f->subsys_device_id = (int)fn_read_hex(m, f, "subsystem_device", 0xffff);
		}
		if (fn_exists(m, f, "class"))
			f->class_code = fn_read_hex(m, f, "class", 0xffffff);
		if (fn_exists(m, f, "revision"))
			f->revision = (int)fn_read_hex(m, f, "revision", 0xff);
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

void read_function(struct pp_model *m, struct pp_function *f, int numeric)
{
	char buf[4096];
	long v;
	char *end_numvfs;
	struct pci_dev *d;

	f->header_type = -1;
	f->secondary_bus = f->subordinate_bus = -1;
	f->iommu_group = -1;
	f->boot_vga = -1;
	f->sriov_numvfs = -1;
	f->port = PP_PORT_UNKNOWN;
	f->is_pcie = PP_UNKNOWN;

	d = pci_get_dev(m->pacc, (int)f->addr.domain, (int)f->addr.bus, (int)f->addr.dev, (int)f->addr.fn);
	f->pdev = d;
	read_config(m, f, d);
	read_identity(m, f, d);
	drop_config(d);
	if (f->is_pcie == PP_UNKNOWN && m->host.source == PP_SOURCE_LSPCI_DUMP) {
		/* an lspci -x listing has neither the PCIe capability nor link attributes */
		f->port = PP_PORT_UNKNOWN;
	} else if (f->is_pcie == PP_UNKNOWN) {
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
	f->reset_attr_unknown = m->host.source == PP_SOURCE_LSPCI_DUMP;
	f->has_vfio_dev = fn_exists(m, f, "vfio-dev");
	if (f->has_vfio_dev) {
		struct pp_strv names = { 0 };
		char *p = fn_path(f, "vfio-dev");

		if (root_list_dir(m->root, p, &names) && names.n == 1 && valid_driver_name(names.v[0]))
			f->vfio_dev = xstrdup(names.v[0]);
		strv_free(&names);
		free(p);
	}
	if (fn_read(m, f, "sriov_numvfs", buf, sizeof(buf), false)) {
		errno = 0;
		v = strtol(buf, &end_numvfs, 10);
		f->sriov_numvfs = errno || end_numvfs == buf || *end_numvfs || v < 0 || v > 65535 ? -1 : (int)v;
		if (f->sriov_numvfs < 0)
			strv_push(&f->unreadable, "sriov_numvfs");
	}
	/* The kernel shows boot_vga on display controllers only. */
	if ((f->class_code < 0 || (f->class_code >> 16) == 0x03) &&
	    fn_read(m, f, "boot_vga", buf, sizeof(buf), false))
		f->boot_vga = strcmp(buf, "1") == 0;
	parse_resources(m, f);
	/* without config space the header type is unknown: the attributes exist on bridges only */
	if ((f->header_type == PCI_HEADER_TYPE_BRIDGE || f->header_type < 0) && f->secondary_bus < 0) {
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
	if (host_lacks(&m->host, "config-space"))
		listed_names(m, f);
}

bool setup_libpci(struct pp_model *m)
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
