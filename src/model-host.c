/*
 * Host facts: the kernel, its command line, the IOMMU and interrupt
 * remapping, and what the host uses each function for (network interfaces,
 * block devices, framebuffers) and what pcipass itself moved.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model-internal.h"
#include "record.h"
#include "state.h"

#define IFF_UP_FLAG 0x1

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

void attach_netifs(struct pp_model *m)
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
/* The /dev/NAME devices of the first column of a proc table (mounts, swaps). */
static void read_devices(struct pp_model *m, const char *table, struct pp_strv *mounted)
{
	char *text = root_read_file(m->root, table, 4 << 20, NULL), *line, *save;

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

void attach_blockdevs(struct pp_model *m)
{
	struct pp_strv names = { 0 }, mounted = { 0 }, swaps = { 0 };

	root_list_dir(m->root, "sys/class/block", &names);
	read_devices(m, "proc/mounts", &mounted);
	read_devices(m, "proc/swaps", &swaps);
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
			b->swap = strv_contains(&swaps, names.v[i]);
			link = xasprintf("%s/holders", canon);
			b->has_holders = root_list_dir(m->root, link, &holders) && holders.n > 0;
			strv_free(&holders);
			free(link);
		}
		free(canon);
	}
	strv_free(&names);
	strv_free(&mounted);
	strv_free(&swaps);
}

void attach_framebuffers(struct pp_model *m)
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
void attach_state(struct pp_model *m)
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

bool host_cmdline_option(const struct pp_host *h, const char *param, const char *option)
{
	size_t n = strlen(param);
	const char *p = h->cmdline;

	for (; p && (p = strstr(p, param)); p += n) {
		const char *v, *end;

		if ((p != h->cmdline && p[-1] != ' ') || p[n] != '=')
			continue;
		/* "param=a,b,c": is option one of the comma-separated values? */
		for (v = p + n + 1; *v && *v != ' ' && *v != '\n'; v = *end == ',' ? end + 1 : end) {
			end = v + strcspn(v, ", \n");
			if ((size_t)(end - v) == strlen(option) && strncmp(v, option, (size_t)(end - v)) == 0)
				return true;
		}
	}
	return false;
}

/*
 * Live evidence first: the irq chips the kernel set up.  With remapping,
 * MSI and IO-APIC interrupts go through chips named "IR-PCI-MSI",
 * "IR-IO-APIC" (Intel) or "IR-PCI-MSI"/"AMD-IR" (AMD).  UNKNOWN when no
 * irq chip was recorded (older snapshots); *evidence names what proves it.
 */
static enum pp_tri live_intremap(struct pp_model *m, char **evidence)
{
	struct pp_strv irqs = { 0 };
	enum pp_tri seen = PP_UNKNOWN;
	char *text;

	if (root_list_dir(m->root, "sys/kernel/irq", &irqs)) {
		for (size_t i = 0; i < irqs.n && seen != PP_YES; i++) {
			char *p = xasprintf("sys/kernel/irq/%s/chip_name", irqs.v[i]), buf[64];

			if (valid_driver_name(irqs.v[i]) && root_read_attr(m->root, p, buf, sizeof(buf)) > 0) {
				if (strncmp(buf, "IR-", 3) == 0 || strcmp(buf, "AMD-IR") == 0) {
					seen = PP_YES;
					*evidence = xasprintf("sys/kernel/irq/%s/chip_name: %s", irqs.v[i], buf);
				} else if (strstr(buf, "MSI")) {
					seen = PP_NO;
				}
			}
			free(p);
		}
		if (seen == PP_NO)
			*evidence = xstrdup("sys/kernel/irq/*/chip_name: MSI chips without IR- (not remapped)");
	}
	strv_free(&irqs);
	if (seen != PP_UNKNOWN)
		return seen;
	text = root_read_file(m->root, "proc/interrupts", 1 << 20, NULL);
	if (text && (strstr(text, "IR-PCI-MSI") || strstr(text, "IR-IO-APIC"))) {
		seen = PP_YES;
		*evidence = xstrdup("proc/interrupts: IR- chips");
	} else if (text && strstr(text, "PCI-MSI")) {
		seen = PP_NO;
		*evidence = xstrdup("proc/interrupts: PCI-MSI without IR-");
	}
	free(text);
	return seen;
}

