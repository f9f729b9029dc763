/*
 * Recording a snapshot.  The walk copies, without following symlinks:
 * sys/devices/pci* (the device hierarchy), sys/bus/pci, sys/kernel/
 * iommu_groups, sys/class/{net,block,iommu,graphics} and the trees their
 * links point to outside sys/devices/pci*, sys/module/{vfio,vfio_pci,
 * vfio_iommu_type1}/parameters; then the few proc files pcipass reads.
 *
 * Rules (the capture script's, so both kinds replay alike): symlinks are
 * recreated with their own relative targets; readable attributes are
 * copied; write-only ones (reset, remove, unbind, ...) become empty files,
 * because their presence is evidence; resourceN, resourceN_wc, rom and vpd
 * are never opened (mmap-only, or reading them can hang the device) and
 * become empty files too.  What fails to read becomes an empty file; when
 * the failure is a permission (or config space cut to 64 bytes), also a
 * line in UNREADABLE, so a snapshot taken without root says what it lacks.
 *
 * Every read goes through the rooted reader (root_read_file, root_list_dir,
 * root_resolve).  Telling a link from a file needs lstat/readlink, done on
 * root_path() of a path whose directories were themselves reached by this
 * walk as real directories, never through a link.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bootcfg.h"
#include "record.h"
#include "redact.h"
#include "snapshot.h"

struct recorder {
	const struct pp_model *m;
	const struct pp_root *r;
	struct snap_out *out;
	struct snap_result *res;
	struct pp_strv walked;		/* tops already copied */
	struct pp_strv unreadable;	/* "path\treason" */
	bool as_root;
	struct pp_redaction *redact;	/* report --redact, else NULL */
	int rc;				/* first write error */
};

static void note_unreadable(struct recorder *rec, const char *rel, const char *why)
{
	char *line = xasprintf("%s\t%s", rel, why);

	strv_push(&rec->unreadable, line);
	free(line);
}

/* Attributes never opened: mmap-only BARs and ROM, and VPD (reads can hang). */
static bool never_read(const char *name)
{
	const char *p;

	if (strcmp(name, "rom") == 0 || strcmp(name, "vpd") == 0)
		return true;
	if (strncmp(name, "resource", 8) != 0 || !isdigit((unsigned char)name[8]))
		return false;
	for (p = name + 8; isdigit((unsigned char)*p); p++)
		;
	return *p == '\0' || strcmp(p, "_wc") == 0;
}

static const char *base_name(const char *rel)
{
	const char *slash = strrchr(rel, '/');

	return slash ? slash + 1 : rel;
}

static void put_file(struct recorder *rec, const char *rel, const void *data, size_t len)
{
	if (!rec->rc)
		rec->rc = snap_out_file(rec->out, rel, data, len);
}

static void put_empty(struct recorder *rec, const char *rel)
{
	put_file(rec, rel, "", 0);
	rec->res->empty++;
}

/* lstat of a path below the root; its directories must be real ones (see top). */
static int rooted_lstat(const struct recorder *rec, const char *rel, struct stat *st)
{
	char *abs = root_path(rec->r, rel);
	int rc = lstat(abs, st);

	free(abs);
	return rc;
}

/*
 * report --redact (redact.h): config space loses its Device Serial Number,
 * an identifying attribute its contents (the file stays, empty, listed in
 * REDACTED).
 */
static void redact_file(struct recorder *rec, const char *rel, const char *name, unsigned char *data, size_t *len)
{
	size_t n;

	if (strcmp(name, "config") == 0) {
		if ((n = redact_config_dsn(data, *len))) {
			rec->redact->dsn += n;
			strv_pushf(&rec->redact->paths, "%s\tDevice Serial Number zeroed", rel);
		}
	} else if (redact_attribute(name, (const char *)data, *len)) {
		*len = 0;
		rec->redact->attributes++;
		strv_pushf(&rec->redact->paths, "%s\temptied", rel);
	}
}

/* The proc files a report keeps, redacted: the command line, the mounts,
 * the IPv6 addresses.  data is replaced; *len follows. */
