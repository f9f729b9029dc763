/*
 * All text output: the list table and tree (libsmartcols), explain's
 * findings wrapped at 80 columns, refusals.  Every function takes the
 * stream to write to and decides nothing: what to say comes from the
 * model and the verdict (checks.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libsmartcols.h>

#include "render-text.h"

#define WIDTH 80
#define FINDING_INDENT 11	/* "  blocker  " */
#define HINT_INDENT 17		/* "           hint: " */

char *text_class(const struct pp_function *f)
{
	return xstrdup(f->display_class ? f->display_class : "Unknown class");
}

char *text_device(const struct pp_function *f)
{
	if (f->display_device)
		return xstrdup(f->display_device);
	if (f->vendor_id >= 0)
		return xasprintf("%04x:????", (unsigned)f->vendor_id);
	return xstrdup("????:????");
}

char *text_reset_methods(const struct pp_function *f)
{
	return f->reset_methods.n ? strv_join(&f->reset_methods, ",") : xstrdup("-");
}

/* ---- explain ---- */

/* ---- text --------------------------------------------------------------- */

/*
 * Print text word by word from column col, breaking lines before WIDTH and
 * indenting continuation lines.  A word longer than a whole line (a sysfs
 * path in the evidence) is cut after a '/' where possible.
 */
static void print_wrapped(FILE *out, size_t col, size_t indent, const char *raw)
{
	/* Messages, hints, evidence and names carry strings from sysfs: escaped (HACKING). */
	char *text = pp_escape(raw, 0);
	bool line_start = true;
	size_t room = WIDTH > indent ? WIDTH - indent : 1;

	for (const char *p = text; *p;) {
		size_t w;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		w = strcspn(p, " ");
		if (!line_start && col + 1 + w > WIDTH && (w <= room || col + 1 >= WIDTH - 8)) {
			fprintf(out, "\n%*s", (int)indent, "");
			col = indent;
			line_start = true;
		}
		if (!line_start) {
			putc(' ', out);
			col++;
		}
		while (col + w > WIDTH && WIDTH > col + 1) {
			/* the part that fits, up to its last '/' if it has one */
			size_t fit = WIDTH - col, cut = fit;

			while (cut > 1 && p[cut - 1] != '/')
				cut--;
			if (cut <= 1)
				cut = fit;
			fwrite(p, 1, cut, out);
			fprintf(out, "\n%*s", (int)indent, "");
			col = indent;
			p += cut;
			w -= cut;
		}
		fwrite(p, 1, w, out);
		col += w;
		p += w;
		line_start = false;
	}
	putc('\n', out);
	free(text);
}

void render_finding(FILE *out, const struct pp_finding *x)
{
	int col;

	col = fprintf(out, "  %-8s %s: ", severity_name(x->severity), x->code);
	print_wrapped(out, (size_t)col, FINDING_INDENT, x->message);
	if (x->hint && *x->hint) {
		col = fprintf(out, "%*shint: ", FINDING_INDENT, "");
		print_wrapped(out, (size_t)col, HINT_INDENT, x->hint);
	}
	if (pp_verbose)
		for (size_t i = 0; i < x->evidence.n; i++) {
			col = fprintf(out, "%*sevidence: ", FINDING_INDENT, "");
			print_wrapped(out, (size_t)col, FINDING_INDENT + 10, x->evidence.v[i]);
		}
}

/* "0000:00:1f.2 SATA controller: Intel Corporation 82801IR/IO/IH ...", as lspci -D words it. */
static void print_header(FILE *out, const struct pp_function *f)
{
	char *class = text_class(f), *device = text_device(f), *line;

	line = xasprintf("%s: %s", class, device);
	fprintf(out, "%s ", f->bdf);
	print_wrapped(out, strlen(f->bdf) + 1, strlen(f->bdf) + 1, line);
	free(line);
	free(class);
	free(device);
}

