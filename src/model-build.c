/*
 * Building the model: every function under sys/devices/pci*, linked into
 * the bus hierarchy (parents, DMA alias bridges, SR-IOV, slots) and into
 * IOMMU groups; freeing it; the queries over links.  Nothing here decides
 * whether a device can be assigned: that is the checks (checks.c).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "model-internal.h"

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
struct pp_function *owner_of_path(const struct pp_model *m, const char *path)
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
 * ID of the PCIe-to-PCI bridge it came through (the kernel's pci_for_each_dma_alias): everything
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

/*
 * Where f's physfn link leads (canonical, malloc'd), or NULL.  Probed with
 * one lookup first: most functions have no physfn, and ENOENT says so (a
 * failed resolution would need a second lookup to tell a missing link
 * from a dangling one).  A link that does not resolve is damage.
 */
static char *read_physfn(struct pp_model *m, struct pp_function *f)
{
	char *p = fn_path(f, "physfn"), *canon = NULL;

	if (root_lexists(m->root, p)) {
		canon = root_resolve(m->root, p);
		if (!canon)
			strv_push(&f->unreadable, "physfn");
	} else if (errno != ENOENT) {
		strv_push(&f->unreadable, "physfn");
	}
	free(p);
	return canon;
}

/* physfn[i]: read_physfn of function i; taken. */
static void link_sriov(struct pp_model *m, char **physfn)
{
	for (size_t i = 0; i < m->n_functions; i++) {
		struct pp_function *f = &m->functions[i], *pf;
		char *canon = physfn[i], *base;
		struct pp_bdf b;

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
	free(physfn);
}

static int cmp_group(const void *a, const void *b)
{
	int x = ((const struct pp_group *)a)->id, y = ((const struct pp_group *)b)->id;
	return (x > y) - (x < y);
}

/*
 * A group's own attributes.  reserved_regions lines are "START END TYPE";
 * a "direct" region means firmware needs a 1:1 mapping (RMRR, IVMD) and the
 * kernel refuses to hand the group to a user domain (iommu core,
 * __iommu_device_set_domain with require_direct, since 6.5).
 */
static void read_group(struct pp_model *m, struct pp_group *g)
{
	char *p, *text, buf[64];

	p = xasprintf("sys/kernel/iommu_groups/%d/name", g->id);
	if (root_read_attr(m->root, p, buf, sizeof(buf)) >= 0)
		g->name = xstrdup(buf);
	free(p);
	p = xasprintf("sys/kernel/iommu_groups/%d/type", g->id);
	if (root_read_attr(m->root, p, buf, sizeof(buf)) >= 0)
		g->type = xstrdup(buf);
	free(p);
	p = xasprintf("sys/kernel/iommu_groups/%d/reserved_regions", g->id);
	text = root_read_file(m->root, p, 64 * 1024, NULL);
	free(p);
	g->direct_region = text ? PP_NO : PP_UNKNOWN;
	for (char *line = text, *next; line && *line; line = next) {
		char kind[32];

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (sscanf(line, "%*s %*s %31s", kind) == 1 && strcmp(kind, "direct") == 0) {
			g->direct_region = PP_YES;
			free(g->direct_evidence);
			g->direct_evidence = xasprintf("iommu_groups/%d/reserved_regions: %s", g->id, line);
			break;
		}
	}
	free(text);
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
	m->host.noiommu_only = m->n_groups > 0;
	for (size_t i = 0; i < m->n_groups; i++) {
		read_group(m, &m->groups[i]);
		m->host.noiommu_only &= m->groups[i].name && strcmp(m->groups[i].name, "vfio-noiommu") == 0;
	}
}

const struct pp_group *model_group(const struct pp_model *m, int id)
{
	struct pp_group key = { .id = id };

	if (id < 0 || !m->n_groups)
		return NULL;
	return bsearch(&key, m->groups, m->n_groups, sizeof(key), cmp_group);
}

void attach_slots(struct pp_model *m)
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
		/* The functions of one device are at most 8: found by address,
		 * not by a scan of every function per slot. */
		for (unsigned int fn = 0; fn < 8; fn++) {
			struct pp_bdf b = { .domain = dom, .bus = bus, .dev = dev, .fn = fn };
			struct pp_function *f = model_find(m, &b);

			if (f && !f->slot_name)
				f->slot_name = xstrdup(slots.v[i]);
		}
	}
	strv_free(&slots);
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

		/* Names from the tree reach the terminal in warnings: escaped. */
		char *shown = pp_escape(names.v[i], 64);

		if (!bdf_parse_sysfs(names.v[i], &f->addr)) {
			strv_pushf(&m->problems, "sys/bus/pci/devices/%s: not a PCI address, skipped", shown);
			free(shown);
			free(link);
			continue;
		}
		/* One spelling per function, the kernel's ("%04x:%02x:%02x.%x"):
		 * every later path is built from f->bdf, so a second spelling
		 * ("00000:01:00.0") would let the model judge one directory
		 * while the writes go to another. */
		bdf_format(&f->addr, f->bdf);
		if (strcmp(names.v[i], f->bdf) != 0) {
			strv_pushf(&m->problems, "sys/bus/pci/devices/%s: not the kernel's spelling of %s, skipped",
				   shown, f->bdf);
			free(shown);
			free(link);
			continue;
		}
		/* one resolution: where it points, and that it is a directory */
		canon = root_resolve_dir(m->root, link);
		free(link);
		/* The directory itself may be named otherwise (hostile.bats,
		 * dir-not-bdf): every path is built from this link's name, so the
		 * model reads and the writes go through the same link. */
		if (!canon || strncmp(canon, "sys/devices/", 12) != 0) {
			strv_pushf(&m->problems, "sys/bus/pci/devices/%s: %s, skipped", shown,
				!canon ? (errno == EXDEV ? "link leaves the root"
					  : errno == ENOTDIR ? "does not point into sys/devices" : strerror(errno))
				: "does not point into sys/devices");
			free(shown);
			free(canon);
			continue;
		}
		free(shown);
		f->sysfs_dir = canon;
		m->n_functions++;
	}
	strv_free(&names);
	qsort(m->functions, m->n_functions, sizeof(*m->functions), cmp_function);
	/* With one spelling per address a duplicate cannot remain; if one did,
	 * neither entry could be trusted to be the one written to: drop both. */
	for (size_t i = 1; i < m->n_functions; i++)
		if (bdf_compare(&m->functions[i - 1].addr, &m->functions[i].addr) == 0) {
			size_t j = i + 1;

			while (j < m->n_functions && bdf_compare(&m->functions[i - 1].addr, &m->functions[j].addr) == 0)
				j++;
			strv_pushf(&m->problems, "%s: listed twice, skipped", m->functions[i].bdf);
			for (size_t k = i - 1; k < j; k++)
				free(m->functions[k].sysfs_dir);
			memmove(&m->functions[i - 1], &m->functions[j], (m->n_functions - j) * sizeof(*m->functions));
			m->n_functions -= j - (i - 1);
			i--;
		}
	return 0;
}