static void redact_proc(struct recorder *rec, const char *rel, char **data, size_t *len)
{
	struct pp_redaction *r = rec->redact;
	size_t before, *count;
	char *text, *out;

	if (strcmp(rel, "proc/cmdline") == 0)
		count = &r->cmdline;
	else if (strcmp(rel, "proc/mounts") == 0 || strcmp(rel, "proc/swaps") == 0)
		count = &r->mounts;
	else if (strcmp(rel, "proc/net/if_inet6") == 0)
		count = &r->ipv6;
	else
		return;
	before = *count;
	text = xstrndup(*data, *len);
	if (count == &r->cmdline) {
		char *line = redact_cmdline(text, count);

		out = xasprintf("%s\n", line);
		free(line);
	} else if (count == &r->ipv6) {
		out = redact_inet6(text, count);
	} else {
		out = redact_mounts(text, strcmp(rel, "proc/swaps") == 0, count);
	}
	free(text);
	free(*data);
	*data = out;
	*len = strlen(out);
	if (*count != before)
		strv_pushf(&r->paths, "%s\t%zu replaced or dropped", rel, *count - before);
}

static void record_file(struct recorder *rec, const char *rel, const struct stat *st)
{
	const char *name = base_name(rel);
	size_t len = 0;
	char *data;

	if (never_read(name) || (st->st_mode & 0444) == 0) {
		put_empty(rec, rel);
		return;
	}
	data = root_read_file(rec->r, rel, SNAP_MAX_ATTR_BYTES + 1, &len);
	if (!data) {
		if (errno == ENOENT)
			return;	/* gone while we walked (hot unplug) */
		/*
		 * Permission is what a run as root would fix: say so.  Other
		 * errors (EINVAL for the speed of a link that is down, EIO
		 * for an unset autosuspend delay) are the kernel's answer
		 * "no value now", recorded as the empty file it stands for.
		 */
		if (errno == EACCES || errno == EPERM)
			note_unreadable(rec, rel, strerror(errno));
		put_empty(rec, rel);
		return;
	}
	if (len > SNAP_MAX_ATTR_BYTES) {
		len = SNAP_MAX_ATTR_BYTES;
		note_unreadable(rec, rel, "longer than 1 MiB, truncated");
	}
	if (rec->r->live && !rec->as_root && strcmp(name, "config") == 0 && len <= 64)
		note_unreadable(rec, rel, "config space beyond 64 bytes needs root");
	if (rec->redact)
		redact_file(rec, rel, name, (unsigned char *)data, &len);
	put_file(rec, rel, data, len);
	rec->res->files++;
	free(data);
}

static void record_link(struct recorder *rec, const char *rel)
{
	char *abs = root_path(rec->r, rel), target[4096];
	ssize_t n = readlink(abs, target, sizeof(target) - 1);

	free(abs);
	if (n < 0) {
		if (errno != ENOENT)
			note_unreadable(rec, rel, strerror(errno));
		return;
	}
	target[n] = '\0';
	if (!snap_link_stays_inside(rel, target)) {
		note_unreadable(rec, rel, "link leaves the tree, not recorded");
		return;
	}
	if (!rec->rc)
		rec->rc = snap_out_symlink(rec->out, rel, target);
	rec->res->links++;
}

static void walk(struct recorder *rec, const char *rel, int depth)
{
	struct stat st;

	if (rec->rc)
		return;
	if (rooted_lstat(rec, rel, &st) < 0) {
		if (errno != ENOENT)
			note_unreadable(rec, rel, strerror(errno));
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		record_link(rec, rel);
	} else if (S_ISREG(st.st_mode)) {
		record_file(rec, rel, &st);
	} else if (S_ISDIR(st.st_mode)) {
		struct pp_strv names = { 0 };

		if (depth > SNAP_MAX_DEPTH - 8) {
			note_unreadable(rec, rel, "too deep, not recorded");
			return;
		}
		if (!rec->rc)
			rec->rc = snap_out_dir(rec->out, rel);
		if (!root_list_dir(rec->r, rel, &names))
			note_unreadable(rec, rel, strerror(errno));
		for (size_t i = 0; i < names.n && !rec->rc; i++) {
			char *child = xasprintf("%s/%s", rel, names.v[i]);
			walk(rec, child, depth + 1);
			free(child);
		}
		strv_free(&names);
	} else {
		note_unreadable(rec, rel, "not a file, directory or link");
	}
}