int render_explain(FILE *out, const struct pp_verdict *v)
{
	char *line;

	/* Host-wide findings once, above the functions. */
	if (v->n_host) {
		const char *kernel = v->m->host.kernel_release;

		char *k = pp_escape(kernel, 64);

		fprintf(out, "host%s%s\n", kernel ? ": kernel " : "", kernel ? k : "");
		free(k);
		for (size_t h = 0; h < v->n_host; h++)
			render_finding(out, v->host[h]);
		putc('\n', out);
	}
	for (size_t i = 0; i < v->n; i++) {
		size_t shown = 0;

		print_header(out, v->scope[i]);
		for (size_t k = 0; k < v->per_fn[i].n; k++) {
			const struct pp_finding *x = &v->per_fn[i].v[k];

			if (x->host_wide)
				continue;
			render_finding(out, x);
			shown++;
		}
		if (!shown)
			fputs(v->n_host ? "  no findings beyond the host's\n" : "  no findings\n", out);
		putc('\n', out);
	}

	if (v->alone) {
		line = xasprintf("%zu of %zu function%s can be assigned on %s own", v->n_assignable, v->n,
				 v->n == 1 ? "" : "s", v->n == 1 ? "its" : "their");
	} else {
		struct pp_strv bdfs = { 0 };
		char *list;

		for (size_t i = 0; i < v->n; i++)
			strv_push(&bdfs, v->scope[i]->bdf);
		list = strv_join(&bdfs, " ");
		strv_free(&bdfs);
		if (v->assignable) {
			line = xasprintf("%s can be assigned%s", list, v->n > 1 ? " together" : "");
		} else {
			char *codes = strv_join(&v->blocker_codes, ", ");
			line = xasprintf("%s cannot be assigned%s: %zu blocker%s (%s)", list,
					 v->n > 1 ? " together" : "", v->blockers, v->blockers == 1 ? "" : "s", codes);
			free(codes);
		}
		free(list);
		if (v->warnings) {
			char *more = xasprintf("%s, %zu warning%s", line, v->warnings, v->warnings == 1 ? "" : "s");
			free(line);
			line = more;
		}
	}
	fputs("verdict: ", out);
	print_wrapped(out, 9, 9, line);
	free(line);
	if (!v->alone) {
		bool same = v->completed_set.n == v->n;

		for (size_t i = 0; same && i < v->n; i++)
			same = strv_contains(&v->completed_set, v->scope[i]->bdf);
		if (v->completion_blocked) {
			line = xasprintf("none: %s, part of the chipset, would have to come along",
					 v->completion_blocked->bdf);
			fputs("completed set: ", out);
			print_wrapped(out, 15, 15, line);
			free(line);
		} else if (!same) {
			line = strv_join(&v->completed_set, " ");
			fputs("completed set: ", out);
			print_wrapped(out, 15, 15, line);
			free(line);
		}
	}
	return ferror(out) ? -EIO : 0;
}

/* ---- report ---- */

static const char *tri_word(enum pp_tri t)
{
	return t == PP_YES ? "yes" : t == PP_NO ? "no" : "unknown";
}

