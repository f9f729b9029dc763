/* All JSON output: the model, findings and verdicts as json-c objects, and printing them. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json-out.h"
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

/* ---- the functions: streamed with json-out.c, one at a time ---- */

static void jo_strv(struct json_out *w, const struct pp_strv *sv)
{
	jo_array_begin(w);
	for (size_t i = 0; i < sv->n; i++)
		jo_string(w, sv->v[i]);
	jo_array_end(w);
}

static void jo_hex(struct json_out *w, long v, int digits)
{
	char buf[16];

	if (v < 0) {
		jo_null(w);
		return;
	}
	snprintf(buf, sizeof(buf), "%0*lx", digits, v);
	jo_string(w, buf);
}

static void jo_tri(struct json_out *w, enum pp_tri t)
{
	if (t == PP_UNKNOWN)
		jo_null(w);
	else
		jo_bool(w, t == PP_YES);
}

/* bars; mmap (each MMIO BAR 0-5: may the guest map it) when facts are given. */
static void jo_bars(struct json_out *w, const struct pp_function *f, const struct pp_fn_facts *fx)
{
	static const char *const kinds[] = { "io", "mem", "mem-prefetchable" };

	jo_array_begin(w);
	for (size_t i = 0; i < f->n_bars; i++) {
		const struct pp_bar *b = &f->bars[i];
		char buf[32];

		jo_object_begin(w);
		jo_key(w, "index");
		jo_int(w, b->index);
		jo_key(w, "type");
		jo_string(w, kinds[b->kind]);
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)b->start);
		jo_key(w, "start");
		jo_string(w, buf);
		jo_key(w, "size");
		jo_int(w, (int64_t)(b->end - b->start + 1));
		if (fx && b->kind != PP_BAR_IO && b->index >= 0 && b->index <= 5) {
			jo_key(w, "mmap");
			jo_bool(w, fx->bar_mmap[i]);
		}
		jo_object_end(w);
	}
	jo_array_end(w);
}

static void jo_host_use(struct json_out *w, const struct pp_function *f)
{
	jo_object_begin(w);
	jo_key(w, "net");
	jo_array_begin(w);
	for (size_t i = 0; i < f->n_netifs; i++) {
		jo_object_begin(w);
		jo_key(w, "name");
		jo_string(w, f->netifs[i].name);
		jo_key(w, "operstate");
		jo_string(w, f->netifs[i].operstate);
		jo_key(w, "up");
		jo_bool(w, f->netifs[i].up);
		jo_key(w, "has_address");
		jo_bool(w, f->netifs[i].has_address);
		jo_object_end(w);
	}
	jo_array_end(w);
	jo_key(w, "block");
	jo_array_begin(w);
	for (size_t i = 0; i < f->n_blockdevs; i++) {
		jo_object_begin(w);
		jo_key(w, "name");
		jo_string(w, f->blockdevs[i].name);
		jo_key(w, "mounted");
		jo_bool(w, f->blockdevs[i].mounted);
		jo_key(w, "has_holders");
		jo_bool(w, f->blockdevs[i].has_holders);
		jo_object_end(w);
	}
	jo_array_end(w);
	jo_key(w, "framebuffers");
	jo_strv(w, &f->framebuffers);
	jo_object_end(w);
}

/* LnkCap and LnkSta (model.h's pp_link): speeds in GT/s, widths in lanes;
 * null without a PCIe link or when config space was not read. */
static void jo_link(struct json_out *w, const struct pp_function *f)
{
	static const double gts[] = { 0, 2.5, 5, 8, 16, 32, 64 };
	const int n = (int)(sizeof(gts) / sizeof(gts[0]));
	const struct pp_link *l = &f->link;

	if (!l->present) {
		jo_null(w);
		return;
	}
	jo_object_begin(w);
	jo_key(w, "cap_speed_gts");
	if (l->cap_speed > 0 && l->cap_speed < n)
		jo_double(w, gts[l->cap_speed]);
	else
		jo_null(w);
	jo_key(w, "cap_width");
	jo_int(w, l->cap_width);
	jo_key(w, "speed_gts");
	if (l->speed > 0 && l->speed < n)
		jo_double(w, gts[l->speed]);
	else
		jo_null(w);
	jo_key(w, "width");
	jo_int(w, l->width);
	jo_object_end(w);
}

