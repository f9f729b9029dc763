/* All JSON output: the model, findings and verdicts as json-c objects, and printing them. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mutate.h"
#include "predict.h"
#include "redact.h"
#include "render-json.h"

/*
 * Every string and key in the JSON is valid UTF-8, whatever sysfs or a
 * snapshot holds: an invalid byte becomes U+FFFD.  The two macros below
 * route every json_object_new_string and json_object_object_add in this
 * file through the check, so a new field cannot forget it.
 */
static char *utf8_fixed(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0;
	struct sbuf b = { 0 };

	while (i < len) {
		size_t n = utf8_valid_len(p + i, len - i);

		if (n)
			sb_add(&b, "%.*s", (int)n, s + i);
		else
			sb_add(&b, "\xef\xbf\xbd");
		i += n ? n : 1;
	}
	return sb_take(&b);
}

static bool utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), n;

	for (size_t i = 0; i < len; i += n)
		if (!(n = utf8_valid_len(p + i, len - i)))
			return false;
	return true;
}

static json_object *json_string_utf8(const char *s)
{
	json_object *o;
	char *fixed;

	if (utf8_ok(s))
		return json_object_new_string(s);
	fixed = utf8_fixed(s);
	o = json_object_new_string(fixed);
	free(fixed);
	return o;
}

static int json_add_utf8(json_object *o, const char *key, json_object *v)
{
	char *fixed;
	int rc;

	if (utf8_ok(key))
		return json_object_object_add(o, key, v);
	fixed = utf8_fixed(key);
	rc = json_object_object_add(o, fixed, v);	/* json-c copies the key */
	free(fixed);
	return rc;
}

#define json_object_new_string(s) json_string_utf8(s)
#define json_object_object_add(o, k, v) json_add_utf8((o), (k), (v))

json_object *json_string_or_null(const char *s)
{
	return s ? json_string_utf8(s) : NULL;
}

json_object *json_strv(const struct pp_strv *sv)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < sv->n; i++)
		json_object_array_add(a, json_object_new_string(sv->v[i]));
	return a;
}

static json_object *json_hex(long v, int digits)
{
	char buf[16];

	if (v < 0)
		return NULL;
	snprintf(buf, sizeof(buf), "%0*lx", digits, v);
	return json_object_new_string(buf);
}

static json_object *json_tri(enum pp_tri t)
{
	return t == PP_UNKNOWN ? NULL : json_object_new_boolean(t == PP_YES);
}

static const char *boot_kind(enum pp_boot_kind k)
{
	return k == PP_BOOT_DRIVERCTL ? "driverctl" : k == PP_BOOT_SOFTDEP ? "softdep" : "ids";
}

/* host.boot_config: what was read and what each entry takes (model-boot.c). */
static json_object *json_boot_config(const struct pp_bootcfg *cfg)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();

	json_object_object_add(o, "files", json_strv(&cfg->read));
	for (size_t i = 0; i < cfg->n; i++) {
		const struct pp_boot_entry *e = &cfg->v[i];
		json_object *x = json_object_new_object(), *fs = json_object_new_array();

		json_object_object_add(x, "kind", json_object_new_string(boot_kind(e->kind)));
		json_object_object_add(x, "driver", json_object_new_string(e->driver));
		json_object_object_add(x, "source", json_object_new_string(e->source));
		json_object_object_add(x, "id", e->kind == PP_BOOT_IDS ? json_object_new_string(e->text) : NULL);
		json_object_object_add(x, "address", e->kind == PP_BOOT_DRIVERCTL ? json_object_new_string(e->text) : NULL);
		json_object_object_add(x, "module", json_string_or_null(e->module));
		for (size_t k = 0; k < e->n_matches; k++)
			json_object_array_add(fs, json_object_new_string(e->matches[k]->bdf));
		json_object_object_add(x, "functions", fs);
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "entries", a);
	json_object_object_add(o, "problems", json_strv(&cfg->problems));
	return o;
}