struct pp_model *model_build(struct pp_root *root, const struct pp_model_opts *opts)
{
	struct pp_model *m = xcalloc(1, sizeof(*m));
	char **physfn;

	m->root = root;
	if (collect_functions(m) < 0 || !setup_libpci(m)) {
		model_free(m);
		return NULL;
	}
	read_host(m);
	physfn = xcalloc(m->n_functions + 1, sizeof(*physfn));
	for (size_t i = 0; i < m->n_functions; i++) {
		read_function(m, &m->functions[i], opts ? opts->numeric : 0);
		physfn[i] = read_physfn(m, &m->functions[i]);
		if (m->functions[i].config_limited)
			m->host.config_limited = true;
	}
	link_parents(m);
	find_alias_bridges(m);
	link_sriov(m, physfn);
	build_groups(m);
	for (size_t i = 0; i < m->n_functions; i++)
		m->functions[i].reset_methods_known = m->functions[i].has_reset_method_attr ||
						      m->host.kernel_has_reset_method;
	attach_slots(m);
	attach_netifs(m);
	attach_blockdevs(m);
	attach_framebuffers(m);
	attach_state(m);
	attach_vfio_holders(m);
	attach_boot(m);
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
	free(f->listed_name);
	free(f->driver);
	free(f->driver_override);
	strv_free(&f->reset_methods);
	strv_free(&f->vfio_holders);
	free(f->vfio_dev);
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
	free(f->boot_entries);
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
	for (size_t i = 0; i < m->n_groups; i++) {
		free(m->groups[i].members);
		free(m->groups[i].name);
		free(m->groups[i].type);
		free(m->groups[i].direct_evidence);
	}
	free(m->groups);
	free(m->host.kernel_release);
	free(m->host.read_as_root);
	strv_free(&m->host.lacks);
	free(m->host.damage);
	for (size_t i = 0; i < m->host.n_modules; i++) {
		strv_free(&m->host.modules[i].params);
		for (size_t k = 0; k < m->host.modules[i].values.n; k++)
			free(m->host.modules[i].values.v[k]);
		free(m->host.modules[i].values.v);
	}
	free(m->host.modules);
	bootcfg_free(&m->host.boot);
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
	/* without config space, the kernel's secondary_bus_number (bridges only) says it */
	return f->header_type == PCI_HEADER_TYPE_BRIDGE || f->header_type == PCI_HEADER_TYPE_CARDBUS ||
	       (f->class_code >= 0 && (f->class_code >> 16) == 0x06 && ((f->class_code >> 8) & 0xff) == 0x04) ||
	       (f->header_type < 0 && f->secondary_bus >= 0);
}

bool function_on_vfio(const struct pp_function *f)
{
	size_t n;

	if (!f->driver)
		return false;
	n = strlen(f->driver);
	/* vfio-pci itself, or a vfio-pci-core variant (mlx5_vfio_pci, ...):
	 * those create the device's vfio-dev/ directory when they bind. */
	return strcmp(f->driver, "vfio-pci") == 0 || f->has_vfio_dev ||
	       (n > 9 && strcmp(f->driver + n - 9, "_vfio_pci") == 0);
}

bool function_manages_dma(const struct pp_function *f)
{
	/* driver_managed_dma (5.19+): iommu_group_claim_dma_owner succeeds only
	 * while every other driver in the group declares it. */
	return !f->driver || function_on_vfio(f) || strcmp(f->driver, "pci-stub") == 0 ||
	       strcmp(f->driver, "pcieport") == 0;
}

bool function_is_user_owned(const struct pp_function *f)
{
	return !f->driver || function_on_vfio(f) || strcmp(f->driver, "pci-stub") == 0;
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
