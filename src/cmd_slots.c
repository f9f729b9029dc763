/*
 * pcipass slots: the slot advisor.  Every physical slot the kernel knows
 * (/sys/bus/pci/slots/NAME/address), the port behind it (the bridge whose
 * secondary bus the slot is on), its link, whether the port isolates
 * (ACS on the whole path to the root, as pci_device_group asks), and what
 * a single-function card placed there would share its IOMMU group with
 * (predict.c; the cards in the slot now are left out).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "predict.h"
#include "render-json.h"

static const struct pp_opt slots_opts[] = {
	{ OPT_JSON, "json", 'j', NULL, "print one JSON document" },
	{ OPT_END, NULL, 0, NULL, NULL },
};

struct slot {
	char *name;
	struct pp_bdf addr;		/* of the slot: domain, bus and device; fn 0 */
	const struct pp_function *port;	/* NULL: no bridge has this secondary bus (a root bus slot) */
	char *link;			/* "x1 2.5 GT/s PCIe (max x32 16.0 GT/s PCIe)", "33 MHz PCI", or NULL */
	bool isolates;
	char *isolation;		/* the words for it */
	struct pp_strv shares;		/* BDFs a card there shares its group with */
	struct pp_strv occupants;	/* functions in the slot now */
};

/* One attribute of a directory under the root, trimmed; NULL when absent. */
static char *attr(const struct pp_model *m, const char *dir, const char *name)
{
	char path[512], buf[128];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	n = root_read_attr(m->root, path, buf, sizeof(buf));
	if (n <= 0)
		return NULL;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return n > 0 ? pp_escape(buf, 64) : NULL;
}

static char *port_link(const struct pp_model *m, const struct pp_function *port, const char *slotdir)
{
	char *cs = port ? attr(m, port->sysfs_dir, "current_link_speed") : NULL;
	char *cw = port ? attr(m, port->sysfs_dir, "current_link_width") : NULL;
	char *ms = port ? attr(m, port->sysfs_dir, "max_link_speed") : NULL;
	char *mw = port ? attr(m, port->sysfs_dir, "max_link_width") : NULL;
	struct sbuf b = { 0 };
	char *r;

	if (port && port->is_pcie == PP_YES && port->port != PP_PORT_PCIE_TO_PCI && cs && cw) {
		sb_add(&b, "x%s %s", cw, cs);
		if (ms && mw && strcmp(mw, "0") != 0)
			sb_add(&b, " (max x%s %s)", mw, ms);
		r = sb_take(&b);
	} else {
		r = attr(m, slotdir, "cur_bus_speed");
	}
	free(cs);
	free(cw);
	free(ms);
	free(mw);
	return r;
}

static void describe(const struct pp_model *m, struct slot *s)
{
	const struct pp_function *joins;
	struct pp_acs_answer a;
	struct pp_function **mem;
	struct sbuf b = { 0 };
	char bits[32];
	size_t n;

	for (size_t i = 0; i < m->n_functions; i++) {
		const struct pp_function *f = &m->functions[i];
		if (f->addr.domain == s->addr.domain && f->addr.bus == s->addr.bus && f->addr.dev == s->addr.dev)
			strv_push(&s->occupants, f->bdf);
	}
	if (!s->port) {
		s->isolation = xstrdup("no port found for this bus");
		return;
	}
	joins = predict_card_joins(m, s->port, &a);
	s->isolates = !joins;
	if (!joins) {
		sb_add(&b, "yes (%s)", a.quirk.name ? a.quirk.name : "ACS");
	} else {
		if (a.quirk.name)
			sb_add(&b, "no (%s)", a.quirk.name);
		else if (joins != s->port || s->port->is_pcie != PP_YES || s->port->port == PP_PORT_PCIE_TO_PCI)
			sb_add(&b, "no (conventional bus)");
		else if (a.missing && s->port->has_acs == PP_YES)
			sb_add(&b, "no (lacks ACS %s)", acs_bits_text(a.missing, bits, sizeof(bits)));
		else if (s->port->has_acs == PP_NO && (s->port->port == PP_PORT_ROOT_PORT || s->port->port == PP_PORT_DOWNSTREAM))
			sb_add(&b, "no (no ACS)");
		else
			sb_add(&b, "no (above it: no ACS)");
		n = predict_members(m, joins->predicted_group, &mem);
		for (size_t i = 0; i < n; i++) {
			const struct pp_function *f = mem[i], *p = f;
			bool in_slot = false;

			/* the cards in the slot now, and what is below them, are what a new card replaces */
			for (size_t d = 0; p && d <= m->n_functions; p = p->parent, d++)
				if (p->addr.domain == s->addr.domain && p->addr.bus == s->addr.bus && p->addr.dev == s->addr.dev)
					in_slot = true;
			if (!in_slot)
				strv_push(&s->shares, f->bdf);
		}
		free(mem);
	}
	s->isolation = sb_take(&b);
}

static int slot_cmp(const void *pa, const void *pb)
{
	const struct slot *a = pa, *b = pb;

	int c = bdf_compare(&a->addr, &b->addr);

	if (c)
		return c;
	return strcmp(a->name, b->name);
}

