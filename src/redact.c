/*
 * report --redact (redact.h).  Two kinds of rule: by name (attributes that
 * hold serial numbers and world-wide names) and by shape (MAC addresses,
 * wherever they are).  The kernel command line keeps the parameters the
 * rules and the host model read (rules-host.c, model-host.c, predict.c)
 * and those a reader of a passthrough report needs; every other value goes.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"

/* Attributes that name one piece of hardware (base names in sysfs). */
static const char *const identity_attrs[] = {
	"serial", "serial_number", "wwid", "wwn", "eui", "nguid", "uuid", "vpd_pg80", "vpd_pg83",
	"subsysnqn", "hostnqn", "hostid", "ifalias", "perm_addr", "phys_port_id", "phys_switch_id",
	"node_guid", "sys_image_guid", "port_guid", "node_name", "port_name", "sas_address", "cid",
	"product_serial", "board_serial", "chassis_serial", "product_uuid",
};

/* "xx:xx:xx:xx:xx:xx" and longer (InfiniBand's 20 octets), one line. */
static bool mac_shaped(const char *data, size_t len)
{
	size_t octets = 0, i = 0;

	while (len && (data[len - 1] == '\n' || data[len - 1] == ' '))
		len--;
	while (i + 2 <= len && isxdigit((unsigned char)data[i]) && isxdigit((unsigned char)data[i + 1])) {
		octets++;
		i += 2;
		if (i == len)
			return octets >= 6;
		if (data[i] != ':')
			return false;
		i++;
	}
	return false;
}

/* 00:00:... and ff:ff:... (a loopback's address, any broadcast) name nothing. */
static bool uniform_octets(const char *data, size_t len)
{
	for (size_t i = 0; i < len && data[i] != '\n'; i++)
		if (data[i] != ':' && data[i] != data[0])
			return false;
	return data[0] == '0' || data[0] == 'f' || data[0] == 'F';
}

bool redact_attribute(const char *name, const char *data, size_t len)
{
	for (size_t i = 0; i < sizeof(identity_attrs) / sizeof(identity_attrs[0]); i++)
		if (strcmp(name, identity_attrs[i]) == 0)
			return len > 0;
	return mac_shaped(data, len) && !uniform_octets(data, len);
}

/* PCIe extended capabilities from 0x100: 32-bit header, ID in bits 15:0,
 * next offset in bits 31:20 (PCIe r6.0 §7.6.3).  The Device Serial Number
 * capability (ID 0x0003, §7.9.3) holds the 64-bit number at +4. */
#define EXT_CAP_START 0x100
#define EXT_CAP_ID_DSN 0x0003

size_t redact_config_dsn(unsigned char *config, size_t len)
{
	size_t off = EXT_CAP_START, zeroed = 0;

	for (int hops = 0; off >= EXT_CAP_START && off + 12 <= len && hops < 1024; hops++) {
		uint32_t header = (uint32_t)config[off] | (uint32_t)config[off + 1] << 8 |
				  (uint32_t)config[off + 2] << 16 | (uint32_t)config[off + 3] << 24;

		if (header == 0 || header == UINT32_MAX)
			break;
		if ((header & 0xffff) == EXT_CAP_ID_DSN) {
			memset(config + off + 4, 0, 8);
			zeroed++;
		}
		off = (header >> 20) & 0xffc;
	}
	return zeroed;
}

/*
 * Parameters kept with their values: what pcipass reads (iommu,
 * intel_iommu, amd_iommu, intremap, nointremap, pcie_acs_override) and
 * what decides passthrough around it (vfio and kvm modules, pci=,
 * blacklists, the console framebuffer).  By exact name or by prefix.
 */
static const char *const kept_params[] = {
	"iommu", "intel_iommu", "amd_iommu", "amd_iommu_intr", "intremap", "nointremap",
	"pcie_acs_override", "pci", "pcie_aspm", "pcie_ports", "pcie_pme", "video", "nomodeset",
	"modprobe.blacklist", "module_blacklist", "rd.driver.blacklist", "rd.driver.pre", "initcall_blacklist",
	"vfio_iommu_type1.allow_unsafe_interrupts", "pcipass.topology", "console", "panic", "oops",
	"mitigations", "hugepages", "hugepagesz", "default_hugepagesz", "transparent_hugepage", "isolcpus",
	"nohz_full", "rcu_nocbs", "irqaffinity",
};
static const char *const kept_prefixes[] = { "iommu.", "vfio", "kvm", "efifb", "vga", "nouveau.", "amdgpu.",
					     "i915." };

static bool kept_param(const char *key, size_t n)
{
	for (size_t i = 0; i < sizeof(kept_params) / sizeof(kept_params[0]); i++)
		if (strlen(kept_params[i]) == n && strncmp(key, kept_params[i], n) == 0)
			return true;
	for (size_t i = 0; i < sizeof(kept_prefixes) / sizeof(kept_prefixes[0]); i++)
		if (n >= strlen(kept_prefixes[i]) && strncmp(key, kept_prefixes[i], strlen(kept_prefixes[i])) == 0)
			return true;
	return false;
}

/* A bare word that is a flag (quiet, ro, nomodule), not a value. */
static bool flag_word(const char *w, size_t n)
{
	if (!n || !isalpha((unsigned char)w[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)w[i]) && !strchr("_.-", w[i]))
			return false;
	return true;
}