/* function.next_boot: the entry that decides its driver at the next boot, or null. */
static void jo_next_boot(struct json_out *w, const struct pp_function *f)
{
	if (!f->boot_by) {
		jo_null(w);
		return;
	}
	jo_object_begin(w);
	jo_key(w, "driver");
	jo_string(w, f->boot_by->driver);
	jo_key(w, "kind");
	jo_string(w, boot_kind(f->boot_by->kind));
	jo_key(w, "source");
	jo_string(w, f->boot_by->source);
	jo_key(w, "softdep");
	jo_string(w, f->boot_softdep ? f->boot_softdep->source : NULL);
	jo_object_end(w);
}

static const char *bdf_or_null(const struct pp_function *f)
{
	return f ? f->bdf : NULL;
}

/* One function's members as in `list --json`, without verdict and findings. */
static void jo_function_members(struct json_out *w, const struct pp_model *m, const struct pp_function *f,
				const struct pp_fn_facts *fx)
{
	jo_key(w, "address");
	jo_string(w, f->bdf);
	jo_key(w, "vendor_id");
	jo_hex(w, f->vendor_id, 4);
	jo_key(w, "device_id");
	jo_hex(w, f->device_id, 4);
	jo_key(w, "subsystem_vendor_id");
	jo_hex(w, f->subsys_vendor_id, 4);
	jo_key(w, "subsystem_device_id");
	jo_hex(w, f->subsys_device_id, 4);
	jo_key(w, "vendor_name");
	jo_string(w, f->vendor_name);
	jo_key(w, "device_name");
	jo_string(w, f->device_name);
	jo_key(w, "class");
	jo_hex(w, f->class_code < 0 ? -1 : f->class_code >> 8, 4);
	jo_key(w, "class_name");
	jo_string(w, f->class_name);
	jo_key(w, "listed_name");
	jo_string(w, f->listed_name);
	jo_key(w, "revision");
	jo_hex(w, f->revision, 2);
	jo_key(w, "header_type");
	if (f->header_type < 0)
		jo_null(w);
	else
		jo_int(w, f->header_type);
	jo_key(w, "multifunction");
	jo_bool(w, f->multifunction);
	jo_key(w, "port_type");
	jo_string(w, port_name(f->port));
	jo_key(w, "driver");
	jo_string(w, f->driver);
	jo_key(w, "driver_override");
	jo_string(w, f->driver_override);
	jo_key(w, "iommu_group");
	if (f->iommu_group < 0)
		jo_null(w);
	else
		jo_int(w, f->iommu_group);
	predict_ensure(m);
	jo_key(w, "predicted_group");
	if (f->predicted_group < 0)
		jo_null(w);
	else
		jo_int(w, f->predicted_group);
	jo_key(w, "reset_methods");
	jo_strv(w, &f->reset_methods);
	jo_key(w, "reset_file");
	jo_bool(w, f->has_reset_attr);
	jo_key(w, "flr");
	jo_tri(w, f->has_flr);
	jo_key(w, "af_flr");
	jo_tri(w, f->has_af_flr);
	jo_key(w, "acs");
	jo_tri(w, f->has_acs);
	jo_key(w, "link");
	jo_link(w, f);
	jo_key(w, "boot_vga");
	if (f->boot_vga < 0)
		jo_null(w);
	else
		jo_bool(w, f->boot_vga);
	jo_key(w, "parent");
	jo_string(w, bdf_or_null(f->parent));
	jo_key(w, "conventional_bridge");
	jo_string(w, bdf_or_null(f->alias_bridge));
	if (function_is_bridge(f) && f->secondary_bus >= 0) {
		jo_key(w, "bus_range");
		jo_object_begin(w);
		jo_key(w, "secondary");
		jo_int(w, f->secondary_bus);
		jo_key(w, "subordinate");
		jo_int(w, f->subordinate_bus);
		jo_object_end(w);
	}
	jo_key(w, "physfn");
	jo_string(w, bdf_or_null(f->physfn));
	jo_key(w, "virtfns");
	jo_array_begin(w);
	for (size_t i = 0; i < f->n_virtfns; i++)
		jo_string(w, f->virtfns[i]->bdf);
	jo_array_end(w);
	jo_key(w, "slot");
	jo_string(w, f->slot_name);
	jo_key(w, "bars");
	jo_bars(w, f, fx);
	jo_key(w, "host_use");
	jo_host_use(w, f);
	jo_key(w, "moved_from_driver");
	jo_string(w, f->moved_from_driver);
	jo_key(w, "next_boot");
	jo_next_boot(w, f);
	jo_key(w, "unreadable");
	jo_strv(w, &f->unreadable);
}