/* function.next_boot: the entry that decides its driver at the next boot, or null. */
static json_object *json_next_boot(const struct pp_function *f)
{
	json_object *o;

	if (!f->boot_by)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "driver", json_object_new_string(f->boot_by->driver));
	json_object_object_add(o, "kind", json_object_new_string(boot_kind(f->boot_by->kind)));
	json_object_object_add(o, "source", json_object_new_string(f->boot_by->source));
	json_object_object_add(o, "softdep", f->boot_softdep ? json_object_new_string(f->boot_softdep->source) : NULL);
	return o;
}

json_object *json_host(const struct pp_model *m)
{
	const struct pp_host *h = &m->host;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "kernel", json_string_or_null(h->kernel_release));
	json_object_object_add(o, "cmdline", json_string_or_null(h->cmdline));
	json_object_object_add(o, "iommu_enabled", json_object_new_boolean(h->iommu_enabled));
	json_object_object_add(o, "noiommu_only", json_object_new_boolean(h->noiommu_only));
	json_object_object_add(o, "iommu_groups", json_object_new_int((int)m->n_groups));
	json_object_object_add(o, "interrupt_remapping", json_tri(h->intremap));
	json_object_object_add(o, "allow_unsafe_interrupts", json_tri(h->allow_unsafe_interrupts));
	json_object_object_add(o, "page_size", json_object_new_int64((int64_t)h->page_size));
	json_object_object_add(o, "config_space_limited", json_object_new_boolean(h->config_limited));
	{
		/* The kernel's grouping computed from config space (predict.c). */
		json_object *p = json_object_new_object(), *d = json_object_new_array();
		struct pp_strv diff = { 0 };

		predict_ensure(m);
		json_object_object_add(p, "basis", json_object_new_string(predict_from_capability(m) ?
									   "acs-capability" : "acs-control"));
		json_object_object_add(p, "groups", json_object_new_int((int)m->n_predicted_groups));
		/* Unknown ACS (an lspci listing without -xxxx) makes the comparison meaningless. */
		if (predict_from_capability(m) || host_lacks(&m->host, "extended-config-space") ||
		    host_lacks(&m->host, "config-space")) {
			json_object_object_add(p, "matches_kernel", NULL);
		} else {
			json_object_object_add(p, "matches_kernel", json_object_new_boolean(predict_matches_kernel(m, &diff)));
			for (size_t i = 0; i < diff.n; i++)
				json_object_array_add(d, json_object_new_string(diff.v[i]));
		}
		json_object_object_add(p, "differences", d);
		json_object_object_add(p, "divergence", json_string_or_null(diff.n ? predict_known_divergence(m) : NULL));
		strv_free(&diff);
		json_object_object_add(o, "group_prediction", p);
	}
	json_object_object_add(o, "boot_config", json_boot_config(&h->boot));
	json_object_object_add(o, "sysroot", json_object_new_string(m->root->display ? m->root->display : m->root->live ? "/" : m->root->dir));
	json_object_object_add(o, "source", json_object_new_string(host_source_name(h)));
	{
		json_object *lacks = json_object_new_array();

		for (size_t i = 0; i < h->lacks.n; i++)
			json_object_array_add(lacks, json_object_new_string(h->lacks.v[i]));
		json_object_object_add(o, "evidence_lacks", lacks);
	}
	json_object_object_add(o, "input_damage", json_string_or_null(h->damage));
	return o;
}