static bool is_walked(const struct recorder *rec, const char *rel)
{
	for (size_t i = 0; i < rec->walked.n; i++) {
		size_t n = strlen(rec->walked.v[i]);
		if (strncmp(rel, rec->walked.v[i], n) == 0 && (rel[n] == '\0' || rel[n] == '/'))
			return true;
	}
	return false;
}

/*
 * Copy the tree at rel, once.  rel's directories must contain no link
 * (else lstat below could be led outside the root): its parent must be
 * its own canonical form.
 */
static void walk_top(struct recorder *rec, const char *rel)
{
	const char *slash = strrchr(rel, '/');

	if (is_walked(rec, rel))
		return;
	if (slash) {
		char *parent = strndup(rel, (size_t)(slash - rel));
		char *canon = parent ? root_resolve(rec->r, parent) : NULL;
		bool real = canon && strcmp(canon, parent) == 0;

		free(parent);
		free(canon);
		if (!real)
			return;	/* absent, or reached through a link: not part of this layout */
	}
	strv_push(&rec->walked, rel);
	walk(rec, rel, 0);
}

/*
 * For each link in dir whose target lies outside sys/devices/pci*, copy
 * the target tree too (virtual net and block devices, IOMMU units).
 */
static void follow_links(struct recorder *rec, const char *dir)
{
	struct pp_strv names = { 0 };

	root_list_dir(rec->r, dir, &names);
	for (size_t i = 0; i < names.n && !rec->rc; i++) {
		char *rel = xasprintf("%s/%s", dir, names.v[i]);
		char *canon = root_resolve(rec->r, rel);

		if (canon && strcmp(canon, rel) != 0 && strncmp(canon, "sys/", 4) == 0 &&
		    strncmp(canon, "sys/devices/pci", 15) != 0)
			walk_top(rec, canon);
		free(canon);
		free(rel);
	}
	strv_free(&names);
}

/* A file read whole from src and stored as a regular file at dest (proc files). */
static char *read_plain(struct recorder *rec, const char *src, size_t max, size_t *len)
{
	char *data = root_read_file(rec->r, src, max, len);

	if (!data && errno != ENOENT)
		note_unreadable(rec, src, strerror(errno));
	return data;
}

static void copy_plain(struct recorder *rec, const char *rel)
{
	size_t len;
	char *data = read_plain(rec, rel, SNAP_MAX_ATTR_BYTES, &len);

	if (data && rec->redact)
		redact_proc(rec, rel, &data, &len);
	if (data) {
		put_file(rec, rel, data, len);
		rec->res->files++;
	}
	free(data);
}

static void record_proc(struct recorder *rec)
{
	static const char *const files[] = { "proc/cmdline", "proc/mounts", "proc/net/if_inet6",
					     "proc/sys/kernel/osrelease", "proc/interrupts", "proc/swaps" };
	size_t len;
	char *cpuinfo;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		copy_plain(rec, files[i]);
	/* The CPU vendor is in the first processor's stanza; the rest repeats it. */
	cpuinfo = read_plain(rec, "proc/cpuinfo", 4 << 20, &len);
	if (cpuinfo) {
		char *end = strstr(cpuinfo, "\n\n");
		if (end)
			len = (size_t)(end - cpuinfo) + 1;
		put_file(rec, "proc/cpuinfo", cpuinfo, len);
		rec->res->files++;
		free(cpuinfo);
	}
}

/* Which irq chips the kernel set up: the live proof of interrupt remapping
 * (IR-PCI-MSI ...).  Only chip_name of each sys/kernel/irq/N. */
static void record_irq_chips(struct recorder *rec)
{
	struct pp_strv irqs = { 0 };

	root_list_dir(rec->r, "sys/kernel/irq", &irqs);
	for (size_t i = 0; i < irqs.n; i++) {
		char *rel;

		if (!valid_driver_name(irqs.v[i]))
			continue;
		rel = xasprintf("sys/kernel/irq/%s/chip_name", irqs.v[i]);
		copy_plain(rec, rel);
		free(rel);
	}
	strv_free(&irqs);
}

/* The firmware tables' names (DMAR, IVRS, ...), as empty files: their
 * presence is the evidence, the tables themselves are never read. */
