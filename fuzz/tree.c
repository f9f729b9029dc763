/*
 * Scratch sysfs trees for the fuzz harnesses, and the invariants every
 * model must keep (see tree.h).
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <pci/pci.h>

#include "checks.h"
#include "render-json.h"
#include "render-text.h"
#include "tree.h"

/*
 * Attribute names pcipass opens for reading: each is a FIFO in the canary,
 * so that even with the open check below switched off, a read there would
 * block (or, opened non-blocking, fail) rather than return data.
 */
static const char *const canary_names[] = {
	"config", "vendor", "device", "class", "subsystem_vendor", "subsystem_device",
	"revision", "resource", "reset_method", "driver_override", "boot_vga",
	"numa_node", "secondary_bus_number", "subordinate_bus_number", "address",
	"operstate", "flags", "ecap", "cmdline", "mounts", "cpuinfo", "osrelease",
	"allow_unsafe_interrupts", "if_inet6", "page_size", "uevent",
};

static char *ids_path;		/* the small list below, written by tree_init */

/*
 * A few lines in pci.ids format: enough for the name lookups to run, small
 * enough that loading it for every input costs nothing (the real file is
 * 1.3 MB and would dominate each run).
 */
static const char small_pci_ids[] =
	"1af4  Red Hat, Inc.\n"
	"\t1000  Virtio network device\n"
	"\t1041  Virtio 1.0 network device\n"
	"\t\t1af4 1100  QEMU Virtual Machine\n"
	"8086  Intel Corporation\n"
	"\t29c0  82G33/G31/P35/P31 Express DRAM Controller\n"
	"1b36  Red Hat, Inc.\n"
	"\t000c  QEMU PCIe Root port\n"
	"C 01  Mass storage controller\n"
	"\t08  Non-Volatile memory controller\n"
	"\t\t02  NVM Express\n"
	"C 02  Network controller\n"
	"\t00  Ethernet controller\n"
	"C 06  Bridge\n"
	"\t00  Host bridge\n"
	"\t04  PCI bridge\n"
	"\t\t00  Normal decode\n";
/*
 * model_build allocates its own pci_access; this definition in the
 * executable takes the place of libpci's and points the new access at
 * the small list above.
 */
struct pci_access *pci_alloc(void)
{
	static struct pci_access *(*real_alloc)(void);
	struct pci_access *a;

	if (!real_alloc)
		*(void **)&real_alloc = dlsym(RTLD_NEXT, "pci_alloc");
	if (!real_alloc)
		abort();
	a = real_alloc();
	if (ids_path)
		pci_set_name_list_path(a, ids_path, 0);
	return a;
}

/*
 * "Never reads outside the root", checked: while a model is built or
 * rendered, every file or directory pcipass opens is looked up in
 * /proc/self/fd and must lie below the root.  These definitions in the
 * executable take the place of libc's (and of the sanitizer's wrappers),
 * so they see the opens of the project's code and of the libraries it
 * calls.  The one file allowed outside is the pci.ids list: pcipass reads
 * the analyst's own ids database, not the snapshot's.
 */
static bool guard_active;
static char *guard_root;	/* realpath of the root */

static void check_opened(int fd, const char *path)
{
	char link[64], target[PATH_MAX];
	ssize_t n;
	size_t len = strlen(guard_root);

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return;
	target[n] = '\0';
	if (strncmp(target, guard_root, len) == 0 && (target[len] == '\0' || target[len] == '/'))
		return;
	if (ids_path && strcmp(target, ids_path) == 0)
		return;
	{
		char msg[PATH_MAX * 2 + 64];
		int k = snprintf(msg, sizeof(msg), "opened outside the root: %s (asked for %s)\n", target, path);
		if (k > 0 && write(STDERR_FILENO, msg, (size_t)k) < 0)
			abort();
	}
	abort();
}

static mode_t open_mode(int flags, va_list ap)
{
	return flags & (O_CREAT | O_TMPFILE) ? va_arg(ap, mode_t) : 0;
}

int openat(int dirfd, const char *path, int flags, ...)
{
	static int (*real_openat)(int, const char *, int, ...);
	va_list ap;
	mode_t mode;
	int fd;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	if (!real_openat)
		*(void **)&real_openat = dlsym(RTLD_NEXT, "openat");
	fd = real_openat(dirfd, path, flags, mode);
	if (fd >= 0 && guard_active)
		check_opened(fd, path);
	return fd;
}

