/*
 * pcipass rebind: give functions back to the host.  For each: restore
 * driver_override, let go of vfio-pci, bind the driver pcipass recorded
 * (or reprobe when it had none), verify, and only then drop the record.
 * If the old driver does not take it, the function goes back to where it
 * was and the record stays, so nothing is ever left without an owner and
 * without a note of where it belongs.
 *
 * It also recovers what a killed `unbind` left half-done: the record is
 * written before the first sysfs write, and every step here is skipped
 * when the host already shows its result.  With --all, a stale record (the
 * function is gone, or its driver is neither loaded nor loadable) is
 * reported and cleared: nothing can act on it any more.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mutate.h"

static const struct pp_opt rebind_opts[] = {
	{ OPT_ALL, "all", 'a', NULL, "every function pcipass has a record of" },
	{ OPT_DRY_RUN, "dry-run", 'n', NULL, "print the plan as shell lines that would do it, change nothing" },
	{ OPT_PERSIST, "persist", 0, NULL, "also remove driverctl's saved override, so the next boot keeps the host driver" },
	{ OPT_JSON, "json", 'j', NULL, "print the plan or the result as JSON" },
	{ OPT_END, NULL, 0, NULL, NULL },
};

struct plan {
	struct pp_function *f;
	struct pp_moved rec;
	bool has_record;
	struct pp_move back;		/* to the host */
	struct pp_move undo;		/* to where it is now, if the host driver fails */
	bool load;			/* its driver is to be loaded first (after the safety check) */
};

/* A function with no record is left alone unless a user driver holds it. */
static bool worth_reprobing(const struct pp_function *f)
{
	return (f->driver && function_is_user_owned(f)) || f->driver_override;
}

static const char *const rebind_refusals[] = { "in-use-by-vm", NULL };

static int plan_one(struct pp_session *s, struct plan *p, bool *skip, bool all)
{
	struct pp_function *f = p->f;
	int had = state_load(&s->state, f->bdf, &p->rec);

	*skip = false;
	p->load = false;
	if (had < 0)
		return pp_report();
	p->has_record = had == 1;
	if (f->driver && !valid_driver_name(f->driver))
		return pp_driver_link_refusal(f->bdf, f->driver);

	if (!p->has_record) {
		if (!worth_reprobing(f)) {
			session_outcome(s, f->bdf, f->driver, f->driver, "nothing-to-do", NULL, NULL,
					"%s: nothing to do: pcipass has no record of it and %s holds it", f->bdf,
					driver_label(f->driver));
			*skip = true;
			return 0;
		}
		/* Not moved by pcipass, but parked on a user driver: reprobe. */
		p->back = (struct pp_move){ .override = NULL, .to = NULL, .avoid = f->driver, .how = BIND_PROBE };
	} else {
		const char *target = p->rec.target;

		if (f->driver && !same_driver(f->driver, p->rec.driver) && !same_driver(f->driver, target) &&
		    !function_is_user_owned(f))
			return pp_error("%s: now bound to %s, which pcipass did not put there; leaving it (record kept)",
					f->bdf, f->driver);
		if (p->rec.driver && !driver_loaded(s, p->rec.driver)) {
			/* Gone for good (no module on the live host, or not in the
			 * snapshot): with --all the record is stale and cleared. */
			if (all && (!s->m->root->live || session_load_driver(s, p->rec.driver))) {
				pp_warn("%s: stale record: it names %s, which this host does not have; record cleared, "
					"the function stays on %s", f->bdf, p->rec.driver, driver_label(f->driver));
				session_outcome_told(s, f->bdf, f->driver, f->driver, "stale-record",
						     "the recorded driver is not on this host");
				*skip = true;
				return session_drop(s, f->bdf) < 0 ? pp_report() : 0;
			}
			/* Loaded once nothing refuses the run (a refused run loads nothing). */
			p->load = !all;
		}
		p->back = (struct pp_move){
			/* Reprobing with an old override naming the driver we leave
			 * would send it straight back; a bind restores it afterwards. */
			.override = !p->rec.driver && same_driver(p->rec.override, target) ? NULL : p->rec.override,
			.to = p->rec.driver,
			.avoid = target,
			.how = p->rec.driver ? BIND_DRIVER : BIND_PROBE,
		};
	}
	/* Exactly as it is now: the same override, the same driver (or none). */
	p->undo = (struct pp_move){ .override = f->driver_override, .to = f->driver,
				    .how = f->driver ? BIND_DRIVER : BIND_NONE };
	return 0;
}