static void jo_finding(struct json_out *w, const struct pp_finding *f)
{
	jo_object_begin(w);
	jo_key(w, "code");
	jo_string(w, f->code);
	jo_key(w, "severity");
	jo_string(w, severity_name(f->severity));
	jo_key(w, "scope");
	jo_string(w, f->host_wide ? "host" : "function");
	jo_key(w, "message");
	jo_string(w, f->message ? f->message : "");
	jo_key(w, "related");
	jo_strv(w, &f->related);
	jo_key(w, "hint");
	jo_string(w, f->hint ? f->hint : "");
	jo_key(w, "evidence");
	jo_strv(w, &f->evidence);
	jo_object_end(w);
}

/* A judged function as list and explain --json print it: its members, its
 * verdict and findings, and what VFIO's reset and mmap will do. */
static void jo_function_verdict(struct json_out *w, const struct pp_verdict *v, size_t i)
{
	const struct pp_function *f = v->scope[i];
	const struct pp_findings *fs = verdict_findings(v, i);
	const struct pp_fn_facts *fx = verdict_facts(v, i);

	jo_object_begin(w);
	jo_function_members(w, v->m, f, fx);
	jo_key(w, "assignable");
	jo_bool(w, findings_worst(fs) < PP_BLOCKER);
	/* Host-wide findings are the host's (host.findings), said once; the
	 * verdict still counts them. */
	jo_key(w, "findings");
	jo_array_begin(w);
	for (size_t k = 0; k < fs->n; k++)
		if (!fs->v[k].host_wide)
			jo_finding(w, &fs->v[k]);
	jo_array_end(w);
	jo_key(w, "reset");
	jo_object_begin(w);
	jo_key(w, "function_reset");
	jo_string(w, fx->function_reset);
	jo_key(w, "reset_set");
	jo_strv(w, &fx->reset_set);
	jo_key(w, "set_reset");
	jo_bool(w, fx->set_reset);
	jo_object_end(w);
	jo_object_end(w);
}

/*
 * Print doc with one more member, "functions", whose items are streamed
 * one function at a time as each is judged (HACKING, JSON output): a big
 * host's functions are never in memory as JSON.  json-c prints the head
 * (the document without the array); the items and the array's brackets
 * and commas are json-out.c's, in json-c's spaced style.  Takes doc.
 * 0 or -EIO.
 */
static int print_functions(FILE *out, json_object *doc, const struct pp_verdict *v)
{
	/* The head's closing brace is taken off so the array can follow as
	 * the last member. */
	const char *head = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
								    JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len = strlen(head);
	struct json_out w;

	while (len && head[len - 1] != '}')
		len--;
	if (len)
		len--;
	while (len && (head[len - 1] == ' ' || head[len - 1] == '\n'))
		len--;
	fwrite(head, 1, len, out);
	fprintf(out, "%s\n  \"functions\": [\n", json_object_object_length(doc) ? "," : "");
	json_object_put(doc);
	for (size_t i = 0; i < v->n; i++) {
		fputs(i ? ",\n    " : "    ", out);
		jo_init(&w, out);
		jo_function_verdict(&w, v, i);
	}
	fprintf(out, "%s  ]\n}\n", v->n ? "\n" : "");
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
	return print_functions(out, doc, v);
}

/* A host-wide finding for the json-c head: the one writer of a finding
 * (jo_finding) read back, so the two can never differ. */
json_object *finding_json(const struct pp_finding *f)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&buf, &size);
	struct json_out w;
	json_object *o;

	/* Only memory can fail here: what xmalloc does then (util.c). */
	if (!mem)
		goto oom;
	jo_init(&w, mem);
	jo_finding(&w, f);
	if (fclose(mem) != 0)
		goto oom;
	o = json_tokener_parse(buf);
	free(buf);
	if (!o)
		goto oom;
	return o;
oom:
	pp_error("memory: out of memory");
	exit(PP_EXIT_ERROR);
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
