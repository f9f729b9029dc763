/*
 * pcipass unbind: hand functions to vfio-pci (or --driver NAME) the way
 * As HACKING, Mutations says: remember the driver and driver_override it
 * had, set driver_override, unbind, drivers_probe, then check the driver
 * link and the /dev/vfio node.  A function that does not arrive is moved
 * back, and so is every function this run moved before it: a group is
 * handed over whole or not at all.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mutate.h"

static const struct pp_opt unbind_opts[] = {
	{ OPT_DRIVER, "driver", 0, "NAME", "bind to NAME instead of vfio-pci" },
	{ OPT_GROUP, "group", 'g', NULL, "take every endpoint of each function's IOMMU group (bridges stay)" },
	{ OPT_DRY_RUN, "dry-run", 'n', NULL, "print the plan as shell lines that would do it, change nothing" },
	{ OPT_FORCE_IN_USE, "force-in-use", 0, NULL, "go ahead with a device the host uses (its disk, NIC, console)" },
	{ OPT_FORCE_BOOT_VGA, "force-boot-vga", 0, NULL, "go ahead with the boot VGA (the host's console goes dark)" },
	{ OPT_PERSIST, "persist", 0, NULL, "also store the override as driverctl does, for every boot" },
	{ OPT_JSON, "json", 'j', NULL, "print the plan or the result as JSON" },
	{ OPT_END, NULL, 0, NULL, NULL },
};

/* The findings that stop an unbind; which override each has, if any, is
 * refuse_findings' (HACKING, Mutations): bridges never move. */
static const char *const unbind_refusals[] = { "not-endpoint", "boot-vga", "host-in-use", NULL };

struct plan {
	struct pp_function *f;
	struct pp_moved rec;		/* what rebind will restore */
	bool had_record;		/* a record from an earlier run (killed, or moved before) */
	bool moved;			/* this run moved it */
};

/* --group: the named functions plus every other endpoint of their groups. */
static void expand_groups(const struct pp_model *m, struct pp_function ***v, size_t *n)
{
	size_t named = *n;

	for (size_t i = 0; i < named; i++) {
		const struct pp_group *g = (*v)[i]->iommu_group >= 0 ? model_group(m, (*v)[i]->iommu_group) : NULL;

		for (size_t k = 0; g && k < g->n_members; k++)
			if (!function_is_bridge(g->members[k]))
				fnv_add_unique(v, n, g->members[k]);
	}
}

/* Undo this run: every function it moved (or started to move), newest first. */
static void roll_back(struct pp_session *s, struct plan *plans, size_t upto)
{
	for (size_t i = upto + 1; i-- > 0;) {
		struct plan *p = &plans[i];
		struct pp_move back = {
			.override = p->rec.override,
			.to = p->rec.driver,
			.how = p->rec.driver ? BIND_DRIVER : BIND_NONE,
		};
		char *why = NULL;

		if (!p->moved)
			continue;
		if (move_function(s, p->f, &back, &why) == 0) {
			/* Back where it started: nothing left for rebind to do. */
			pp_warn("%s: rolled back: on %s again", p->f->bdf, driver_label(p->rec.driver));
			session_outcome_told(s, p->f->bdf, p->f->driver, p->rec.driver, "rolled-back", "rolled back");
			if (session_drop(s, p->f->bdf) < 0)
				pp_report();
		} else {
			char *where = root_path(s->m->root, STATE_DIR);
			pp_warn("%s: rollback failed: %s; %s/%s keeps what 'pcipass rebind %s' needs", p->f->bdf, why,
				where, p->f->bdf, p->f->bdf);
			session_outcome_told(s, p->f->bdf, p->f->driver, p->rec.target, "failed", why);
			free(where);
		}
		free(why);
	}
}

static int apply(struct pp_session *s, struct plan *plans, size_t n, const char *target)
{
	for (size_t i = 0; i < n; i++) {
		struct plan *p = &plans[i];
		struct pp_move there = { .override = target, .to = target, .how = BIND_PROBE };
		struct pp_strv nodes = { 0 };
		char *why = NULL;

		p->moved = true;
		/* Bound is not enough for vfio-pci: its group file or device cdev must be there. */
		if (move_function(s, p->f, &there, &why) == 0 && !s->dry_run && strcmp(target, "vfio-pci") == 0 &&
		    p->f->iommu_group >= 0) {
			vfio_nodes(s, p->f, &nodes);
			if (!nodes.n)
				why = xasprintf("vfio-pci bound it but neither /dev/vfio/%d nor /dev/vfio/devices/vfioN "
						"appeared", p->f->iommu_group);
		}
		if (why) {
			pp_warn("%s: unbind failed: %s", p->f->bdf, why);
			free(why);
			strv_free(&nodes);
			roll_back(s, plans, i);
			return PP_EXIT_ERROR;
		}
		if (s->dry_run) {
			session_outcome(s, p->f->bdf, p->f->driver, target, "planned", NULL, NULL,
					"%s: %s -> %s (dry run: nothing written)", p->f->bdf, driver_label(p->f->driver),
					target);
		} else {
			char *list = strv_join(&nodes, ", ");

			session_outcome(s, p->f->bdf, p->f->driver, target, "moved", &nodes, NULL, "%s: %s -> %s%s%s",
					p->f->bdf, driver_label(p->f->driver), target, nodes.n ? ", " : "", list);
			free(list);
		}
		strv_free(&nodes);
	}
	return PP_EXIT_OK;
}

