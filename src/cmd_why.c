/*
 * pcipass why BDF: why the function's IOMMU group is what it is.  Walks
 * from the function towards the root the way the kernel's
 * pci_device_group does (predict.c) and names each step that joins others
 * into its group: the DMA alias of a bridge, the port without ACS (and the
 * ACS bits it lacks), the multifunction device without ACS, the quirk.
 * With the IOMMU off the group is the predicted one; with it on, the
 * kernel's group is shown beside it and a difference is said.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "predict.h"
#include "render-json.h"

static const struct pp_opt why_opts[] = {
	{ OPT_JSON, "json", 'j', NULL, "print one JSON document" },
	{ OPT_END, NULL, 0, NULL, NULL },
};

static const char *kind_word(enum pp_why_kind k)
{
	switch (k) {
	case WHY_ALIAS_BRIDGE: return "alias-bridge";
	case WHY_ALIAS_QUIRK: return "alias-quirk";
	case WHY_NO_ACS: return "no-acs";
	case WHY_MULTIFUNCTION: return "multifunction";
	case WHY_XLATE_ROOT: return "xlate-root";
	case WHY_ISOLATED: return "isolated";
	case WHY_ROOT_BUS: return "root-bus";
	}
	return "unknown";
}

static void add_acs(struct sbuf *b, const struct pp_acs_answer *a)
{
	char bits[32];

	if (a->quirk.name)
		sb_add(b, "%s (%s)", a->reason, a->quirk.name);
	else if (a->missing)
		sb_add(b, "lacks ACS %s: %s", acs_bits_text(a->missing, bits, sizeof(bits)), a->reason);
	else
		sb_add(b, "%s", a->reason);
}

static void add_list(struct sbuf *b, struct pp_function *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sb_add(b, "%s%s", i ? " " : "", v[i]->bdf);
}

/* One step in words (no BDF prefix): what joins what, and why. */
static char *step_text(const struct pp_model *m, const struct pp_why_step *s)
{
	struct sbuf b = { 0 };
	struct pp_acs_answer a;
	char bits[32];

	switch (s->kind) {
	case WHY_ALIAS_BRIDGE:
		sb_add(&b, "its DMA carries the requester ID of %s %s%s%s%s: joins that bridge's group",
		       port_name(s->to->port), s->to->bdf, s->quirk ? " (" : "", s->quirk ? s->quirk : "",
		       s->quirk ? ")" : "");
		break;
	case WHY_ALIAS_QUIRK:
		sb_add(&b, "DMA-alias quirk %s (%s): shares requester IDs with ", s->quirk ? s->quirk : "?",
		       s->source ? s->source : "?");
		add_list(&b, s->with, s->n_with);
		break;
	case WHY_NO_ACS:
		sb_add(&b, "%s %s above it does not isolate", port_name(s->to->port), s->to->bdf);
		if (s->culprit == s->to)
			sb_add(&b, " (");
		else
			sb_add(&b, " (%s %s further up ", port_name(s->culprit->port), s->culprit->bdf);
		add_acs(&b, &s->acs);
		sb_add(&b, "): joins its group");
		break;
	case WHY_MULTIFUNCTION:
		sb_add(&b, "function of multifunction device %04x:%02x:%02x without isolation (",
		       s->from->addr.domain, s->from->addr.bus, s->from->addr.dev);
		add_acs(&b, &s->acs);
		sb_add(&b, "): shares its group with ");
		add_list(&b, s->with, s->n_with);
		break;
	case WHY_XLATE_ROOT:
		sb_add(&b, "the DMA alias walk stops at %s, the translation root (%s)", s->to->bdf,
		       s->quirk ? s->quirk : "?");
		break;
	case WHY_ISOLATED:
		predict_acs_enabled(m, s->to, &a);
		sb_add(&b, "%s %s above it and every port up to the root isolate", port_name(s->to->port), s->to->bdf);
		if (a.quirk.name)
			sb_add(&b, " (%s: %s)", s->to->bdf, a.quirk.name);
		else if (s->to->has_acs == PP_YES)
			sb_add(&b, " (%s: ACS %s%s)", s->to->bdf,
			       acs_bits_text(PP_ACS_REQ & s->to->acs_cap_bits, bits, sizeof(bits)),
			       predict_from_capability(m) ? " capable" : "");
		break;
	case WHY_ROOT_BUS:
		sb_add(&b, "on root bus %04x:%02x: nothing above it to join", s->from->addr.domain, s->from->addr.bus);
		break;
	}
	return sb_take(&b);
}