static int run_one(struct pp_session *s, struct plan *p)
{
	char *why = NULL, *after;

	if (move_function(s, p->f, &p->back, &why) < 0) {
		char *why2 = NULL;

		pp_warn("%s: rebind failed: %s", p->f->bdf, why);
		session_outcome_told(s, p->f->bdf, p->f->driver, p->back.to, "failed", why);
		free(why);
		if (move_function(s, p->f, &p->undo, &why2) == 0) {
			pp_warn("%s: rolled back: on %s again%s", p->f->bdf, driver_label(p->f->driver),
				p->has_record ? "; record kept" : "");
		} else {
			pp_warn("%s: rollback failed too: %s", p->f->bdf, why2);
			free(why2);
		}
		return PP_EXIT_ERROR;
	}
	if (p->has_record && session_drop(s, p->f->bdf) < 0)
		return pp_report();
	after = s->dry_run ? xstrdup(p->back.to) : live_driver(s, p->f);
	if (s->dry_run)
		session_outcome(s, p->f->bdf, p->f->driver, p->back.to, "planned", NULL, NULL,
				"%s: %s -> %s (dry run: nothing written)", p->f->bdf, driver_label(p->f->driver),
				p->back.to ? p->back.to : "(reprobe)");
	else
		session_outcome(s, p->f->bdf, p->f->driver, after, "moved", NULL, NULL, "%s: %s -> %s", p->f->bdf,
				driver_label(p->f->driver), driver_label(after));
	free(after);
	return PP_EXIT_OK;
}

static int run_rebind(struct pp_ctx *ctx, int argc, char **argv)
{
	struct pp_session s;
	struct pp_function **set = NULL;
	struct plan *plans = NULL;
	size_t n_set = 0, n_plans = 0;
	int rc;

	if (ctx->all && argc)
		return pp_usage_error("rebind: give BDFs or --all, not both");
	if (!ctx->all && !argc)
		return pp_usage_error("rebind: needs BDF... or --all");
	if ((rc = check_bdf_args(argc, argv)))
		return rc;
	if ((rc = session_begin(&s, ctx, "rebind")))
		return rc;

	if (ctx->all) {
		struct pp_strv recorded = { 0 };

		state_list(&s.state, &recorded);
		set = xcalloc(recorded.n + 1, sizeof(*set));
		for (size_t i = 0; i < recorded.n; i++) {
			struct pp_bdf b;
			struct pp_function *f;

			if (!bdf_parse_sysfs(recorded.v[i], &b) || !(f = model_find(s.m, &b))) {
				/* The device is gone (unplugged, a VF whose PF dropped it):
				 * nothing can use the record any more. */
				pp_warn("%s: stale record: no such function now; record cleared", recorded.v[i]);
				session_outcome_told(&s, recorded.v[i], NULL, NULL, "stale-record", "no such function now");
				if (session_drop(&s, recorded.v[i]) < 0)
					rc = pp_report();
				continue;
			}
			set[n_set++] = f;
		}
		if (!recorded.n && !s.json)
			printf("%snothing to do: pcipass has no records\n", s.dry_run ? "# " : "");
		strv_free(&recorded);
	} else if ((rc = ctx_functions(s.m, argc, argv, &set, &n_set))) {
		goto out;
	}

	/* Plan everything first: a missing driver stops the run before any write. */
	plans = xcalloc(n_set + 1, sizeof(*plans));
	for (size_t i = 0; i < n_set; i++) {
		struct plan *p = &plans[n_plans];
		bool skip;
		int prc;

		p->f = set[i];
		prc = plan_one(&s, p, &skip, ctx->all);
		if (prc) {
			moved_free(&p->rec);
			rc = prc;
			goto out;
		}
		if (skip)
			moved_free(&p->rec);
		else
			n_plans++;
	}
	/* A running guest holds it: taking it back would pull it from under
	 * that guest (never overridden). */
	{
		size_t refused = 0;

		for (size_t i = 0; i < n_plans; i++) {
			struct pp_set js = { .members = &plans[i].f, .n = 1 };

			refused += refuse_findings(&s, &js, &plans[i].f, 1, rebind_refusals);
		}
		if (refused) {
			rc = PP_EXIT_BLOCKED;
			goto out;
		}
	}
	for (size_t i = 0; i < n_plans; i++)
		if (plans[i].load && session_load_driver(&s, plans[i].rec.driver)) {
			rc = pp_error("%s: %s: driver not loaded; record kept", plans[i].f->bdf, plans[i].rec.driver);
			goto out;
		}
	for (size_t i = 0; i < n_plans; i++) {
		int one = run_one(&s, &plans[i]);

		if (one)
			rc = one;
		else if (ctx->persist && unpersist_override(&s, plans[i].f) < 0)
			rc = PP_EXIT_ERROR;
	}
	/* --persist for a function already back: its saved override still goes. */
	for (size_t i = 0; ctx->persist && !ctx->all && i < n_set; i++) {
		bool planned = false;

		for (size_t k = 0; k < n_plans; k++)
			planned |= plans[k].f == set[i];
		if (!planned && unpersist_override(&s, set[i]) < 0)
			rc = PP_EXIT_ERROR;
	}
out:
	for (size_t i = 0; i < n_plans; i++)
		moved_free(&plans[i].rec);
	free(plans);
	free(set);
	return session_finish(&s, rc);
}

const struct pp_command cmd_rebind = {
	.name = "rebind",
	.args = "BDF...|--all",
	.summary = "give functions back to the driver they had before pcipass unbind",
	.opts = rebind_opts,
	.min_args = 0,
	.max_args = -1,
	.run = run_rebind,
};