json_object *json_document(const struct pp_model *m)
{
	json_object *doc = json_object_new_object();

	json_object_object_add(doc, "schema", json_object_new_int(PCIPASS_JSON_SCHEMA));
	json_object_object_add(doc, "pcipass_version", json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(doc, "host", json_host(m));
	return doc;
}

static json_object *json_bars(const struct pp_function *f)
{
	json_object *a = json_object_new_array();
	static const char *const kinds[] = { "io", "mem", "mem-prefetchable" };

	for (size_t i = 0; i < f->n_bars; i++) {
		const struct pp_bar *b = &f->bars[i];
		json_object *o = json_object_new_object();
		char buf[32];

		json_object_object_add(o, "index", json_object_new_int(b->index));
		json_object_object_add(o, "type", json_object_new_string(kinds[b->kind]));
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)b->start);
		json_object_object_add(o, "start", json_object_new_string(buf));
		json_object_object_add(o, "size", json_object_new_int64((int64_t)(b->end - b->start + 1)));
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *json_host_use(const struct pp_function *f)
{
	json_object *o = json_object_new_object(), *nets = json_object_new_array(),
		    *blocks = json_object_new_array();

	for (size_t i = 0; i < f->n_netifs; i++) {
		json_object *n = json_object_new_object();
		json_object_object_add(n, "name", json_object_new_string(f->netifs[i].name));
		json_object_object_add(n, "operstate", json_string_or_null(f->netifs[i].operstate));
		json_object_object_add(n, "up", json_object_new_boolean(f->netifs[i].up));
		json_object_object_add(n, "has_address", json_object_new_boolean(f->netifs[i].has_address));
		json_object_array_add(nets, n);
	}
	for (size_t i = 0; i < f->n_blockdevs; i++) {
		json_object *b = json_object_new_object();
		json_object_object_add(b, "name", json_object_new_string(f->blockdevs[i].name));
		json_object_object_add(b, "mounted", json_object_new_boolean(f->blockdevs[i].mounted));
		json_object_object_add(b, "has_holders", json_object_new_boolean(f->blockdevs[i].has_holders));
		json_object_array_add(blocks, b);
	}
	json_object_object_add(o, "net", nets);
	json_object_object_add(o, "block", blocks);
	json_object_object_add(o, "framebuffers", json_strv(&f->framebuffers));
	return o;
}

/* LnkCap and LnkSta (model.h's pp_link): speeds in GT/s, widths in lanes;
 * null without a PCIe link or when config space was not read. */
static json_object *json_link(const struct pp_function *f)
{
	static const double gts[] = { 0, 2.5, 5, 8, 16, 32, 64 };
	const int n = (int)(sizeof(gts) / sizeof(gts[0]));
	const struct pp_link *l = &f->link;
	json_object *o;

	if (!l->present)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "cap_speed_gts",
			       l->cap_speed > 0 && l->cap_speed < n ? json_object_new_double(gts[l->cap_speed]) : NULL);
	json_object_object_add(o, "cap_width", json_object_new_int(l->cap_width));
	json_object_object_add(o, "speed_gts", l->speed > 0 && l->speed < n ? json_object_new_double(gts[l->speed]) : NULL);
	json_object_object_add(o, "width", json_object_new_int(l->width));
	return o;
}