int open(const char *path, int flags, ...)
{
	static int (*real_open)(const char *, int, ...);
	va_list ap;
	mode_t mode;
	int fd;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	if (!real_open)
		*(void **)&real_open = dlsym(RTLD_NEXT, "open");
	fd = real_open(path, flags, mode);
	if (fd >= 0 && guard_active)
		check_opened(fd, path);
	return fd;
}

void fuzz_fail(const char *file, int line, const char *what)
{
	/* fd 2 directly: stderr may be /dev/null (fuzz_quiet_stderr). */
	char msg[512];
	int n = snprintf(msg, sizeof(msg), "%s:%d: invariant broken: %s\n", file, line, what);

	if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
		abort();
	abort();
}

void fuzz_quiet_stderr(void)
{
	FILE *null;

	if (getenv("FUZZ_VERBOSE"))
		return;
	null = fopen("/dev/null", "w");
	if (null)
		stderr = null;
}

static char *scratch_parent(void)
{
	const char *env = getenv("FUZZ_TMPDIR");
	struct stat st;

	if (env && *env)
		return strdup(env);
	/* tmpfs keeps the per-input file churn off the disk. */
	if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0)
		return strdup("/dev/shm");
	env = getenv("TMPDIR");
	return strdup(env && *env ? env : "/tmp");
}

static void cleanup_at_exit(void);
static struct fuzz_tree *registered;

void tree_init(struct fuzz_tree *t)
{
	char *parent = scratch_parent();
	char *tmpl = xasprintf("%s/pcipass-fuzz.XXXXXX", parent);

	free(parent);
	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		abort();
	}
	t->base = tmpl;
	t->root = xasprintf("%s/root", t->base);
	t->outside = xasprintf("%s/outside", t->base);
	if (mkdir(t->root, 0755) < 0 || mkdir(t->outside, 0755) < 0) {
		perror("mkdir");
		abort();
	}
	for (size_t i = 0; i < sizeof(canary_names) / sizeof(canary_names[0]); i++) {
		char *p = xasprintf("%s/%s", t->outside, canary_names[i]);
		if (mkfifo(p, 0644) < 0) {
			perror("mkfifo");
			abort();
		}
		free(p);
	}
	t->root_fd = open(t->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->root_fd < 0) {
		perror("open root");
		abort();
	}
	guard_root = realpath(t->root, NULL);
	if (!guard_root)
		abort();
	ids_path = xasprintf("%s/pci.ids", t->base);
	{
		FILE *ids = fopen(ids_path, "w");
		if (!ids || fputs(small_pci_ids, ids) < 0 || fclose(ids) != 0) {
			perror(ids_path);
			abort();
		}
	}
	registered = t;
	atexit(cleanup_at_exit);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* Everything below dir, not dir itself. */
static void remove_below(const char *dir)
{
	struct stat st;

	nftw(dir, remove_entry, 32, FTW_DEPTH | FTW_PHYS);
	/* nftw removed dir as well; put it back. */
	if (stat(dir, &st) < 0 && mkdir(dir, 0755) < 0) {
		perror("mkdir");
		abort();
	}
}

void tree_clear(struct fuzz_tree *t)
{
	close(t->root_fd);
	remove_below(t->root);
	t->root_fd = open(t->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->root_fd < 0) {
		perror("open root");
		abort();
	}
}

static void cleanup_at_exit(void)
{
	if (registered) {
		nftw(registered->base, remove_entry, 32, FTW_DEPTH | FTW_PHYS);
		registered = NULL;
	}
}

/*
 * Walk to the directory that will hold path's last component, creating
 * directories on the way and never following a link.  Returns an fd the
 * caller closes and sets *leaf, or -1.
 */
static int open_parent(struct fuzz_tree *t, const char *path, char *copy, const char **leaf)
{
	int fd = dup(t->root_fd);
	char *comp, *next;

	if (fd < 0)
		return -1;
	strcpy(copy, path);
	comp = copy;
	while (*comp == '/')
		comp++;
	for (;;) {
		int sub;

		next = strchr(comp, '/');
		if (!next)
			break;
		*next++ = '\0';
		while (*next == '/')
			next++;
		if (!*comp || strcmp(comp, ".") == 0) {
			comp = next;
			continue;
		}
		if (strcmp(comp, "..") == 0)
			goto fail;
		if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST)
			goto fail;
		sub = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			goto fail;
		close(fd);
		fd = sub;
		comp = next;
	}
	if (!*comp || strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0)
		goto fail;
	*leaf = comp;
	return fd;