void render_host_summary(FILE *out, const struct pp_model *m, const char *source, const char *date)
{
	const struct pp_host *h = &m->host;
	static const char *const vendors[] = { "unknown", "Intel VT-d", "AMD-Vi" };

	fprintf(out, "pcipass report\n\n");
	fprintf(out, "pcipass version: %s\n", PACKAGE_VERSION);
	fprintf(out, "created: %s\n", date);
	fprintf(out, "source: %s%s\n", source, m->root->live ? " (this host)" : "");
	fprintf(out, "read as root: %s\n", h->read_as_root);
	fprintf(out, "\n== host\n\n");
	{
		char *k = pp_escape(h->kernel_release ? h->kernel_release : "unknown", 0);
		char *c = pp_escape(h->cmdline ? h->cmdline : "unknown", 0);

		fprintf(out, "kernel: %s\ncommand line: %s\n", k, c);
		free(k);
		free(c);
	}
	if (h->iommu_enabled)
		fprintf(out, "IOMMU: enabled (%s), %zu groups\n", vendors[h->iommu_vendor], m->n_groups);
	else
		fprintf(out, "IOMMU: disabled (no IOMMU groups)\n");
	fprintf(out, "interrupt remapping: %s%s%s%s\n", tri_word(h->intremap), h->intremap_evidence ? " (" : "",
		h->intremap_evidence ? h->intremap_evidence : "", h->intremap_evidence ? ")" : "");
	fprintf(out, "page size: %lu\n", h->page_size);
	fprintf(out, "config space: %s\n", h->config_limited ? "64 bytes only (not read as root)" : "complete");
	fprintf(out, "PCI functions: %zu\n", m->n_functions);
	fprintf(out, "vfio module parameters:\n");
	for (size_t i = 0; i < h->n_modules; i++) {
		const struct pp_module *mod = &h->modules[i];

		if (!mod->loaded)
			fprintf(out, "  %s: no parameters in sysfs (module not loaded)\n", mod->name);
		else if (!mod->params.n)
			fprintf(out, "  %s: loaded, no parameters\n", mod->name);
		for (size_t k = 0; k < mod->params.n; k++)
			fprintf(out, "  %s.%s = %s\n", mod->name, mod->params.v[k],
				mod->values.v[k] ? mod->values.v[k] : "(unreadable)");
	}
	if (m->problems.n) {
		fprintf(out, "could not be read:\n");
		for (size_t i = 0; i < m->problems.n; i++)
			fprintf(out, "  %s\n", m->problems.v[i]);
	}
}

/* ---- refusals ---- */

void render_refusal(FILE *out, const struct pp_function *f, const struct pp_finding *x, bool forced,
		    const char *override)
{
	/* The finding is a sentence; the parenthesis ends it here. */
	char *msg = pp_escape(x->message, 0);
	int len = (int)strlen(msg);

	if (len && msg[len - 1] == '.')
		len--;
	if (forced)
		fprintf(out, "%s: %s: warning: %.*s (going ahead: %s)\n", pp_progname, f->bdf, len, msg, override);
	else if (override)
		fprintf(out, "%s: %s: refused: %.*s (use %s to override)\n", pp_progname, f->bdf, len, msg,
			override);
	else
		fprintf(out, "%s: %s: refused: %.*s (no override)\n", pp_progname, f->bdf, len, msg);
	free(msg);
}

void print_bystander_refusal(FILE *out, const char *bdf, const char *method, const struct pp_strv *named)
{
	char *list = strv_join(named, ", ");
	bool one = named->n == 1;

	fprintf(out, "%s: %s: refused: a %s reset of %s also resets %s, which %s still own%s; unbind %s first or "
		"use a function-level method\n",
		pp_progname, bdf, method, bdf, list, one ? "a host driver" : "host drivers", one ? "s" : "",
		one ? "it" : "them");
	free(list);
}

/* ---- list ---- */

enum { COL_SLOT, COL_CLASS, COL_DEVICE, COL_DRIVER, COL_GROUP, COL_RESET, COL_VERDICT };

static struct libscols_table *new_table(FILE *out, bool tree)
{
	struct libscols_table *tb = scols_new_table();

	if (!tb)
		return NULL;
	/* Wide and untruncated when piped; fitted to the terminal otherwise. */
	scols_table_set_stream(tb, out);
	scols_table_set_termforce(tb, isatty(fileno(out)) ? SCOLS_TERMFORCE_AUTO : SCOLS_TERMFORCE_NEVER);
	scols_table_new_column(tb, tree ? "TREE" : "SLOT", 0, tree ? SCOLS_FL_TREE : 0);
	scols_table_new_column(tb, "CLASS", 0.15, SCOLS_FL_TRUNC);
	scols_table_new_column(tb, "DEVICE", 0.3, SCOLS_FL_TRUNC);
	scols_table_new_column(tb, "DRIVER", 0, 0);
	scols_table_new_column(tb, "GROUP", 0, SCOLS_FL_RIGHT);
	scols_table_new_column(tb, "RESET", 0, 0);
	scols_table_new_column(tb, tree ? "NOTE" : "VERDICT", 0, tree ? SCOLS_FL_TRUNC : 0);
	return tb;
}