static size_t read_slots(const struct pp_model *m, struct slot **out)
{
	struct pp_strv names = { 0 };
	size_t n = 0;

	*out = NULL;
	root_list_dir(m->root, "sys/bus/pci/slots", &names);
	strv_sort(&names);
	*out = xcalloc(names.n + 1, sizeof(**out));
	for (size_t i = 0; i < names.n; i++) {
		char dir[512], *addr;
		struct slot *s = &(*out)[n];

		if (strchr(names.v[i], '/') || names.v[i][0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "sys/bus/pci/slots/%s", names.v[i]);
		addr = attr(m, dir, "address");
		if (!addr || sscanf(addr, "%x:%x:%x", &s->addr.domain, &s->addr.bus, &s->addr.dev) != 3) {
			free(addr);
			continue;
		}
		free(addr);
		s->name = pp_escape(names.v[i], 64);
		for (size_t k = 0; k < m->n_functions; k++) {
			const struct pp_function *f = &m->functions[k];
			if (function_is_bridge(f) && f->addr.domain == s->addr.domain && f->secondary_bus == (int)s->addr.bus)
				s->port = f;
		}
		s->link = port_link(m, s->port, dir);
		describe(m, s);
		n++;
	}
	strv_free(&names);
	qsort(*out, n, sizeof(**out), slot_cmp);
	return n;
}

static void free_slots(struct slot *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].link);
		free(v[i].isolation);
		strv_free(&v[i].shares);
		strv_free(&v[i].occupants);
	}
	free(v);
}

static int print_text(const struct slot *v, size_t n)
{
	int wn = 4, wl = 4, wi = 8;

	for (size_t i = 0; i < n; i++) {
		if ((int)strlen(v[i].name) > wn)
			wn = (int)strlen(v[i].name);
		if (v[i].link && (int)strlen(v[i].link) > wl)
			wl = (int)strlen(v[i].link);
		if ((int)strlen(v[i].isolation) > wi)
			wi = (int)strlen(v[i].isolation);
	}
	printf("%-*s %-10s %-12s %-*s %-*s %s\n", wn, "SLOT", "ADDRESS", "PORT", wi, "ISOLATES", wl, "LINK",
	       "A CARD THERE SHARES ITS GROUP WITH");
	for (size_t i = 0; i < n; i++) {
		const struct slot *s = &v[i];
		char addr[16], *shares = strv_join(&s->shares, " ");

		snprintf(addr, sizeof(addr), "%04x:%02x:%02x", s->addr.domain, s->addr.bus, s->addr.dev);
		printf("%-*s %-10s %-12s %-*s %-*s %s\n", wn, s->name, addr, s->port ? s->port->bdf : "-", wi,
		       s->isolation, wl, s->link ? s->link : "-", s->shares.n ? shares : "nothing (a group of its own)");
		free(shares);
	}
	return fflush(stdout) ? -1 : 0;
}

static int print_json(const struct pp_model *m, const struct slot *v, size_t n)
{
	json_object *doc = json_document(m), *a = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		const struct slot *s = &v[i];
		json_object *o = json_object_new_object();
		char addr[16];

		snprintf(addr, sizeof(addr), "%04x:%02x:%02x", s->addr.domain, s->addr.bus, s->addr.dev);
		json_object_object_add(o, "name", json_object_new_string(s->name));
		json_object_object_add(o, "address", json_object_new_string(addr));
		json_object_object_add(o, "port", s->port ? json_object_new_string(s->port->bdf) : NULL);
		json_object_object_add(o, "port_type", s->port ? json_object_new_string(port_name(s->port->port)) : NULL);
		json_object_object_add(o, "link", json_string_or_null(s->link));
		json_object_object_add(o, "isolates", json_object_new_boolean(s->isolates));
		json_object_object_add(o, "isolation", json_string_or_null(s->isolation));
		json_object_object_add(o, "occupants", json_strv(&s->occupants));
		json_object_object_add(o, "shares_group_with", json_strv(&s->shares));
		json_object_array_add(a, o);
	}
	json_object_object_add(doc, "slots", a);
	return json_print(stdout, doc);
}

static int run_slots(struct pp_ctx *ctx, int argc, char **argv)
{
	struct pp_model *m;
	struct slot *v;
	size_t n;
	int rc;

	(void)argc;
	(void)argv;
	m = ctx_model(ctx);
	if (!m)
		return PP_EXIT_ERROR;
	/* what a card would join is read from the ports' config space (HACKING, lspci dumps) */
	if ((rc = ctx_refuse_without_config(ctx, m, "slots", "to judge the slots' ports from")))
		return rc;
	for (size_t i = 0; i < m->problems.n; i++)
		pp_warn("%s", m->problems.v[i]);
	predict_ensure(m);
	n = read_slots(m, &v);
	rc = ctx->json ? print_json(m, v, n) : print_text(v, n);
	rc = rc ? pp_error("stdout: write failed") : PP_EXIT_OK;
	free_slots(v, n);
	ctx_release(ctx, m);
	return rc;
}

const struct pp_command cmd_slots = {
	.name = "slots",
	.args = NULL,
	.summary = "list the physical slots, the port behind each, and what a card there would share its group with",
	.opts = slots_opts,
	.min_args = 0,
	.max_args = 0,
	.run = run_slots,
};