static void read_intremap(struct pp_model *m)
{
	struct pp_strv units = { 0 };
	struct pp_host *h = &m->host;
	char *live = NULL;
	enum pp_tri seen;

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
				/* ECAP bit 3: Interrupt Remapping support, on every unit. */
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
			/* AMD-Vi: no capability bit to read; only the live chips
			 * (below) or the command line say whether it remaps. */
			h->iommu_vendor = PP_CPU_AMD;
		}
	}
	strv_free(&units);
	/* intremap=off in any comma form, or nointremap (the kernel's
	 * intel_irq_remapping / amd_iommu setup).  amd_iommu_intr=legacy
	 * still remaps: it only picks the legacy IRTE format. */
	if (host_cmdline_option(h, "intremap", "off") || host_cmdline_has(h, "nointremap")) {
		h->intremap = PP_NO;
		free(h->intremap_evidence);
		h->intremap_evidence = xstrdup(host_cmdline_has(h, "nointremap") ? "nointremap on the kernel command line"
										 : "intremap=off on the kernel command line");
	}
	/* What the kernel actually set up beats both: firmware can turn
	 * remapping off while the unit advertises it. */
	seen = live_intremap(m, &live);

	if (seen != PP_UNKNOWN) {
		h->intremap = seen;
		free(h->intremap_evidence);
		h->intremap_evidence = live;
	} else if (h->intremap_evidence) {
		/* An older snapshot: no irq chips recorded, only what the unit
		 * advertises or the command line says. */
		char *more = xasprintf("%s (limited evidence: no irq chip names recorded)", h->intremap_evidence);

		free(h->intremap_evidence);
		h->intremap_evidence = more;
	}
}

static enum pp_tri acpi_table(struct pp_model *m, struct pp_strv *tables, bool listed, const char *name)
{
	(void)m;
	return !listed ? PP_UNKNOWN : strv_contains(tables, name) ? PP_YES : PP_NO;
}

static void read_firmware(struct pp_model *m)
{
	struct pp_strv tables = { 0 };
	bool listed = root_list_dir(m->root, "sys/firmware/acpi/tables", &tables);

	m->host.acpi_dmar = acpi_table(m, &tables, listed, "DMAR");
	m->host.acpi_ivrs = acpi_table(m, &tables, listed, "IVRS");
	strv_free(&tables);
}

static const char *const vfio_modules[] = { "vfio", "vfio_pci", "vfio_iommu_type1", "iommufd" };

static void read_modules(struct pp_model *m)
{
	struct pp_host *h = &m->host;

	h->n_modules = sizeof(vfio_modules) / sizeof(vfio_modules[0]);
	h->modules = xcalloc(h->n_modules, sizeof(*h->modules));
	for (size_t i = 0; i < h->n_modules; i++) {
		struct pp_module *mod = &h->modules[i];
		char *dir = xasprintf("sys/module/%s/parameters", vfio_modules[i]);

		mod->name = vfio_modules[i];
		mod->loaded = root_list_dir(m->root, dir, &mod->params);
		for (size_t k = 0; k < mod->params.n; k++) {
			char *p = xasprintf("%s/%s", dir, mod->params.v[k]), value[512];
			bool ok = valid_driver_name(mod->params.v[k]) && root_read_attr(m->root, p, value, sizeof(value)) >= 0;

			/* A NULL entry marks what could not be read. */
			strv_push(&mod->values, ok ? value : "");
			if (!ok) {
				free(mod->values.v[k]);
				mod->values.v[k] = NULL;
			}
			free(p);
		}
		free(dir);
	}
}

/* Whether the data was read as root (this run's uid, or the snapshot's
 * META) and what the root is: a snapshot, or an lspci listing with what it
 * lacked (lspci-dump.c writes source=, lacks=, damage=). */
static void read_meta(struct pp_model *m)
{
	struct pp_host *h = &m->host;
	struct pp_record meta = { 0 };
	const char *v;
	char *text;

	if (m->root->live) {
		h->source = PP_SOURCE_SYSFS;
		h->read_as_root = geteuid() == 0 ? xstrdup("yes") : xasprintf("no (uid %u)", (unsigned)geteuid());
		return;
	}
	text = root_read_file(m->root, "META", 64 * 1024, NULL);
	record_parse(&meta, text);
	h->read_as_root = xstrdup(record_get(&meta, "root") ? record_get(&meta, "root") : "unknown");
	v = record_get(&meta, "source");
	h->source = v && strcmp(v, "lspci-dump") == 0 ? PP_SOURCE_LSPCI_DUMP : PP_SOURCE_SNAPSHOT;
	if (h->source == PP_SOURCE_LSPCI_DUMP) {
		char *list = xstrdup(record_get(&meta, "lacks") ? record_get(&meta, "lacks") : ""), *tok, *save;

		for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			if (valid_driver_name(tok))
				strv_push(&h->lacks, tok);
		free(list);
		v = record_get(&meta, "damage");
		if (v && *v)
			h->damage = xstrdup(v);
	}
	record_free(&meta);
	free(text);
}