static void set_cell(struct libscols_line *ln, size_t col, char *s)
{
	/* refer_data hands ownership of s to the line. */
	if (scols_line_refer_data(ln, col, s))
		free(s);
}

/* What the tree says about a function's place: the DMA alias and port role. */
static char *tree_note(const struct pp_function *f)
{
	if (f->port == PP_PORT_PCIE_TO_PCI)
		return xstrdup("PCIe-to-PCI bridge: devices below share its requester ID");
	if (f->alias_bridge)
		return xasprintf("conventional, DMA alias of %s", f->alias_bridge->bdf);
	if (f->physfn)
		return xasprintf("SR-IOV VF of %s", f->physfn->bdf);
	if (f->port == PP_PORT_ROOT_PORT || f->port == PP_PORT_UPSTREAM || f->port == PP_PORT_DOWNSTREAM)
		return xstrdup(port_name(f->port));
	return xstrdup("");
}

static void fill_line(struct libscols_line *ln, const struct pp_function *f, bool tree)
{
	set_cell(ln, COL_SLOT, xstrdup(f->bdf));
	set_cell(ln, COL_CLASS, text_class(f));
	set_cell(ln, COL_DEVICE, text_device(f));
	set_cell(ln, COL_DRIVER, xstrdup(f->driver ? f->driver : "-"));
	set_cell(ln, COL_GROUP, f->iommu_group >= 0 ? xasprintf("%d", f->iommu_group) : xstrdup("-"));
	set_cell(ln, COL_RESET, text_reset_methods(f));
	if (tree)
		set_cell(ln, COL_VERDICT, tree_note(f));
}

static void add_subtree(struct libscols_table *tb, struct libscols_line *parent,
			const struct pp_function *f)
{
	struct libscols_line *ln = scols_table_new_line(tb, parent);

	if (!ln)
		return;
	fill_line(ln, f, true);
	for (size_t i = 0; i < f->n_children; i++)
		add_subtree(tb, ln, f->children[i]);
}

/* "pci0000:00" from "sys/devices/pci0000:00/0000:00:1c.0/..." */
static char *root_bus_of(const struct pp_function *f)
{
	const char *p = f->sysfs_dir + strlen("sys/devices/");
	const char *slash = strchr(p, '/');

	return slash ? strndup(p, (size_t)(slash - p)) : xstrdup(p);
}

int render_list_tree(FILE *out, const struct pp_model *m, const struct pp_selector *sel)
{
	struct libscols_table *tb = new_table(out, true);
	struct libscols_line *bus_line = NULL;
	char *bus_name = NULL;
	int rc;

	if (!tb)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_functions; i++) {
		const struct pp_function *f = &m->functions[i];
		char *bus;

		/* A selector keeps the subtrees rooted at matching functions. */
		if (sel->active ? !selector_match(m, sel, f) || (f->parent && selector_match(m, sel, f->parent))
				: f->parent != NULL)
			continue;
		bus = root_bus_of(f);
		if (!bus_name || strcmp(bus, bus_name) != 0) {
			bus_line = scols_table_new_line(tb, NULL);
			set_cell(bus_line, COL_SLOT, xstrdup(bus));
			free(bus_name);
			bus_name = bus;
		} else {
			free(bus);
		}
		add_subtree(tb, bus_line, f);
	}
	free(bus_name);
	rc = scols_print_table(tb) ? -EIO : 0;
	scols_unref_table(tb);
	return rc;
}

int render_list_table(FILE *out, const struct pp_verdict *v)
{
	struct libscols_table *tb = new_table(out, false);
	int rc;

	if (!tb)
		return -ENOMEM;
	for (size_t i = 0; i < v->n; i++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);

		if (!ln)
			break;
		fill_line(ln, v->scope[i], false);
		set_cell(ln, COL_VERDICT, xstrdup(verdict_word(&v->per_fn[i])));
	}
	rc = scols_print_table(tb) ? -EIO : 0;
	scols_unref_table(tb);
	return rc;
}