json_object *json_function(const struct pp_model *m, const struct pp_function *f)
{
	json_object *o = json_object_new_object(), *vfs;

	json_object_object_add(o, "address", json_object_new_string(f->bdf));
	json_object_object_add(o, "vendor_id", json_hex(f->vendor_id, 4));
	json_object_object_add(o, "device_id", json_hex(f->device_id, 4));
	json_object_object_add(o, "subsystem_vendor_id", json_hex(f->subsys_vendor_id, 4));
	json_object_object_add(o, "subsystem_device_id", json_hex(f->subsys_device_id, 4));
	json_object_object_add(o, "vendor_name", json_string_or_null(f->vendor_name));
	json_object_object_add(o, "device_name", json_string_or_null(f->device_name));
	json_object_object_add(o, "class", json_hex(f->class_code < 0 ? -1 : f->class_code >> 8, 4));
	json_object_object_add(o, "class_name", json_string_or_null(f->class_name));
	json_object_object_add(o, "listed_name", json_string_or_null(f->listed_name));
	json_object_object_add(o, "revision", json_hex(f->revision, 2));
	json_object_object_add(o, "header_type", f->header_type < 0 ? NULL : json_object_new_int(f->header_type));
	json_object_object_add(o, "multifunction", json_object_new_boolean(f->multifunction));
	json_object_object_add(o, "port_type", json_object_new_string(port_name(f->port)));
	json_object_object_add(o, "driver", json_string_or_null(f->driver));
	json_object_object_add(o, "driver_override", json_string_or_null(f->driver_override));
	json_object_object_add(o, "iommu_group", f->iommu_group < 0 ? NULL : json_object_new_int(f->iommu_group));
	predict_ensure(m);
	json_object_object_add(o, "predicted_group",
			       f->predicted_group < 0 ? NULL : json_object_new_int(f->predicted_group));
	json_object_object_add(o, "reset_methods", json_strv(&f->reset_methods));
	json_object_object_add(o, "reset_file", json_object_new_boolean(f->has_reset_attr));
	json_object_object_add(o, "flr", json_tri(f->has_flr));
	json_object_object_add(o, "af_flr", json_tri(f->has_af_flr));
	json_object_object_add(o, "acs", json_tri(f->has_acs));
	json_object_object_add(o, "link", json_link(f));
	json_object_object_add(o, "boot_vga", f->boot_vga < 0 ? NULL : json_object_new_boolean(f->boot_vga));
	json_object_object_add(o, "parent", f->parent ? json_object_new_string(f->parent->bdf) : NULL);
	json_object_object_add(o, "conventional_bridge",
			       f->alias_bridge ? json_object_new_string(f->alias_bridge->bdf) : NULL);
	if (function_is_bridge(f) && f->secondary_bus >= 0) {
		json_object *bus = json_object_new_object();
		json_object_object_add(bus, "secondary", json_object_new_int(f->secondary_bus));
		json_object_object_add(bus, "subordinate", json_object_new_int(f->subordinate_bus));
		json_object_object_add(o, "bus_range", bus);
	}
	json_object_object_add(o, "physfn", f->physfn ? json_object_new_string(f->physfn->bdf) : NULL);
	vfs = json_object_new_array();
	for (size_t i = 0; i < f->n_virtfns; i++)
		json_object_array_add(vfs, json_object_new_string(f->virtfns[i]->bdf));
	json_object_object_add(o, "virtfns", vfs);
	json_object_object_add(o, "slot", json_string_or_null(f->slot_name));
	json_object_object_add(o, "bars", json_bars(f));
	json_object_object_add(o, "host_use", json_host_use(f));
	json_object_object_add(o, "moved_from_driver", json_string_or_null(f->moved_from_driver));
	json_object_object_add(o, "next_boot", json_next_boot(f));
	json_object_object_add(o, "unreadable", json_strv(&f->unreadable));
	return o;
}

#define JSON_FLAGS_ITEM (JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

/*
 * Print doc with one more member, the array key, whose n items come from
 * item() one at a time: a big host's functions are never all in memory as
 * json-c objects at once.  json-c serializes every piece; only the array's
 * brackets and commas are ours.  Takes doc.  0 or -EIO.
 */
static int print_stream(FILE *out, json_object *doc, const char *key, size_t n,
			json_object *(*item)(const void *arg, size_t i), const void *arg)
{
	/* The head is the document without the array, its closing brace taken
	 * off so the array can follow as the last member. */
	const char *head = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
								    JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len = strlen(head);
	json_object *jkey = json_object_new_string(key);
	bool first = true;

	while (len && head[len - 1] != '}')
		len--;
	if (len)
		len--;
	while (len && (head[len - 1] == ' ' || head[len - 1] == '\n'))
		len--;
	fwrite(head, 1, len, out);
	fprintf(out, "%s\n  %s: [\n", json_object_object_length(doc) ? "," : "",
		json_object_to_json_string_ext(jkey, JSON_C_TO_STRING_PLAIN));
	json_object_put(jkey);
	json_object_put(doc);
	for (size_t i = 0; i < n; i++) {
		json_object *o = item(arg, i);

		if (!o)
			continue;
		fprintf(out, "%s    %s", first ? "" : ",\n", json_object_to_json_string_ext(o, JSON_FLAGS_ITEM));
		first = false;
		json_object_put(o);
	}
	fprintf(out, "%s  ]\n}\n", first ? "" : "\n");
	return fflush(out) == EOF || ferror(out) ? -EIO : 0;
}