static void record_acpi_table_names(struct recorder *rec)
{
	struct pp_strv names = { 0 };

	root_list_dir(rec->r, "sys/firmware/acpi/tables", &names);
	for (size_t i = 0; i < names.n; i++) {
		char *rel = xasprintf("sys/firmware/acpi/tables/%s", names.v[i]);
		struct stat st;

		if (valid_driver_name(names.v[i]) && rooted_lstat(rec, rel, &st) == 0 && S_ISREG(st.st_mode)) {
			put_empty(rec, rel);
		}
		free(rel);
	}
	strv_free(&names);
}

/* Processes holding a VFIO file: proc/PID/comm, the fd links into
 * /dev/vfio (recorded as text, never followed) and the command line cut to
 * the program and QEMU's -name argument, the guest's name.  Nothing else of
 * the process is kept. */
static void record_vfio_holders(struct recorder *rec)
{
	struct pp_strv pids = { 0 };

	root_list_dir(rec->r, "proc", &pids);
	for (size_t i = 0; i < pids.n; i++) {
		struct pp_strv fds = { 0 };
		char *dir;
		bool any = false;

		if (strspn(pids.v[i], "0123456789") != strlen(pids.v[i]))
			continue;
		dir = xasprintf("proc/%s/fd", pids.v[i]);
		root_list_dir(rec->r, dir, &fds);
		for (size_t k = 0; k < fds.n && !rec->rc; k++) {
			char *rel = xasprintf("%s/%s", dir, fds.v[k]), *target = root_link_target(rec->r, rel);

			if (target && snap_link_is_vfio_holder(rel, target)) {
				rec->rc = snap_out_symlink(rec->out, rel, target);
				rec->res->links++;
				any = true;
			}
			free(target);
			free(rel);
		}
		if (any) {
			char *p = xasprintf("proc/%s/comm", pids.v[i]), *cmd;
			size_t len = 0;
			struct sbuf cut = { 0 };

			copy_plain(rec, p);
			free(p);
			p = xasprintf("proc/%s/cmdline", pids.v[i]);
			cmd = root_read_file(rec->r, p, 1 << 20, &len);
			for (const char *a = cmd; cmd && a < cmd + len; a += strlen(a) + 1) {
				bool name = strcmp(a, "-name") == 0 && a + strlen(a) + 1 < cmd + len;

				/* each argument with the NUL that ends it */
				if (a == cmd || name)
					sb_add_bytes(&cut, a, strlen(a) + 1);
				if (name) {
					a += strlen(a) + 1;
					sb_add_bytes(&cut, a, strlen(a) + 1);
				}
			}
			if (cut.len && rec->redact) {
				size_t before = rec->redact->guests, n = cut.len;
				char *named = redact_qemu_argv(cut.s, &n, &rec->redact->guests);

				free(cut.s);
				cut.s = named;
				cut.len = n;
				if (rec->redact->guests != before)
					strv_pushf(&rec->redact->paths, "%s\tguest name replaced", p);
			}
			if (cut.len) {
				put_file(rec, p, cut.s, cut.len);
				rec->res->files++;
			}
			free(cut.s);
			free(cmd);
			free(p);
		}
		strv_free(&fds);
		free(dir);
	}
	strv_free(&pids);
}

/* What pcipass unbind remembered (run/pcipass/<bdf>), read by the model too. */
static void record_state(struct recorder *rec)
{
	struct pp_strv names = { 0 };

	root_list_dir(rec->r, "run/pcipass", &names);
	for (size_t i = 0; i < names.n; i++) {
		struct pp_bdf b;

		if (bdf_parse_sysfs(names.v[i], &b)) {
			char *rel = xasprintf("run/pcipass/%s", names.v[i]);
			copy_plain(rec, rel);
			free(rel);
		}
	}
	strv_free(&names);
}

/* The boot configuration bootcfg.c reads: the modprobe.d .conf files and
 * driverctl's pci-* overrides, each directory and file bounded as there. */