bool host_lacks(const struct pp_host *h, const char *what)
{
	return h->source == PP_SOURCE_LSPCI_DUMP && strv_contains(&h->lacks, what);
}

const char *host_source_name(const struct pp_host *h)
{
	static const char *const names[] = { "sysfs", "snapshot", "lspci-dump" };

	return names[h->source];
}

void read_host(struct pp_model *m)
{
	struct pp_host *h = &m->host;
	char buf[256];
	size_t len;

	if (root_read_attr(m->root, "proc/sys/kernel/osrelease", buf, sizeof(buf)) > 0)
		h->kernel_release = xstrdup(buf);
	{
		unsigned int major, minor;

		/* pci_dev_reset_method_attr_is_visible: the attribute exists only
		 * when the device has a method, on kernels that have it at all. */
		h->kernel_has_reset_method = h->kernel_release &&
					     sscanf(h->kernel_release, "%u.%u", &major, &minor) == 2 &&
					     (major > 5 || (major == 5 && minor >= 15));
	}
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
	read_firmware(m);
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
	read_meta(m);
	read_modules(m);
}

/* QEMU's guest name from a NUL-separated command line: -name guest=NAME,...
 * or -name NAME; NULL when there is none. */
static char *guest_name(const char *argv, size_t len)
{
	for (const char *p = argv; p < argv + len; p += strlen(p) + 1) {
		const char *next = p + strlen(p) + 1;

		if (strcmp(p, "-name") != 0 || next >= argv + len)
			continue;
		if (strncmp(next, "guest=", 6) == 0)
			next += 6;
		return xstrndup(next, strcspn(next, ","));
	}
	return NULL;
}

static void hold(struct pp_function *f, const char *who)
{
	if (!strv_contains(&f->vfio_holders, who))
		strv_push(&f->vfio_holders, who);
}

void attach_vfio_holders(struct pp_model *m)
{
	struct pp_strv pids = { 0 };

	/* A running guest holds /dev/vfio/GROUP or /dev/vfio/devices/vfioN open
	 * (the group and the iommufd cdev interfaces). */
	root_list_dir(m->root, "proc", &pids);
	for (size_t i = 0; i < pids.n; i++) {
		struct pp_strv fds = { 0 };
		char *dir, *who = NULL;

		if (strspn(pids.v[i], "0123456789") != strlen(pids.v[i]))
			continue;
		dir = xasprintf("proc/%s/fd", pids.v[i]);
		root_list_dir(m->root, dir, &fds);
		for (size_t k = 0; k < fds.n; k++) {
			char *link = xasprintf("%s/%s", dir, fds.v[k]), *target = root_link_target(m->root, link);
			const char *rest;

			free(link);
			if (!target || strncmp(target, "/dev/vfio/", 10) != 0) {
				free(target);
				continue;
			}
			if (!who) {
				char comm[64] = "", *p = xasprintf("proc/%s/comm", pids.v[i]), *cmd, *guest = NULL;
				size_t len = 0;

				root_read_attr(m->root, p, comm, sizeof(comm));
				free(p);
				p = xasprintf("proc/%s/cmdline", pids.v[i]);
				cmd = root_read_file(m->root, p, 1 << 20, &len);
				free(p);
				if (cmd)
					guest = guest_name(cmd, len);
				who = guest ? xasprintf("pid %s (%s, guest %s)", pids.v[i], comm, guest)
					    : xasprintf("pid %s (%s)", pids.v[i], comm);
				free(guest);
				free(cmd);
			}
			rest = target + 10;
			{
				char *held = xasprintf("%s: %s", who, target);

				if (strncmp(rest, "devices/", 8) == 0) {
					for (size_t n = 0; n < m->n_functions; n++)
						if (m->functions[n].vfio_dev &&
						    strcmp(m->functions[n].vfio_dev, rest + 8) == 0)
							hold(&m->functions[n], held);
				} else if (strspn(rest, "0123456789") == strlen(rest) && *rest) {
					const struct pp_group *g = model_group(m, atoi(rest));

					for (size_t n = 0; g && n < g->n_members; n++)
						hold(g->members[n], held);
				}
				free(held);
			}
			free(target);
		}
		free(who);
		strv_free(&fds);
		free(dir);
	}
	strv_free(&pids);
}