int json_print(FILE *out, json_object *doc)
{
	const char *s = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							   JSON_C_TO_STRING_NOSLASHESCAPE);
	int rc = fputs(s, out) == EOF || putc('\n', out) == EOF || fflush(out) == EOF ? -EIO : 0;

	json_object_put(doc);
	return rc;
}

static json_object *verdict_item(const void *arg, size_t i)
{
	const struct pp_verdict *v = arg;

	json_object *o = json_function_verdict(v->m, v->scope[i], verdict_findings(v, i));
	const struct pp_fn_facts *fx = verdict_facts(v, i);
	json_object *reset = json_object_new_object(), *bars;

	json_object_object_add(reset, "function_reset", json_string_or_null(fx->function_reset));
	json_object_object_add(reset, "reset_set", json_strv(&fx->reset_set));
	json_object_object_add(reset, "set_reset", json_object_new_boolean(fx->set_reset));
	json_object_object_add(o, "reset", reset);
	/* Each MMIO BAR 0-5 says whether the guest may map it. */
	if (json_object_object_get_ex(o, "bars", &bars))
		for (size_t k = 0; k < json_object_array_length(bars) && k < v->scope[i]->n_bars; k++) {
			const struct pp_bar *b = &v->scope[i]->bars[k];

			if (b->kind != PP_BAR_IO && b->index >= 0 && b->index <= 5)
				json_object_object_add(json_object_array_get_idx(bars, k), "mmap",
						       json_object_new_boolean(fx->bar_mmap[k]));
		}
	return o;
}

int json_render_verdict(FILE *out, const struct pp_verdict *v, bool explain)
{
	json_object *doc = json_document(v->m), *host, *hf = json_object_new_array();

	for (size_t i = 0; i < v->n_host; i++)
		json_object_array_add(hf, finding_json(v->host[i]));
	if (json_object_object_get_ex(doc, "host", &host))
		json_object_object_add(host, "findings", hf);
	else
		json_object_put(hf);

	if (explain) {
		json_object *set = NULL;

		json_object_object_add(doc, "judged", json_object_new_string(v->alone ? "alone" : "together"));
		if (!v->alone) {
			set = json_object_new_array();
			for (size_t i = 0; i < v->n; i++)
				json_object_array_add(set, json_object_new_string(v->scope[i]->bdf));
		}
		json_object_object_add(doc, "set", set);
		json_object_object_add(doc, "assignable", json_object_new_boolean(v->assignable));
		json_object_object_add(doc, "completed_set",
				       v->alone || v->completion_blocked ? NULL : json_strv(&v->completed_set));
	}
	return print_stream(out, doc, "functions", v->n, verdict_item, v);
}

json_object *finding_json(const struct pp_finding *f)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "code", json_object_new_string(f->code));
	json_object_object_add(o, "severity", json_object_new_string(severity_name(f->severity)));
	json_object_object_add(o, "scope", json_object_new_string(f->host_wide ? "host" : "function"));
	json_object_object_add(o, "message", json_object_new_string(f->message ? f->message : ""));
	json_object_object_add(o, "related", json_strv(&f->related));
	json_object_object_add(o, "hint", json_object_new_string(f->hint ? f->hint : ""));
	json_object_object_add(o, "evidence", json_strv(&f->evidence));
	return o;
}

json_object *json_function_verdict(const struct pp_model *m, const struct pp_function *f,
				   const struct pp_findings *fs)
{
	json_object *o = json_function(m, f), *a = json_object_new_array();

	/* Host-wide findings are the host's (host.findings), said once; the
	 * verdict still counts them. */
	for (size_t i = 0; i < fs->n; i++)
		if (!fs->v[i].host_wide)
			json_object_array_add(a, finding_json(&fs->v[i]));
	json_object_object_add(o, "assignable", json_object_new_boolean(findings_worst(fs) < PP_BLOCKER));
	json_object_object_add(o, "findings", a);
	return o;
}