fail:
	close(fd);
	return -1;
}

bool tree_mkdir(struct fuzz_tree *t, const char *path)
{
	size_t n = strlen(path);
	char *withslash = xasprintf("%s/x", path), *copy = xmalloc(n + 3);
	const char *leaf;
	int fd = open_parent(t, withslash, copy, &leaf);

	free(withslash);
	free(copy);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

bool tree_write(struct fuzz_tree *t, const char *path, const void *data, size_t len)
{
	char *copy = xmalloc(strlen(path) + 1);
	const char *leaf;
	int dfd = open_parent(t, path, copy, &leaf), fd;
	bool ok = false;

	if (dfd >= 0) {
		fd = openat(dfd, leaf, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0644);
		if (fd >= 0) {
			struct stat st;
			/* Only ever write regular files of our own making. */
			ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
			     (len == 0 || write(fd, data, len) == (ssize_t)len);
			close(fd);
		}
		close(dfd);
	}
	free(copy);
	return ok;
}

bool tree_symlink(struct fuzz_tree *t, const char *path, const char *target)
{
	char *copy = xmalloc(strlen(path) + 1);
	const char *leaf;
	int dfd = open_parent(t, path, copy, &leaf);
	bool ok = false;

	if (dfd >= 0) {
		ok = symlinkat(target, dfd, leaf) == 0;
		close(dfd);
	}
	free(copy);
	return ok;
}

static void put(struct fuzz_tree *t, const char *path, const char *text)
{
	if (!tree_write(t, path, text, strlen(text)))
		abort();
}

static void link_to(struct fuzz_tree *t, const char *path, const char *target)
{
	if (!tree_symlink(t, path, target))
		abort();
}

void tree_write_attr(struct fuzz_tree *t, const char *attr, const void *data, size_t len)
{
	char *p = xasprintf(SKELETON_DIR "/%s", attr);

	if (!tree_write(t, p, data, len))
		abort();
	free(p);
}

void tree_skeleton(struct fuzz_tree *t)
{
	unsigned char config[256] = { 0 };

	/* Type 0 header of a virtio-net 1.0 device, no capability list. */
	config[0x00] = 0xf4; config[0x01] = 0x1a;	/* vendor 1af4 */
	config[0x02] = 0x41; config[0x03] = 0x10;	/* device 1041 */
	config[0x04] = 0x07; config[0x06] = 0x00;	/* command, status */
	config[0x08] = 0x01;				/* revision */
	config[0x0b] = 0x02;				/* class 02 00 00 */
	config[0x2c] = 0xf4; config[0x2d] = 0x1a;	/* subsystem vendor */
	config[0x2e] = 0x00; config[0x2f] = 0x11;	/* subsystem 1100 */

	link_to(t, "sys/bus/pci/devices/" SKELETON_BDF, "../../../devices/pci0000:00/" SKELETON_BDF);
	put(t, SKELETON_DIR "/vendor", "0x1af4\n");
	put(t, SKELETON_DIR "/device", "0x1041\n");
	put(t, SKELETON_DIR "/subsystem_vendor", "0x1af4\n");
	put(t, SKELETON_DIR "/subsystem_device", "0x1100\n");
	put(t, SKELETON_DIR "/class", "0x020000\n");
	put(t, SKELETON_DIR "/revision", "0x01\n");
	if (!tree_write(t, SKELETON_DIR "/config", config, sizeof(config)))
		abort();
	put(t, SKELETON_DIR "/resource",
	    "0x000000000000c000 0x000000000000c01f 0x0000000000040101\n"
	    "0x00000000fe800000 0x00000000fe800fff 0x0000000000040200\n"
	    "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
	    "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
	    "0x00000000fe000000 0x00000000fe003fff 0x000000000014220c\n"
	    "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
	    "0x00000000fe840000 0x00000000fe87ffff 0x0000000000046200\n");
	put(t, SKELETON_DIR "/reset_method", "flr bus\n");
	put(t, SKELETON_DIR "/reset", "");
	put(t, SKELETON_DIR "/driver_override", "(null)\n");
	put(t, SKELETON_DIR "/numa_node", "-1\n");
	put(t, SKELETON_DIR "/current_link_speed", "2.5 GT/s PCIe\n");
	link_to(t, SKELETON_DIR "/driver", "../../../bus/pci/drivers/virtio-pci");
	link_to(t, SKELETON_DIR "/iommu_group", "../../../kernel/iommu_groups/3");
	link_to(t, "sys/bus/pci/drivers/virtio-pci/" SKELETON_BDF, "../../../../devices/pci0000:00/" SKELETON_BDF);
	put(t, "sys/bus/pci/drivers/virtio-pci/bind", "");
	put(t, "sys/bus/pci/drivers/virtio-pci/unbind", "");
	put(t, "sys/bus/pci/drivers_probe", "");
	link_to(t, "sys/kernel/iommu_groups/3/devices/" SKELETON_BDF, "../../../../devices/pci0000:00/" SKELETON_BDF);
	put(t, "proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/vda ro intel_iommu=on\n");
	put(t, "proc/sys/kernel/osrelease", "6.1.0-18-amd64\n");
}

const struct pp_function *skeleton_function(const struct pp_model *m)
{
	struct pp_bdf b;
	const struct pp_function *f;

	if (!bdf_parse_sysfs(SKELETON_BDF, &b))
		abort();
	f = model_find(m, &b);
	FUZZ_ASSERT(f != NULL);
	return f;
}

struct pp_model *fuzz_model(struct fuzz_tree *t, struct pp_root *root)
{
	struct pp_model *m;

	if (root_open(root, t->root) != 0)
		abort();	/* the scratch root itself always exists */
	guard_active = true;
	m = model_build(root, NULL);
	guard_active = false;
	if (!m)
		root_close(root);
	return m;
}

void fuzz_model_free(struct pp_model *m, struct pp_root *root)
{
	model_free(m);
	root_close(root);
}

static bool canonical_under_devices(const char *p)
{
	const char *c;

	if (strncmp(p, "sys/devices/", 12) != 0)
		return false;
	for (c = p; *c; ) {
		const char *slash = strchr(c, '/');
		size_t n = slash ? (size_t)(slash - c) : strlen(c);

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += n;
		if (*c == '/')
			c++;
	}
	return true;
}

/* Every finding is from the catalogue, says something and names real BDFs. */
static void check_findings(const struct pp_findings *fs)
{
	const char *const *codes;
	size_t n_codes = checks_catalogue(&codes);

	for (size_t i = 0; i < fs->n; i++) {
		const struct pp_finding *x = &fs->v[i];
		bool known = false;
		json_object *j;

		FUZZ_ASSERT(x->code);
		for (size_t c = 0; c < n_codes; c++)
			known |= strcmp(codes[c], x->code) == 0;
		FUZZ_ASSERT(known);
		FUZZ_ASSERT(x->severity >= PP_INFO && x->severity <= PP_BLOCKER);
		FUZZ_ASSERT(x->message && *x->message);
		for (size_t r = 0; r < x->related.n; r++) {
			struct pp_bdf b;
			FUZZ_ASSERT(bdf_parse_sysfs(x->related.v[r], &b));
		}
		j = finding_json(x);
		FUZZ_ASSERT(j && json_object_to_json_string(j));
		json_object_put(j);
	}
}

/* The checks, on each function alone and on the set of all of them. */
/* list --json and explain --all --json as they stream (render-json.c, one
 * function at a time): what they print must parse back as JSON. */
static void render_streamed(struct pp_checker *c, struct pp_function **all, size_t n)
{
	for (int explain = 0; explain <= 1; explain++) {
		struct pp_verdict v;
		char *buf = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&buf, &len);
		json_object *parsed;

		FUZZ_ASSERT(out);
		verdict_judge(c, all, n, true, &v);
		FUZZ_ASSERT(json_render_verdict(out, &v, explain) == 0);
		FUZZ_ASSERT(fclose(out) == 0);
		parsed = json_tokener_parse(buf);
		FUZZ_ASSERT(parsed);
		json_object_put(parsed);
		free(buf);
		verdict_free(&v);
	}
}