static void record_bootcfg(struct recorder *rec)
{
	struct pp_strv seen = { 0 };	/* a name hides the same name in later directories */

	for (size_t d = 0; d <= bootcfg_n_modprobe_dirs; d++) {
		const char *dir = d < bootcfg_n_modprobe_dirs ? bootcfg_modprobe_dirs[d] : DRIVERCTL_DIR;
		struct pp_strv names = { 0 };
		size_t taken = 0;

		root_list_dir(rec->r, dir, &names);
		for (size_t i = 0; i < names.n && taken < BOOTCFG_MAX_FILES; i++) {
			const char *n = names.v[i];
			size_t len = strlen(n);
			struct pp_bdf b;
			char *rel;

			if (d < bootcfg_n_modprobe_dirs ? n[0] == '.' || len < 5 || strcmp(n + len - 5, ".conf") != 0
							: strncmp(n, "pci-", 4) != 0 || !bdf_parse_sysfs(n + 4, &b))
				continue;
			if (d < bootcfg_n_modprobe_dirs) {
				if (strv_contains(&seen, n))
					continue;
				strv_push(&seen, n);
			}
			rel = xasprintf("%s/%s", dir, n);
			copy_plain(rec, rel);
			free(rel);
			taken++;
		}
		strv_free(&names);
	}
	strv_free(&seen);
}

/* ---- META --------------------------------------------------------------- */

static char *read_attr_dup(const struct recorder *rec, const char *rel)
{
	char buf[512];

	return root_read_attr(rec->r, rel, buf, sizeof(buf)) >= 0 ? xstrdup(buf) : NULL;
}

/* The live host's own facts: who ran it, on what machine. */
static void meta_live(const struct recorder *rec, struct pp_record *kv)
{
	struct utsname u;
	static const char *const dmi[] = { "sys_vendor", "product_name", "board_name" };
	char *cpuinfo, *s, key[64];
	int cpus = 0;

	if (uname(&u) == 0) {
		record_set(kv, "kernel_build", u.version);
		record_set(kv, "arch", u.machine);
	}
	if (rec->as_root) {
		record_set(kv, "root", "yes");
	} else {
		s = xasprintf("no (uid %u)", (unsigned)geteuid());
		record_set(kv, "root", s);
		free(s);
	}
	for (size_t i = 0; i < sizeof(dmi) / sizeof(dmi[0]); i++) {
		char *p = xasprintf("sys/class/dmi/id/%s", dmi[i]);
		s = read_attr_dup(rec, p);
		snprintf(key, sizeof(key), "dmi_%s", dmi[i]);
		record_set(kv, key, s);
		free(s);
		free(p);
	}
	cpuinfo = root_read_file(rec->r, "proc/cpuinfo", 4 << 20, NULL);
	if (cpuinfo) {
		char *line, *save;
		bool have_model = false;

		for (line = strtok_r(cpuinfo, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			if (strncmp(line, "processor", 9) == 0)
				cpus++;
			if (!have_model && strncmp(line, "model name", 10) == 0 && (s = strstr(line, ": "))) {
				record_set(kv, "cpu_model", s + 2);
				have_model = true;
			}
		}
		free(cpuinfo);
		s = xasprintf("%d", cpus);
		record_set(kv, "cpus", s);
		free(s);
	}
}

static void kv_set_count(struct pp_record *kv, const char *key, size_t n)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%zu", n);
	record_set(kv, key, buf);
}