json_object *json_report_head(const struct pp_model *m, const char *source, const char *date,
			      const struct pp_redaction *redaction)
{
	json_object *redacted = NULL;

	json_object *o = json_object_new_object(), *vfio = json_object_new_object();

	for (size_t i = 0; i < m->host.n_modules; i++) {
		const struct pp_module *mod = &m->host.modules[i];
		json_object *params = NULL;

		if (mod->loaded) {
			params = json_object_new_object();
			for (size_t k = 0; k < mod->params.n; k++)
				json_object_object_add(params, mod->params.v[k], json_string_or_null(mod->values.v[k]));
		}
		json_object_object_add(vfio, mod->name, params);
	}
	json_object_object_add(o, "created", json_object_new_string(date));
	json_object_object_add(o, "source", json_object_new_string(source));
	json_object_object_add(o, "read_as_root", json_object_new_string(m->host.read_as_root));
	json_object_object_add(o, "vfio_parameters", vfio);
	json_object_object_add(o, "problems", json_strv(&m->problems));
	if (redaction) {
		const struct {
			const char *name;
			size_t n;
		} counts[] = {
			{ "attributes", redaction->attributes }, { "device_serial_numbers", redaction->dsn },
			{ "ipv6_addresses", redaction->ipv6 },	 { "cmdline_words", redaction->cmdline },
			{ "mount_lines", redaction->mounts },	 { "guest_names", redaction->guests },
		};

		redacted = json_object_new_object();
		for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
			json_object_object_add(redacted, counts[i].name, json_object_new_int64((int64_t)counts[i].n));
	}
	json_object_object_add(o, "redacted", redacted);
	return o;
}

/* ---- unbind, reset, rebind --json ---- */

json_object *json_mutation(const struct pp_session *s, int status)
{
	static const char *const kinds[] = {
		[STEP_MODPROBE] = "modprobe", [STEP_SAVE] = "save", [STEP_REMOVE] = "remove",
		[STEP_WRITE] = "write", [STEP_PERSIST] = "persist", [STEP_VERIFY] = "verify",
	};
	json_object *doc = json_object_new_object(), *steps = json_object_new_array(), *fns = json_object_new_array();

	json_object_object_add(doc, "schema", json_object_new_int(PCIPASS_JSON_SCHEMA));
	json_object_object_add(doc, "pcipass_version", json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(doc, "command", json_object_new_string(s->command));
	json_object_object_add(doc, "dry_run", json_object_new_boolean(s->dry_run));
	json_object_object_add(doc, "live", json_object_new_boolean(s->m->root->live));
	json_object_object_add(doc, "exit_status", json_object_new_int(status));
	for (size_t i = 0; i < s->n_steps; i++) {
		const struct pp_step *st = &s->steps[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "action", json_object_new_string(kinds[st->kind]));
		if (st->path)
			json_object_object_add(o, st->kind == STEP_MODPROBE ? "module" : "path",
					       json_object_new_string(st->path));
		if (st->kind == STEP_VERIFY)
			json_object_object_add(o, "what", json_object_new_string(st->value ? st->value : ""));
		else if (st->kind != STEP_MODPROBE && st->kind != STEP_REMOVE)
			json_object_object_add(o, "value", json_string_or_null(st->value));
		json_object_object_add(o, "ok", json_object_new_boolean(st->ok));
		json_object_array_add(steps, o);
	}
	json_object_object_add(doc, "steps", steps);
	for (size_t i = 0; i < s->n_outcomes; i++) {
		const struct pp_outcome *oc = &s->outcomes[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "bdf", json_object_new_string(oc->bdf));
		json_object_object_add(o, "from", json_string_or_null(oc->from));
		json_object_object_add(o, "to", json_string_or_null(oc->to));
		json_object_object_add(o, "result", json_object_new_string(oc->result));
		json_object_object_add(o, "vfio_files", json_strv(&oc->vfio));
		json_object_object_add(o, "also_reset", json_strv(&oc->also));
		json_object_object_add(o, "message", json_string_or_null(oc->message));
		json_object_array_add(fns, o);
	}
	json_object_object_add(doc, "functions", fns);
	return doc;
}