static void judge_everything(const struct pp_model *m)
{
	struct pp_checker *c = checker_new(m);
	struct pp_function **all = xcalloc(m->n_functions + 1, sizeof(*all));
	struct pp_set everything = { all, m->n_functions };

	for (size_t i = 0; i < m->n_functions; i++)
		all[i] = &m->functions[i];
	for (size_t i = 0; i < m->n_functions; i++) {
		struct pp_function *f = &m->functions[i];
		struct pp_set alone = { &f, 1 };
		struct pp_findings fs = { 0 };

		checker_judge(c, &alone, f, &fs);
		check_findings(&fs);
		findings_free(&fs);
		checker_judge(c, &everything, f, &fs);
		check_findings(&fs);
		findings_free(&fs);
	}
	render_streamed(c, all, m->n_functions);
	free(all);
	checker_free(c);
}

void fuzz_check_model(const struct pp_model *m)
{
	const struct pp_function *first = m->functions, *last = m->functions + m->n_functions;
	json_object *doc;

	guard_active = true;
	doc = json_document(m);
	for (size_t i = 0; i < m->n_functions; i++) {
		const struct pp_function *f = &m->functions[i];
		char bdf[PP_BDF_LEN + 8];
		size_t depth = 0;
		struct pp_function **sub = NULL;
		size_t nsub;

		bdf_format(&f->addr, bdf);
		FUZZ_ASSERT(strcmp(bdf, f->bdf) == 0);
		FUZZ_ASSERT(i == 0 || bdf_compare(&m->functions[i - 1].addr, &f->addr) < 0);
		FUZZ_ASSERT(f->sysfs_dir && canonical_under_devices(f->sysfs_dir));

		/* The parent chain ends: no function is its own ancestor. */
		for (const struct pp_function *p = f->parent; p; p = p->parent) {
			FUZZ_ASSERT(p >= first && p < last);
			FUZZ_ASSERT(++depth <= m->n_functions);
		}
		for (size_t c = 0; c < f->n_children; c++)
			FUZZ_ASSERT(f->children[c]->parent == f);
		nsub = model_subtree(f, &sub);
		FUZZ_ASSERT(nsub < m->n_functions);
		free(sub);
		FUZZ_ASSERT(!f->alias_bridge || (f->alias_bridge >= first && f->alias_bridge < last &&
						 f->alias_bridge != f));
		if (f->physfn) {
			bool listed = false;
			FUZZ_ASSERT(f->physfn != f);
			for (size_t v = 0; v < f->physfn->n_virtfns; v++)
				listed |= f->physfn->virtfns[v] == f;
			FUZZ_ASSERT(listed);
		}

		for (size_t b = 0; b < f->n_bars; b++) {
			FUZZ_ASSERT(f->bars[b].start <= f->bars[b].end);
			FUZZ_ASSERT(f->bars[b].index >= 0);
			FUZZ_ASSERT(f->bars[b].kind <= PP_BAR_MEM_PREFETCH);
		}
		for (size_t r = 0; r < f->reset_methods.n; r++) {
			FUZZ_ASSERT(valid_driver_name(f->reset_methods.v[r]));
			for (size_t q = 0; q < r; q++)
				FUZZ_ASSERT(strcmp(f->reset_methods.v[q], f->reset_methods.v[r]) != 0);
		}
		FUZZ_ASSERT(!f->driver || (*f->driver && !strchr(f->driver, '/')));
		FUZZ_ASSERT(!f->driver_override || (*f->driver_override && strcmp(f->driver_override, "(null)") != 0));
		FUZZ_ASSERT(f->vendor_id >= -1 && f->vendor_id <= 0xffff);
		FUZZ_ASSERT(f->class_code >= -1 && f->class_code <= 0xffffff);
		FUZZ_ASSERT(f->config_len <= 4096);
		FUZZ_ASSERT(f->iommu_group >= -1);
		if (f->iommu_group >= 0) {
			const struct pp_group *g = model_group(m, f->iommu_group);
			bool member = false;
			FUZZ_ASSERT(g);
			for (size_t k = 0; k < g->n_members; k++)
				member |= g->members[k] == f;
			FUZZ_ASSERT(member);
		}
		free(text_class(f));
		free(text_device(f));
		free(text_reset_methods(f));
	}
	for (size_t g = 0; g < m->n_groups; g++) {
		FUZZ_ASSERT(g == 0 || m->groups[g - 1].id < m->groups[g].id);
		for (size_t k = 0; k < m->groups[g].n_members; k++)
			FUZZ_ASSERT(m->groups[g].members[k]->iommu_group == m->groups[g].id);
	}
	judge_everything(m);
	/* Serialise: every string must be valid for json-c to print. */
	FUZZ_ASSERT(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN) != NULL);
	json_object_put(doc);
	guard_active = false;
}

void fuzz_skeleton_setup(struct fuzz_tree *t)
{
	fuzz_quiet_stderr();
	tree_init(t);
	tree_skeleton(t);
}