char *redact_cmdline(const char *cmdline, size_t *replaced)
{
	struct sbuf b = { 0 };
	bool init_args = false;	/* after "--": init's own arguments, any text */
	const char *p = cmdline;

	while (*p) {
		size_t n = strcspn(p, " \t\n"), key = strcspn(p, "=");
		bool has_value = key < n;

		if (n == 0) {
			p++;
			continue;
		}
		if (b.len)
			sb_add(&b, " ");
		if (!init_args && n == 2 && strncmp(p, "--", 2) == 0) {
			sb_add(&b, "--");
			init_args = true;
		} else if (!init_args && (has_value ? kept_param(p, key) : (flag_word(p, n) || kept_param(p, n)))) {
			sb_add_bytes(&b, p, n);
		} else if (!init_args && has_value && flag_word(p, key)) {
			sb_add_bytes(&b, p, key);
			sb_add(&b, "=" REDACTED_WORD);
			if (replaced)
				(*replaced)++;
		} else {
			sb_add(&b, REDACTED_WORD);
			if (replaced)
				(*replaced)++;
		}
		p += n;
	}
	return b.s ? sb_take(&b) : xstrdup("");
}

/* One line at a time: fn writes what stays of the line into b. */
static char *each_line(const char *text, void (*fn)(struct sbuf *, const char *, size_t, bool, size_t *),
		       bool flag, size_t *replaced)
{
	struct sbuf b = { 0 };

	for (const char *line = text; *line;) {
		size_t n = strcspn(line, "\n");

		fn(&b, line, n, flag, replaced);
		line += n;
		if (*line)
			line++;
	}
	return b.s ? sb_take(&b) : xstrdup("");
}

static void inet6_line(struct sbuf *b, const char *line, size_t n, bool unused, size_t *replaced)
{
	size_t addr = strspn(line, "0123456789abcdefABCDEF");

	(void)unused;
	if (addr == 32 && addr < n) {
		sb_add(b, "%032d", 0);
		if (replaced)
			(*replaced)++;
		line += addr;
		n -= addr;
	}
	sb_add_bytes(b, line, n);
	sb_add(b, "\n");
}

char *redact_inet6(const char *text, size_t *replaced)
{
	return each_line(text, inet6_line, false, replaced);
}

/* Mount points that say nothing about who owns the machine. */
static bool common_mount_point(const char *p, size_t n)
{
	static const char *const common[] = { "/", "/boot", "/boot/efi", "/efi", "/home", "/usr", "/var", "/tmp",
					      "/srv", "/opt" };

	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		if (strlen(common[i]) == n && strncmp(p, common[i], n) == 0)
			return true;
	return false;
}

/* "/dev/sda1 /home/someone ext4 rw 0 0": the device and what follows the
 * mount point stay.  Lines whose source is not /dev/ (a network or virtual
 * file system, a swap file) may name a server or a person: dropped, as
 * pcipass reads only /dev/ (model-host.c's read_devices).  swaps keeps its
 * header and "/dev/sda2 partition ..." whole. */
static void mounts_line(struct sbuf *b, const char *line, size_t n, bool swaps, size_t *replaced)
{
	size_t dev = strcspn(line, " \t\n");
	const char *point, *after;

	if ((swaps && strncmp(line, "Filename", 8) == 0) ||
	    (swaps && strncmp(line, "/dev/", 5) == 0 && dev < n)) {
		sb_add_bytes(b, line, n);
		sb_add(b, "\n");
		return;
	}
	if (strncmp(line, "/dev/", 5) != 0 || dev >= n) {
		(*replaced)++;
		return;
	}
	point = line + dev + strspn(line + dev, " \t");
	after = point + strcspn(point, " \t\n");
	sb_add_bytes(b, line, dev);
	if (common_mount_point(point, (size_t)(after - point))) {
		sb_add(b, " ");
		sb_add_bytes(b, point, (size_t)(after - point));
	} else {
		sb_add(b, " " REDACTED_WORD);
		(*replaced)++;
	}
	sb_add_bytes(b, after, n - (size_t)(after - line));
	sb_add(b, "\n");
}

char *redact_mounts(const char *text, bool swaps, size_t *replaced)
{
	size_t dummy = 0;

	return each_line(text, mounts_line, swaps, replaced ? replaced : &dummy);
}

char *redact_qemu_argv(const char *argv, size_t *len, size_t *replaced)
{
	struct sbuf b = { 0 };
	bool next_is_name = false;

	for (const char *a = argv; a < argv + *len; a += strlen(a) + 1) {
		if (next_is_name) {
			sb_add_bytes(&b, REDACTED_WORD, sizeof(REDACTED_WORD));
			if (replaced)
				(*replaced)++;
		} else {
			sb_add_bytes(&b, a, strlen(a) + 1);
		}
		next_is_name = strcmp(a, "-name") == 0;
	}
	*len = b.len;
	return b.s ? sb_take(&b) : xstrdup("");
}

/* "pid N (comm, guest NAME): /dev/vfio/G" (model-host.c's attach_vfio_holders). */
static char *redact_holder(const char *who)
{
	const char *g = strstr(who, ", guest "), *end;

	if (!g)
		return xstrdup(who);
	g += strlen(", guest ");
	end = strstr(g, "): ");
	if (!end)
		end = g + strlen(g);
	return xasprintf("%.*s%s%s", (int)(g - who), who, REDACTED_WORD, end);
}

void redact_model(struct pp_model *m)
{
	if (m->host.cmdline) {
		char *c = redact_cmdline(m->host.cmdline, NULL);

		free(m->host.cmdline);
		m->host.cmdline = c;
	}
	for (size_t i = 0; i < m->n_functions; i++) {
		struct pp_strv *h = &m->functions[i].vfio_holders;

		for (size_t k = 0; k < h->n; k++) {
			char *r = redact_holder(h->v[k]);

			free(h->v[k]);
			h->v[k] = r;
		}
	}
}

void redaction_free(struct pp_redaction *r)
{
	strv_free(&r->paths);
}
