/*
 * pcipass explain: why a set of functions can or cannot go to one guest.
 * The BDFs given form one assignment set; --all judges every function
 * alone, as list does.  Text is for a sysadmin at 80 columns, JSON for
 * scripts; both come from the same findings.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "cli.h"
#include "render-json.h"
#include "predict.h"
#include "render-text.h"
#include "vmconfig.h"

static const struct pp_opt explain_opts[] = {
	{ OPT_ALL, "all", 'a', NULL, "judge every function alone, as list does (exit 1 if any has a blocker)" },
	{ OPT_SLOT, "slot", 's', "[[[[DOMAIN]:]BUS]:][SLOT][.[FUNC]]",
	  "the functions in this slot form the set (as lspci -s); with --all each is judged alone" },
	{ OPT_ID, "device", 'd', "[VENDOR]:[DEVICE][:CLASS]", "the functions with these ids form the set (as lspci -d)" },
	{ OPT_NUMERIC, "numeric", 'n', NULL, "numeric ids in headers; twice (-nn) for names and ids" },
	{ OPT_JSON, "json", 'j', NULL, "print one JSON document" },
	{ OPT_STRICT, "strict", 0, NULL,
	  "count the reset and isolation warnings as blockers (guests that must not see each other's state)" },
	{ OPT_LIBVIRT_XML, "libvirt-xml", 0, NULL,
	  "print libvirt <hostdev> elements for the set, or its blockers (exit 1)" },
	{ OPT_QEMU_ARGS, "qemu-args", 0, NULL, "print QEMU -device vfio-pci arguments for the set, or its blockers" },
	{ OPT_MACHINE, "machine", 0, "TYPE", "with --libvirt-xml/--qemu-args: the guest machine, q35 (default) or pc" },
	{ OPT_CONTROLLER_INDEX, "controller-index", 0, "N",
	  "q35: the first pcie-root-port index (guest bus) pcipass adds (default 16)" },
	{ OPT_OUTPUT, "output", 'o', "DIR", "with --libvirt-xml: one file per element in DIR, for virsh attach-device" },
	{ OPT_COLOR, "color", 0, "WHEN", "colour severities: auto (a terminal, NO_COLOR unset), always or never" },
	{ OPT_END, NULL, 0, NULL, NULL },
};

/* The --libvirt-xml/--qemu-args options into opts; 0 or the exit status after a message. */
static int vm_options_parse(const struct pp_ctx *ctx, struct vm_options *opts)
{
	bool vm = ctx->libvirt_xml || ctx->qemu_args;
	char *end;
	long idx;

	opts->format = ctx->libvirt_xml ? VM_LIBVIRT_XML : VM_QEMU_ARGS;
	opts->machine = VM_Q35;
	opts->first_index = VM_DEFAULT_FIRST_INDEX;
	opts->output_dir = ctx->output;
	if (!vm && (ctx->machine || ctx->controller_index || ctx->output))
		return pp_usage_error("explain: --machine, --controller-index and --output go with --libvirt-xml "
				      "or --qemu-args");
	if (ctx->output && !ctx->libvirt_xml)
		return pp_usage_error("explain: --output DIR is for --libvirt-xml (QEMU arguments go to stdout)");
	if (ctx->output && !*ctx->output)
		return pp_usage_error("explain: --output: an empty path names no directory");
	if (ctx->machine) {
		if (strcmp(ctx->machine, "q35") == 0) {
			opts->machine = VM_Q35;
		} else if (strcmp(ctx->machine, "pc") == 0) {
			opts->machine = VM_PC;
		} else {
			char *shown = pp_escape(ctx->machine, 64);
			int rc = pp_usage_error("explain: --machine %s: not q35 or pc", shown);

			free(shown);
			return rc;
		}
	}
	if (ctx->controller_index) {
		if (opts->machine != VM_Q35)
			return pp_usage_error("explain: --controller-index is for --machine q35 (pc has no root ports)");
		errno = 0;
		idx = strtol(ctx->controller_index, &end, 10);
		if (errno || end == ctx->controller_index || *end || idx < 1 || idx > 255) {
			char *shown = pp_escape(ctx->controller_index, 64);
			int rc = pp_usage_error("explain: --controller-index %s: not a number from 1 to 255", shown);

			free(shown);
			return rc;
		}
		opts->first_index = (unsigned)idx;
	}
	return 0;
}