static json_object *why_json(const struct pp_model *m, const struct pp_function *f, struct pp_why_step *v,
			     size_t n, struct pp_function **mem, size_t nm)
{
	json_object *doc = json_document(m), *steps = json_object_new_array(), *members = json_object_new_array();

	for (size_t i = 0; i < nm; i++)
		json_object_array_add(members, json_object_new_string(mem[i]->bdf));
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object(), *with = json_object_new_array();

		json_object_object_add(o, "step", json_object_new_string(kind_word(v[i].kind)));
		json_object_object_add(o, "function", json_object_new_string(v[i].from->bdf));
		json_object_object_add(o, "joins", v[i].to && v[i].kind != WHY_ISOLATED && v[i].kind != WHY_XLATE_ROOT
							   ? json_object_new_string(v[i].to->bdf) : NULL);
		json_object_object_add(o, "culprit", v[i].culprit ? json_object_new_string(v[i].culprit->bdf) : NULL);
		for (size_t k = 0; k < v[i].n_with; k++)
			json_object_array_add(with, json_object_new_string(v[i].with[k]->bdf));
		json_object_object_add(o, "with", with);
		if (v[i].kind == WHY_NO_ACS || v[i].kind == WHY_MULTIFUNCTION) {
			char bits[32];

			json_object_object_add(o, "acs_missing",
					       json_object_new_string(acs_bits_text(v[i].acs.missing, bits, sizeof(bits))));
			json_object_object_add(o, "acs_quirk", json_string_or_null(v[i].acs.quirk.name));
		}
		json_object_object_add(o, "quirk", json_string_or_null(v[i].quirk));
		{
			char *t = step_text(m, &v[i]);

			json_object_object_add(o, "message", json_object_new_string(t));
			free(t);
		}
		json_object_array_add(steps, o);
	}
	{
		json_object *o = json_object_new_object();

		json_object_object_add(o, "function", json_object_new_string(f->bdf));
		json_object_object_add(o, "predicted_group", json_object_new_int(f->predicted_group));
		json_object_object_add(o, "iommu_group", f->iommu_group < 0 ? NULL : json_object_new_int(f->iommu_group));
		json_object_object_add(o, "from_capability", json_object_new_boolean(predict_from_capability(m)));
		json_object_object_add(o, "members", members);
		json_object_object_add(o, "steps", steps);
		json_object_object_add(doc, "why", o);
	}
	return doc;
}

static int run_why(struct pp_ctx *ctx, int argc, char **argv)
{
	struct pp_function **fs = NULL, **mem = NULL;
	struct pp_why_step *steps = NULL;
	struct pp_model *m;
	size_t n = 0, ns, nm;
	int rc;

	if ((rc = check_bdf_args(argc, argv)))
		return rc;
	m = ctx_model(ctx);
	if (!m)
		return PP_EXIT_ERROR;
	/* the prediction walks ACS and DMA aliases in config space (HACKING, lspci dumps) */
	if ((rc = ctx_refuse_without_config(ctx, m, "why", "to predict groups from")))
		return rc;
	if ((rc = ctx_functions(m, argc, argv, &fs, &n))) {
		ctx_release(ctx, m);
		return rc;
	}
	predict_ensure(m);
	ns = predict_why(m, fs[0], &steps);
	nm = predict_members(m, fs[0]->predicted_group, &mem);
	if (ctx->json) {
		rc = json_print(stdout, why_json(m, fs[0], steps, ns, mem, nm));
	} else {
		const struct pp_function *f = fs[0];

		printf("%s: predicted group %d%s:", f->bdf, f->predicted_group,
		       predict_from_capability(m) ? " (from ACS capabilities: the IOMMU is off)" : "");
		for (size_t i = 0; i < nm; i++)
			printf(" %s", mem[i]->bdf);
		printf("\n");
		if (!predict_from_capability(m)) {
			if (f->iommu_group < 0) {
				printf("kernel group: none\n");
			} else {
				bool same = true;

				for (size_t i = 0; i < m->n_functions; i++) {
					const struct pp_function *t = &m->functions[i];
					if (t->iommu_group >= 0 &&
					    (t->iommu_group == f->iommu_group) != (t->predicted_group == f->predicted_group))
						same = false;
				}
				printf("kernel group %d: %s\n", f->iommu_group,
				       same ? "the same functions" : "DIFFERENT from the prediction");
				if (!same) {
					const char *d = predict_known_divergence(m);
					printf("  (%s)\n", d ? d : "a quirk or kernel rule pcipass does not have");
				}
			}
		}
		for (size_t i = 0; i < ns; i++) {
			char *t = step_text(m, &steps[i]);

			printf("  %s  %s: %s\n", steps[i].from->bdf, kind_word(steps[i].kind), t);
			free(t);
		}
		rc = fflush(stdout) ? -1 : 0;
	}
	rc = rc ? pp_error("stdout: write failed") : PP_EXIT_OK;
	predict_why_free(steps, ns);
	free(mem);
	free(fs);
	ctx_release(ctx, m);
	return rc;
}

const struct pp_command cmd_why = {
	.name = "why",
	.args = "BDF",
	.summary = "say why a function's IOMMU group holds what it holds, step by step to the root",
	.opts = why_opts,
	.min_args = 1,
	.max_args = 1,
	.run = run_why,
};
