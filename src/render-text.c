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

#include "columns.h"
#include "predict.h"
#include "redact.h"
#include "render-text.h"

#include <sys/ioctl.h>
#include <sys/types.h>

#define COLOR_RESET "\033[0m"

/* Severities in colour (--color): blocker red, warning yellow, ok green. */
static const char *sev_color_name(enum pp_severity s)
{
	return s == PP_BLOCKER ? "red" : s == PP_WARNING ? "yellow" : "green";
}

static const char *sev_color(enum pp_severity s)
{
	return s == PP_BLOCKER ? "\033[1;31m" : s == PP_WARNING ? "\033[33m" : "\033[32m";
}

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

	if (pp_color)
		col = fprintf(out, "  %s%s%s%*s %s: ", sev_color(x->severity), severity_name(x->severity), COLOR_RESET,
			      8 - (int)strlen(severity_name(x->severity)), "", x->code) -
		      (int)(strlen(sev_color(x->severity)) + strlen(COLOR_RESET));
	else
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
		if (!v->m->host.iommu_enabled || v->m->host.noiommu_only) {
			/* what the kernel's groups will make of it (predict.c) */
			char *outlook = predict_outlook(v->m, v->scope[i]);

			if (outlook) {
				fputs("  predicted: ", out);
				print_wrapped(out, 13, 13, outlook);
				free(outlook);
			}
		}
		/* -v: the capability facts the findings rest on, as lspci -vv words them */
		if (pp_verbose)
			render_facts(out, v->scope[i], 4);
		const struct pp_findings *fs = verdict_findings(v, i);

		for (size_t k = 0; k < fs->n; k++) {
			const struct pp_finding *x = &fs->v[k];

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

void render_host_summary(FILE *out, const struct pp_model *m, const char *source, const char *date,
			 const struct pp_redaction *redaction)
{
	const struct pp_host *h = &m->host;
	static const char *const vendors[] = { "unknown", "Intel VT-d", "AMD-Vi" };

	fprintf(out, "pcipass report\n\n");
	fprintf(out, "pcipass version: %s\n", PACKAGE_VERSION);
	fprintf(out, "created: %s\n", date);
	fprintf(out, "source: %s%s\n", source, m->root->live ? " (this host)" : "");
	fprintf(out, "read as root: %s\n", h->read_as_root);
	if (redaction)
		fprintf(out,
			"redacted: %zu attributes emptied (serial numbers, WWIDs, MAC addresses), %zu device serial "
			"numbers zeroed in config space, %zu IPv6 addresses zeroed, %zu command line words, %zu mount "
			"lines, %zu guest names replaced by " REDACTED_WORD " (the snapshot's REDACTED lists each file)\n",
			redaction->attributes, redaction->dsn, redaction->ipv6, redaction->cmdline, redaction->mounts,
			redaction->guests);
	fprintf(out, "\n== host\n\n");
	{
		char *k = pp_escape(h->kernel_release ? h->kernel_release : "unknown", 0);
		char *c = pp_escape(h->cmdline ? h->cmdline : "unknown", 0);

		fprintf(out, "kernel: %s\ncommand line: %s\n", k, c);
		free(k);
		free(c);
	}
	if (h->source == PP_SOURCE_LSPCI_DUMP) {
		char *lacks = strv_join(&h->lacks, ", "), *damage = h->damage ? pp_escape(h->damage, 0) : NULL;

		fprintf(out, "input: lspci listing\nlacks: %s\ndamage: %s\n", lacks, damage ? damage : "none");
		free(lacks);
		free(damage);
	}
	if (h->iommu_enabled)
		fprintf(out, "IOMMU: enabled (%s), %zu groups\n", vendors[h->iommu_vendor], m->n_groups);
	else if (host_lacks(h, "iommu-groups"))
		fprintf(out, "IOMMU: unknown (the listing names no IOMMU groups)\n");
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

/* What the tree says about a function's place: the DMA alias and port role. */
char *text_tree_note(const struct pp_function *f)
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

static const char *tri_word(enum pp_tri t);

/* "pcie_acs_override=downstream,multifunction" as the command line has it, or NULL. */
static char *acs_override_word(const struct pp_host *h)
{
	const char *p = h->cmdline ? strstr(h->cmdline, "pcie_acs_override=") : NULL;

	return p ? xstrndup(p, strcspn(p, " \t\n")) : NULL;
}

/*
 * One line of the host state fitted to width (0: whole): broken where a
 * clause ends ("; ") or a parenthesis opens, then at spaces if a clause is
 * still too long; the rest indented by two.  A word longer than the width
 * stays whole.
 */
static bool clause_ends(const char *p)
{
	return (p[0] == ' ' && p[1] == '(') || (p[0] == ';' && p[1] == ' ');
}

static void put_fitted(FILE *out, const char *line, size_t width)
{
	size_t col = 0;

	for (const char *p = line; *p;) {
		const char *end = p;
		size_t clause, w;

		while (*end && !clause_ends(end))
			end++;
		if (*end == ';')
			end++;
		clause = (size_t)(end - p);
		/* the whole clause if it fits here or on a line of its own */
		w = width && col > 2 && col + 1 + clause > width && 2 + clause <= width ? 0 : strcspn(p, " ");
		if (!w || (width && col > 2 && col + 1 + w > width)) {
			fputs("\n  ", out);
			col = 2;
			w = strcspn(p, " ");
		} else if (col) {
			fputc(' ', out);
			col++;
		}
		if (!width || col + clause <= width)
			w = clause;
		fprintf(out, "%.*s", (int)w, p);
		col += w;
		p += w;
		p += strspn(p, " ");
	}
	fputc('\n', out);
}

void render_list_host(FILE *out, const struct pp_verdict *v, size_t width)
{
	const struct pp_model *m = v->m;
	const struct pp_host *h = &m->host;
	static const char *const vendors[] = { "vendor unknown", "Intel VT-d", "AMD-Vi" };
	char *acs = acs_override_word(h), *shown = acs ? pp_escape(acs, 80) : NULL, *line;

	if (h->source == PP_SOURCE_LSPCI_DUMP) {
		/* what the listing was and lacked, before anything read from it */
		char *lacks = strv_join(&h->lacks, ", "), *damage = h->damage ? pp_escape(h->damage, 0) : NULL;

		line = xasprintf("input: lspci listing; lacks: %s%s%s", lacks, damage ? "; damage: " : "",
				 damage ? damage : "");
		put_fitted(out, line, width);
		free(line);
		free(lacks);
		free(damage);
	}
	if (h->iommu_enabled)
		line = xasprintf("IOMMU: on (%s, %zu group%s); interrupt remapping: %s; ACS override: %s",
				 vendors[h->iommu_vendor], m->n_groups, m->n_groups == 1 ? "" : "s",
				 tri_word(h->intremap), shown ? shown : "no");
	else if (host_lacks(h, "iommu-groups") && host_lacks(h, "config-space"))
		line = xasprintf("IOMMU: unknown (the listing names no groups and has no config space to predict "
				 "them from); interrupt remapping: %s; ACS override: %s",
				 tri_word(h->intremap), shown ? shown : "no");
	else if (host_lacks(h, "iommu-groups"))
		line = xasprintf("IOMMU: unknown (the listing names no groups; GROUP pN: predicted); "
				 "interrupt remapping: %s; ACS override: %s",
				 tri_word(h->intremap), shown ? shown : "no");
	else
		line = xasprintf("IOMMU: off (GROUP pN: predicted); interrupt remapping: %s; ACS override: %s",
				 tri_word(h->intremap), shown ? shown : "no");
	put_fitted(out, line, width);
	free(line);
	free(shown);
	free(acs);
	/* Host-wide findings once, here: the rows say only what is about each function. */
	for (size_t i = 0; i < v->n_host; i++) {
		const struct pp_finding *x = v->host[i];

		if (x->severity == PP_INFO)
			continue;
		line = xasprintf("host %s: %s%s%s%s", severity_name(x->severity), pp_color ? sev_color(x->severity) : "",
				 x->code, pp_color ? COLOR_RESET : "",
				 x->severity == PP_BLOCKER ? " (blocks every function below: pcipass explain says why)"
							   : " (pcipass explain says why)");
		put_fitted(out, line, width);
		free(line);
	}
}

/* A marker where a name was cut: the eye sees the name goes on. */
#define CUT_MARK "+"

/*
 * Cut s to width columns with the marker at the end; a trailing " [ids]"
 * (-nn) is kept whole, the name before it cut.  Widths are bytes: what
 * reaches here is pp_escape'd, and UTF-8 sequences are not split.
 */
static bool is_ids(const char *s, size_t len)
{
	/* "[0600]" or "[8086:10d3]": what -nn appends */
	if (len < 3 || s[0] != '[' || s[len - 1] != ']')
		return false;
	for (size_t i = 1; i + 1 < len; i++)
		if (!strchr("0123456789abcdef:", s[i]))
			return false;
	return true;
}

static char *cut_cell(const char *s, size_t width, bool keep_ids)
{
	size_t len = strlen(s), keep, tail = 0;
	const char *ids = strrchr(s, '[');

	if (len <= width || width < 2)
		return NULL;
	if (keep_ids && ids && ids > s && ids[-1] == ' ' && is_ids(ids, (size_t)(s + len - ids))) {
		if ((size_t)(s + len - ids) + 3 > width)
			return xstrdup(ids);	/* room for the ids alone */
		tail = (size_t)(s + len - ids) + 1;	/* " [8086:10d3]" */
	}
	keep = width - strlen(CUT_MARK) - tail;
	while (keep && ((unsigned char)s[keep] & 0xc0) == 0x80)
		keep--;
	while (keep && s[keep - 1] == ' ')
		keep--;
	return xasprintf("%.*s%s%s", (int)keep, s, CUT_MARK, tail ? s + len - tail : "");
}

static int terminal_width(FILE *out, size_t forced)
{
	struct winsize ws;
	const char *cols = getenv("COLUMNS");

	if (forced)
		return (int)forced;
	if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	if (cols && atoi(cols) > 0)
		return atoi(cols);
	return WIDTH;
}

static struct libscols_line *add_row(struct libscols_table *tb, struct libscols_line *parent,
				     const struct pp_list_opts *lo, const struct pp_function *f,
				     const struct pp_findings *fs)
{
	struct libscols_line *ln = scols_table_new_line(tb, parent);

	if (!ln)
		return NULL;
	for (size_t c = 0; c < lo->ncols; c++) {
		char *text = column_cell(lo->cols[c], f, fs, lo->numeric, lo->predicted), *safe = pp_escape(text, 0);

		free(text);
		if (scols_line_refer_data(ln, c, safe))
			free(safe);
		if (lo->cols[c] == COL_VERDICT && pp_color && fs) {
			const char *word = function_verdict(fs);
			enum pp_severity sev = strcmp(word, "ok") == 0 ? PP_INFO
					     : strcmp(word, "warn") == 0 ? PP_WARNING : PP_BLOCKER;

			scols_cell_set_color(scols_line_get_cell(ln, c), sev_color_name(sev));
		}
	}
	return ln;
}

/* Depth-first: f, then its children that are shown (idx >= 0). */
static void add_subtree(struct libscols_table *tb, struct libscols_line *parent, const struct pp_list_opts *lo,
			const struct pp_verdict *v, const ssize_t *idx, const struct pp_function *f)
{
	ssize_t k = idx[f - v->m->functions];
	struct libscols_line *ln = add_row(tb, parent, lo, f, verdict_findings(v, (size_t)k));

	for (size_t i = 0; ln && i < f->n_children; i++)
		if (idx[f->children[i] - v->m->functions] >= 0)
			add_subtree(tb, ln, lo, v, idx, f->children[i]);
}

/* "pci0000:00" from "sys/devices/pci0000:00/0000:00:1c.0/..." */
static char *root_bus_of(const struct pp_function *f)
{
	const char *p = f->sysfs_dir + strlen("sys/devices/");
	const char *slash = strchr(p, '/');

	return slash ? xstrndup(p, (size_t)(slash - p)) : xstrdup(p);
}

static void add_tree(struct libscols_table *tb, const struct pp_list_opts *lo, const struct pp_verdict *v,
		     size_t tree_col)
{
	const struct pp_model *m = v->m;
	ssize_t *idx = xcalloc(m->n_functions + 1, sizeof(*idx));
	struct libscols_line *bus_line = NULL;
	char *bus_name = NULL;

	for (size_t i = 0; i < m->n_functions; i++)
		idx[i] = -1;
	for (size_t k = 0; k < v->n; k++)
		idx[v->scope[k] - m->functions] = (ssize_t)k;
	for (size_t k = 0; k < v->n; k++) {
		const struct pp_function *f = v->scope[k];
		char *bus;

		/* the roots of what is shown: on a root bus, or below a bridge not shown */
		if (f->parent && idx[f->parent - m->functions] >= 0)
			continue;
		bus = root_bus_of(f);
		if (!bus_name || strcmp(bus, bus_name) != 0) {
			char *safe = pp_escape(bus, 0);

			bus_line = scols_table_new_line(tb, NULL);
			if (bus_line && scols_line_refer_data(bus_line, tree_col, safe))
				free(safe);
			free(bus_name);
			bus_name = bus;
		} else {
			free(bus);
		}
		add_subtree(tb, bus_line, lo, v, idx, f);
	}
	free(bus_name);
	free(idx);
}

/*
 * The narrowest the table can be: columns that are never cut at their
 * widest, the others at their heading's width.  Below it libsmartcols
 * would move cells to lines of their own; a longer line is better.
 */
static size_t min_table_width(struct libscols_table *tb, const struct pp_list_opts *lo)
{
	char *probe = NULL;
	size_t need = 0;

	scols_table_set_termforce(tb, SCOLS_TERMFORCE_NEVER);
	if (scols_print_table_to_string(tb, &probe))
		return 0;
	free(probe);
	for (size_t c = 0; c < lo->ncols; c++) {
		struct libscols_column *cl = scols_table_get_column(tb, c);
		size_t w = scols_column_get_width(cl), head = strlen(pp_columns[lo->cols[c]].name);

		need += (scols_column_is_trunc(cl) ? (w < head ? w : head) : w) + (c ? 1 : 0);
	}
	scols_table_set_termforce(tb, SCOLS_TERMFORCE_ALWAYS);
	return need;
}

/* libsmartcols sets the column widths only while printing: print to a
 * string and throw it away, so that scols_column_get_width() answers. */
static bool learn_widths(struct libscols_table *tb)
{
	char *probe = NULL;

	if (scols_print_table_to_string(tb, &probe))
		return false;
	free(probe);
	return true;
}

/* Cut what libsmartcols cut, with a marker: print once to learn the widths. */
static void mark_cuts(struct libscols_table *tb, const struct pp_list_opts *lo)
{
	struct libscols_iter *itr;
	struct libscols_line *ln;

	if (!learn_widths(tb))
		return;
	itr = scols_new_iter(SCOLS_ITER_FORWARD);
	if (!itr)
		return;
	while (scols_table_next_line(tb, itr, &ln) == 0)
		for (size_t c = 0; c < lo->ncols; c++) {
			struct libscols_column *cl = scols_table_get_column(tb, c);
			struct libscols_cell *ce = scols_line_get_cell(ln, c);
			const char *data = ce ? scols_cell_get_data(ce) : NULL;
			char *cut;

			if (!cl || !data || !scols_column_is_trunc(cl) || scols_column_is_tree(cl) ||
			    (pp_columns[lo->cols[c]].flags & SCOLS_FL_WRAP))
				continue;
			cut = cut_cell(data, scols_column_get_width(cl), lo->numeric >= 2);
			if (cut && scols_cell_refer_data(ce, cut))
				free(cut);
		}
	scols_free_iter(itr);
}

/*
 * -nn: a cut name keeps its [ids] (cut_cell); a column too narrow for more
 * shows the ids alone.  libsmartcols shares the width out without knowing
 * that, so the CLASS and DEVICE columns it cut get their room back: each
 * at least its widest [ids], the rest of the width they had between them
 * shared in proportion to what each had above that, held (strict width).
 */
static size_t ids_width(const char *data)
{
	const char *ids = data ? strrchr(data, '[') : NULL;
	size_t len = data ? strlen(data) : 0;

	return ids && ids > data && is_ids(ids, (size_t)(data + len - ids)) ? (size_t)(data + len - ids) : 0;
}

static void keep_ids_room(struct libscols_table *tb, const struct pp_list_opts *lo)
{
	struct libscols_iter *itr;
	struct libscols_line *ln;
	size_t cut[2], room[2], had[2], n = 0, total = 0, rooms = 0, above = 0, given = 0;

	if (lo->numeric < 2 || !learn_widths(tb))
		return;
	itr = scols_new_iter(SCOLS_ITER_FORWARD);
	if (!itr)
		return;
	for (size_t c = 0; c < lo->ncols && n < 2; c++) {
		struct libscols_column *cl = scols_table_get_column(tb, c);
		size_t longest = 0, r = 0;

		if (lo->cols[c] != COL_CLASS && lo->cols[c] != COL_DEVICE)
			continue;
		scols_reset_iter(itr, SCOLS_ITER_FORWARD);
		while (scols_table_next_line(tb, itr, &ln) == 0) {
			struct libscols_cell *ce = scols_line_get_cell(ln, c);
			const char *data = ce ? scols_cell_get_data(ce) : NULL;
			size_t len = data ? strlen(data) : 0, w = ids_width(data);

			longest = len > longest ? len : longest;
			r = w > r ? w : r;
		}
		if (scols_column_get_width(cl) >= longest)
			continue;	/* not cut */
		cut[n] = c;
		room[n] = r;
		had[n] = scols_column_get_width(cl);
		total += had[n];
		rooms += r;
		above += had[n] > r ? had[n] - r : 0;
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		struct libscols_column *cl = scols_table_get_column(tb, cut[i]);
		size_t share = above ? (total - rooms) * (had[i] > room[i] ? had[i] - room[i] : 0) / above
				     : (total - rooms) / n;
		size_t w = rooms >= total ? (room[i] > had[i] ? room[i] : had[i])
			   : i + 1 == n	  ? total - given
					  : room[i] + share;

		given += w;
		/* cut here, to w, and held there: libsmartcols no longer cuts it */
		scols_reset_iter(itr, SCOLS_ITER_FORWARD);
		while (scols_table_next_line(tb, itr, &ln) == 0) {
			struct libscols_cell *ce = scols_line_get_cell(ln, cut[i]);
			const char *data = ce ? scols_cell_get_data(ce) : NULL;
			char *shorter = data ? cut_cell(data, w, true) : NULL;

			if (shorter && scols_cell_refer_data(ce, shorter))
				free(shorter);
		}
		scols_column_set_whint(cl, (double)w);
		scols_column_set_flags(cl, (scols_column_get_flags(cl) & ~SCOLS_FL_TRUNC) | SCOLS_FL_STRICTWIDTH);
	}
	scols_free_iter(itr);
}

/* The sentence columns: broken at words to the width mark_cuts' probe gave
 * them, one chunk a line (libsmartcols' wrapnl functions). */
static void wrap_words(struct libscols_table *tb, const struct pp_list_opts *lo)
{
	struct libscols_iter *itr;
	struct libscols_line *ln;

	if (!learn_widths(tb))
		return;
	itr = scols_new_iter(SCOLS_ITER_FORWARD);
	if (!itr)
		return;
	for (size_t c = 0; c < lo->ncols; c++) {
		struct libscols_column *cl = scols_table_get_column(tb, c);
		size_t width = scols_column_get_width(cl);

		size_t longest = 0;

		if (!(pp_columns[lo->cols[c]].flags & SCOLS_FL_WRAP))
			continue;
		/* A word is never cut: the column is at least as wide as its
		 * longest ("downstream-port"), the cut columns give way. */
		scols_reset_iter(itr, SCOLS_ITER_FORWARD);
		while (scols_table_next_line(tb, itr, &ln) == 0) {
			struct libscols_cell *ce = scols_line_get_cell(ln, c);
			const char *data = ce ? scols_cell_get_data(ce) : NULL;

			for (const char *p = data; p && *p; p += strspn(p, " ")) {
				size_t w = strcspn(p, " ");

				longest = w > longest ? w : longest;
				p += w;
			}
		}
		if (longest > width) {
			width = longest;
			scols_column_set_whint(cl, (double)width);
			scols_column_set_flags(cl, scols_column_get_flags(cl) | SCOLS_FL_STRICTWIDTH);
		}
		scols_reset_iter(itr, SCOLS_ITER_FORWARD);
		while (scols_table_next_line(tb, itr, &ln) == 0) {
			struct libscols_cell *ce = scols_line_get_cell(ln, c);
			const char *data = ce ? scols_cell_get_data(ce) : NULL;
			struct sbuf b = { 0 };
			size_t col = 0;
			char *text;

			if (!data || strlen(data) <= width)
				continue;
			sb_add(&b, "%s", "");
			for (const char *p = data; *p;) {
				size_t w = strcspn(p, " ");

				if (col && col + 1 + w > width) {
					sb_add(&b, "\n");
					col = 0;
				} else if (col) {
					sb_add(&b, " ");
					col++;
				}
				sb_add(&b, "%.*s", (int)w, p);
				col += w;
				p += w;
				while (*p == ' ')
					p++;
			}
			text = sb_take(&b);
			if (scols_cell_refer_data(ce, text))
				free(text);
		}
		scols_column_set_flags(cl, (scols_column_get_flags(cl) & ~SCOLS_FL_TRUNC) | SCOLS_FL_WRAP);
		scols_column_set_wrapfunc(cl, scols_wrapnl_chunksize, scols_wrapnl_nextchunk, NULL);
		scols_column_set_safechars(cl, "\n");
	}
	scols_free_iter(itr);
}

int render_list(FILE *out, const struct pp_list_opts *lo, const struct pp_verdict *v)
{
	struct libscols_table *tb = scols_new_table();
	bool term = !lo->raw && !lo->pairs && (lo->width || isatty(fileno(out)));
	size_t tree_col = 0;
	size_t fit = 0;	/* the width fitted to, 0 when whole lines */
	int rc;

	if (!tb)
		return -ENOMEM;
	scols_table_set_stream(tb, out);
	scols_table_enable_raw(tb, lo->raw);
	scols_table_enable_export(tb, lo->pairs);
	scols_table_enable_noheadings(tb, lo->noheadings);
	scols_table_enable_colors(tb, pp_color);
	/* Fitted to the terminal (or --width); whole lines when piped. */
	scols_table_set_termforce(tb, term ? SCOLS_TERMFORCE_ALWAYS : SCOLS_TERMFORCE_NEVER);

	for (size_t c = 0; c < lo->ncols; c++)
		if (lo->cols[c] == COL_SLOT) {
			tree_col = c;
			break;
		}
	for (size_t c = 0; c < lo->ncols; c++) {
		const struct pp_coldef *d = &pp_columns[lo->cols[c]];
		int flags = d->flags;
		struct libscols_column *cl;

		/* -n: CLASS and DEVICE are codes, never cut */
		if (lo->numeric == 1 && (lo->cols[c] == COL_CLASS || lo->cols[c] == COL_DEVICE))
			flags &= ~SCOLS_FL_TRUNC;
		if (lo->tree && c == tree_col)
			flags |= SCOLS_FL_TREE;
		/* a sentence wraps at words on a terminal (wrap_words); is whole when piped */
		if (flags & SCOLS_FL_WRAP)
			flags = (flags & ~SCOLS_FL_WRAP) | (term ? SCOLS_FL_TRUNC : 0);
		cl = scols_table_new_column(tb, d->name, d->whint, flags);
		if (cl)
			scols_column_set_json_type(cl, d->json_type);
	}
	if (lo->tree) {
		add_tree(tb, lo, v, tree_col);
	} else {
		for (size_t k = 0; k < v->n; k++)
			add_row(tb, NULL, lo, v->scope[k], verdict_findings(v, k));
	}
	if (lo->sort >= 0)
		scols_sort_table(tb, scols_table_get_column(tb, (size_t)lo->sort));
	if (term) {
		size_t want = (size_t)terminal_width(out, lo->width), need = min_table_width(tb, lo);

		fit = need > want ? need : want;
		scols_table_set_termwidth(tb, fit);
		keep_ids_room(tb, lo);
		wrap_words(tb, lo);
		mark_cuts(tb, lo);
	}
	if (!lo->noheadings && !lo->raw && !lo->pairs)
		render_list_host(out, v, fit);
	rc = scols_print_table(tb) ? -EIO : 0;
	scols_unref_table(tb);
	if (!rc && lo->facts)
		for (size_t k = 0; k < v->n; k++) {
			fprintf(out, "\n%s:\n", v->scope[k]->bdf);
			render_facts(out, v->scope[k], 2);
		}
	return rc || ferror(out) ? -EIO : 0;
}

void render_facts(FILE *out, const struct pp_function *f, int indent)
{
	struct pp_strv facts = { 0 };

	function_facts(f, &facts);
	for (size_t i = 0; i < facts.n; i++) {
		fprintf(out, "%*s", indent, "");
		print_wrapped(out, (size_t)indent, (size_t)indent + 8, facts.v[i]);
	}
	strv_free(&facts);
}