static int run_explain(struct pp_ctx *ctx, int argc, char **argv)
{
	struct vm_options vmopts;
	struct pp_function **scope = NULL;
	struct pp_checker *c;
	struct pp_verdict v;
	struct pp_model *m;
	size_t n = 0;
	int rc;

	bool selecting = ctx->slot_selector || ctx->id_selector;

	if ((ctx->all || selecting) && argc)
		return pp_usage_error("explain: %s and BDF arguments: choose one", ctx->all ? "--all" : "-s/-d");
	if (!ctx->all && !selecting && !argc)
		return pp_usage_error("explain: needs BDF... (one assignment set), -s/-d or --all");
	if (ctx->libvirt_xml && ctx->qemu_args)
		return pp_usage_error("explain: --libvirt-xml and --qemu-args: choose one");
	if ((ctx->libvirt_xml || ctx->qemu_args) && (ctx->all || ctx->json))
		return pp_usage_error("explain: --%s is for one set of BDFs, without --all or --json",
				      ctx->libvirt_xml ? "libvirt-xml" : "qemu-args");
	if ((rc = vm_options_parse(ctx, &vmopts)))
		return rc;
	m = ctx_model(ctx);
	if (!m)
		return PP_EXIT_ERROR;
	/* With the IOMMU off, the text says what its groups will be. */
	if (!m->host.iommu_enabled || m->host.noiommu_only)
		predict_ensure(m);
	if (ctx->all || selecting) {
		/* lspci's selectors: the functions they match (every one with --all alone) */
		struct pp_selector sel = { 0 };

		if ((rc = selector_parse(m, &sel, ctx->slot_selector, ctx->id_selector))) {
			ctx_release(ctx, m);
			return rc;
		}
		scope = xcalloc(m->n_functions + 1, sizeof(*scope));
		for (size_t i = 0; i < m->n_functions; i++)
			if (selector_match(m, &sel, &m->functions[i]))
				scope[n++] = &m->functions[i];
		selector_free(&sel);
		if (!n) {
			free(scope);
			ctx_release(ctx, m);
			return pp_error("explain: no function matches %s%s%s", ctx->slot_selector ? "-s " : "-d ",
					ctx->slot_selector ? "the slot" : "the ids",
					ctx->slot_selector && ctx->id_selector ? " and -d the ids" : "");
		}
	} else if ((rc = ctx_functions(m, argc, argv, &scope, &n))) {
		ctx_release(ctx, m);
		return rc;
	}
	for (size_t i = 0; i < m->problems.n; i++)
		pp_warn("%s", m->problems.v[i]);
	c = checker_new(m);
	checker_set_strict(c, ctx->strict);
	verdict_judge(c, scope, n, ctx->all, &v);
	if (ctx->libvirt_xml || ctx->qemu_args) {
		struct pp_set set = { scope, n };

		rc = vmconfig_emit(m, &set, v.per_fn, &vmopts);
	} else {
		rc = ctx->json ? json_render_verdict(stdout, &v, true) : render_explain(stdout, &v);
		/* a failed write is reported once, at exit (close_stdout) */
		rc = v.assignable ? PP_EXIT_OK : PP_EXIT_BLOCKED;
	}
	verdict_free(&v);
	checker_free(c);
	free(scope);
	ctx_release(ctx, m);
	return rc;
}

const struct pp_command cmd_explain = {
	.name = "explain",
	.args = "BDF...",
	.summary = "say whether the functions given can go to one guest together, and why not",
	.opts = explain_opts,
	.min_args = 0,
	.max_args = -1,
	.run = run_explain,
};