static void record_meta(struct recorder *rec, const char *source_name)
{
	struct pp_record kv = { 0 }, source = { 0 };
	char date[32], *text = NULL, *s;
	struct pp_strv groups = { 0 };
	time_t now = time(NULL);
	struct tm tm;
	size_t len = 0;

	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	record_set(&kv, "capture_tool", "pcipass snapshot");
	record_set(&kv, "pcipass_version", PACKAGE_VERSION);
	record_set(&kv, "capture_date", date);
	record_set(&kv, "source_root", source_name);
	record_set(&kv, "kernel_release", rec->m->host.kernel_release);
	if (rec->r->live) {
		meta_live(rec, &kv);
	} else {
		/*
		 * A copy of another snapshot: who read the data, on what
		 * machine, is the original's to say; keep its lines and
		 * name where they came from.
		 */
		char *meta = root_read_file(rec->r, "META", 64 * 1024, NULL);
		if (meta) {
			record_parse(&source, meta);
			free(meta);
		}
		record_set(&kv, "copied_from_tool", record_get(&source, "capture_tool"));
		record_set(&kv, "copied_from_date", record_get(&source, "capture_date"));
		record_set(&kv, "root", record_get(&source, "root") ? record_get(&source, "root") : "unknown");
	}
	kv_set_count(&kv, "pci_functions", rec->m->n_functions);
	root_list_dir(rec->r, "sys/kernel/iommu_groups", &groups);
	kv_set_count(&kv, "iommu_groups", groups.n);
	strv_free(&groups);
	s = xasprintf("%lu", rec->m->host.page_size);
	record_set(&kv, "page_size", s);
	free(s);
	record_set(&kv, "config_space_limited", rec->m->host.config_limited ? "yes" : "no");
	if (rec->redact)
		record_set(&kv, "redacted", "yes (see REDACTED)");
	kv_set_count(&kv, "unreadable", rec->unreadable.n);
	/* The original's remaining lines (dmi_*, arch, note, ...) after ours. */
	for (size_t i = 0; i < source.keys.n; i++)
		if (!record_get(&kv, source.keys.v[i]))
			record_set(&kv, source.keys.v[i], source.values.v[i]);

	text = record_format(&kv);
	len = strlen(text);
	put_file(rec, "META", text, len);
	free(text);
	record_free(&kv);
	record_free(&source);
}

int snapshot_record(const struct pp_model *m, const char *source_name, struct snap_out *out,
		    struct snap_result *res, struct pp_redaction *redact)
{
	struct recorder rec = { .m = m, .r = m->root, .out = out, .res = res, .as_root = geteuid() == 0,
				.redact = redact };
	static const char *const classes[] = { "net", "block", "iommu", "graphics", "drm" };
	static const char *const modules[] = { "vfio", "vfio_pci", "vfio_iommu_type1", "iommufd" };
	struct pp_strv tops = { 0 };
	char *s;

	memset(res, 0, sizeof(*res));
	/* A copy keeps what the original could not read. */
	if (!rec.r->live) {
		char *old = root_read_file(rec.r, "UNREADABLE", 4 << 20, NULL), *line, *save;
		if (old) {
			for (line = strtok_r(old, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
				strv_push(&rec.unreadable, line);
			free(old);
		}
	}

	root_list_dir(rec.r, "sys/devices", &tops);
	for (size_t i = 0; i < tops.n; i++)
		if (strncmp(tops.v[i], "pci", 3) == 0) {
			s = xasprintf("sys/devices/%s", tops.v[i]);
			walk_top(&rec, s);
			free(s);
		}
	strv_free(&tops);
	walk_top(&rec, "sys/bus/pci");
	follow_links(&rec, "sys/bus/pci/devices");
	walk_top(&rec, "sys/kernel/iommu_groups");
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		s = xasprintf("sys/class/%s", classes[i]);
		walk_top(&rec, s);
		follow_links(&rec, s);
		free(s);
	}
	for (size_t i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
		s = xasprintf("sys/module/%s/parameters", modules[i]);
		walk_top(&rec, s);
		free(s);
	}
	record_irq_chips(&rec);
	record_vfio_holders(&rec);
	record_acpi_table_names(&rec);
	record_proc(&rec);
	record_state(&rec);
	record_bootcfg(&rec);

	s = xasprintf("%lu\n", m->host.page_size);
	put_file(&rec, "page_size", s, strlen(s));
	free(s);
	record_meta(&rec, source_name);
	if (rec.unreadable.n) {
		char *text = strv_join(&rec.unreadable, "\n"), *withnl = xasprintf("%s\n", text);
		put_file(&rec, "UNREADABLE", withnl, strlen(withnl));
		free(withnl);
		free(text);
	}
	if (redact) {
		char *text = strv_join(&redact->paths, "\n");
		char *doc = xasprintf("# pcipass report --redact: each file changed, and how\n%s%s", text,
				      redact->paths.n ? "\n" : "");

		put_file(&rec, "REDACTED", doc, strlen(doc));
		free(doc);
		free(text);
	}
	res->unreadable = rec.unreadable.n;
	strv_free(&rec.walked);
	strv_free(&rec.unreadable);
	return rec.rc;
}