/* --persist, once every function is where it should be: driverctl's saved
 * override for each; if one cannot be stored, none stays stored and the
 * caller moves every function back. */
static int persist_all(struct pp_session *s, struct pp_function **set, size_t n, const char *target)
{
	for (size_t i = 0; i < n; i++)
		if (persist_override(s, set[i], target) < 0) {
			for (size_t k = 0; k < i; k++)
				unpersist_override(s, set[k]);
			return PP_EXIT_ERROR;
		}
	return PP_EXIT_OK;
}

static int run_unbind(struct pp_ctx *ctx, int argc, char **argv)
{
	const char *target = ctx->driver ? ctx->driver : "vfio-pci";
	struct pp_session s;
	struct pp_function **set = NULL;
	struct plan *plans = NULL;
	size_t n_set = 0, n_plans = 0, saved = 0;
	int rc;

	if ((rc = check_bdf_args(argc, argv)) || (ctx->driver && (rc = check_driver_arg("--driver", ctx->driver))))
		return rc;
	if ((rc = session_begin(&s, ctx, "unbind")))
		return rc;
	if ((rc = ctx_functions(s.m, argc, argv, &set, &n_set)))
		goto out;
	if (ctx->group)
		expand_groups(s.m, &set, &n_set);

	/* Plan: what moves, and what it had; nothing is written yet. */
	plans = xcalloc(n_set, sizeof(*plans));
	for (size_t i = 0; i < n_set; i++) {
		struct pp_function *f = set[i];
		struct plan *p;
		int had;

		if (f->driver && strcmp(f->driver, target) == 0) {
			session_outcome(&s, f->bdf, f->driver, target, "already", NULL, NULL,
					"%s: already bound to %s", f->bdf, target);
			continue;
		}
		if (!f->has_driver_override_attr) {
			rc = pp_error("%s: no driver_override attribute (Linux 3.16 or later needed)", f->bdf);
			goto out;
		}
		if (f->driver && !valid_driver_name(f->driver)) {
			rc = pp_driver_link_refusal(f->bdf, f->driver);
			goto out;
		}
		p = &plans[n_plans++];
		p->f = f;
		had = state_load(&s.state, f->bdf, &p->rec);
		if (had < 0) {
			rc = pp_report();
			goto out;
		}
		/* A record from an earlier run knows the real original driver;
		 * the host now shows what that run left behind. */
		p->had_record = had == 1;
		if (!p->had_record) {
			snprintf(p->rec.bdf, sizeof(p->rec.bdf), "%s", f->bdf);
			p->rec.driver = xstrdup(f->driver);
			p->rec.override = xstrdup(f->driver_override);
		}
		free(p->rec.target);
		p->rec.target = xstrdup(target);
	}
	/* Safety: judged on the whole set, before any write (a refused run
	 * loads no module either). */
	{
		struct pp_set js = { .members = set, .n = n_set };
		struct pp_function **check = xcalloc(n_plans + 1, sizeof(*check));
		size_t refused;

		for (size_t i = 0; i < n_plans; i++)
			check[i] = plans[i].f;
		refused = refuse_findings(&s, &js, check, n_plans, unbind_refusals);
		free(check);
		if (refused) {
			rc = PP_EXIT_BLOCKED;
			goto out;
		}
	}
	if (n_plans && (rc = session_load_driver(&s, target)))
		goto out;

	/* Remember before touching: a run killed from here on leaves records rebind can use. */
	for (saved = 0; saved < n_plans; saved++)
		if (session_save(&s, &plans[saved].rec) < 0) {
			pp_report();
			for (size_t k = 0; k < saved; k++)
				if (!plans[k].had_record)
					session_drop(&s, plans[k].f->bdf);
			rc = PP_EXIT_ERROR;
			goto out;
		}
	if (n_plans)
		test_hook(&s, "state");
	rc = apply(&s, plans, n_plans, target);
	if (rc == PP_EXIT_OK && ctx->persist && (rc = persist_all(&s, set, n_set, target)))
		roll_back(&s, plans, n_plans ? n_plans - 1 : 0);
out:
	for (size_t i = 0; i < n_plans; i++)
		moved_free(&plans[i].rec);
	free(plans);
	free(set);
	return session_finish(&s, rc);
}

const struct pp_command cmd_unbind = {
	.name = "unbind",
	.args = "BDF...",
	.summary = "move functions from their host driver to vfio-pci, remembering the driver",
	.opts = unbind_opts,
	.min_args = 1,
	.max_args = -1,
	.run = run_unbind,
};
