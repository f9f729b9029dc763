/*
 * list's columns: the one table behind -o/--output, --list-columns and
 * --sort (util-linux's lsblk keeps its own the same way), and what each
 * cell says.  The text comes from the model and the verdict; nothing is
 * decided here.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libsmartcols.h>

#include "cli.h"
#include "columns.h"
#include "render-text.h"

/*
 * Width hints: the names (CLASS, DEVICE) share what the terminal has left
 * and are cut, with a marker, when it is narrow; NOTE is a sentence and
 * wraps at words instead; addresses, ids and codes are never cut.
 */
const struct pp_coldef pp_columns[COL_COUNT] = {
	[COL_SLOT]      = { "SLOT", 12, 0, "PCI address (domain:bus:device.function)", SCOLS_JSON_STRING },
	[COL_CLASS]     = { "CLASS", 0.15, SCOLS_FL_TRUNC, "class name (-n: the code; -nn: both)", SCOLS_JSON_STRING },
	[COL_CLASSID]   = { "CLASSID", 4, 0, "class code (class and subclass, hex)", SCOLS_JSON_STRING },
	[COL_DEVICE]    = { "DEVICE", 0.3, SCOLS_FL_TRUNC, "vendor and device names (-n: the ids; -nn: both, the ids never cut)", SCOLS_JSON_STRING },
	[COL_ID]        = { "ID", 9, 0, "vendor:device ids (hex)", SCOLS_JSON_STRING },
	[COL_SUBSYS]    = { "SUBSYS", 9, 0, "subsystem vendor:device ids (hex)", SCOLS_JSON_STRING },
	[COL_DRIVER]    = { "DRIVER", 0, 0, "bound driver, - when none", SCOLS_JSON_STRING },
	[COL_GROUP]     = { "GROUP", 0, SCOLS_FL_RIGHT, "IOMMU group, - when none", SCOLS_JSON_NUMBER },
	[COL_RESET]     = { "RESET", 0, 0, "reset methods the kernel offers (reset_method)", SCOLS_JSON_STRING },
	[COL_VERDICT]   = { "VERDICT", 0, 0, "its own first blocker, warn or ok (the host's are said above the table)",
			    SCOLS_JSON_STRING },
	[COL_BLOCKERS]  = { "BLOCKERS", 0, 0, "every blocker code, the host's included, comma-separated",
			    SCOLS_JSON_STRING },
	[COL_PORT]      = { "PORT", 0, 0, "PCIe device/port type", SCOLS_JSON_STRING },
	[COL_PARENT]    = { "PARENT", 12, 0, "the bridge above it, - on a root bus", SCOLS_JSON_STRING },
	[COL_NOTE]      = { "NOTE", 0.3, SCOLS_FL_WRAP, "its place: port type, DMA alias, SR-IOV VF of", SCOLS_JSON_STRING },
	[COL_FLR]       = { "FLR", 0, 0, "function level reset: pcie, af, no (? unreadable)", SCOLS_JSON_STRING },
	[COL_ACSCTL]    = { "ACSCTL", 0, 0, "ACS controls enabled (SV TB RR CR UF EC DT), - without ACS",
			    SCOLS_JSON_STRING },
	[COL_NOSOFTRST] = { "NOSOFTRST", 0, 0, "PM NoSoftRst: yes, no, - without PM", SCOLS_JSON_STRING },
	[COL_LINK]      = { "LINK", 0, 0, "downstream link: speed, active reporting, active", SCOLS_JSON_STRING },
	[COL_BOOT]      = { "BOOT", 0, 0, "the driver the next boot gives it, - none; a default column when there is one",
			    SCOLS_JSON_STRING },
	[COL_BOOTFROM]  = { "BOOTFROM", 0, SCOLS_FL_TRUNC, "where that comes from: driverctl, cmdline or the modprobe.d "
			    "file and line", SCOLS_JSON_STRING },
};

/* -n and -nn change what CLASS and DEVICE say, not which columns are shown. */
static const int defaults_list[] = { COL_SLOT, COL_CLASS, COL_DEVICE, COL_DRIVER, COL_GROUP, COL_RESET, COL_VERDICT };
static const int defaults_tree[] = { COL_SLOT, COL_CLASS, COL_DEVICE, COL_DRIVER, COL_GROUP, COL_RESET, COL_NOTE };
#define N(a) (sizeof(a) / sizeof((a)[0]))

static int colid(const char *name, size_t len)
{
	for (int i = 0; i < COL_COUNT; i++)
		if (strlen(pp_columns[i].name) == len && strncasecmp(pp_columns[i].name, name, len) == 0)
			return i;
	return -1;
}

int column_by_name(const char *name)
{
	int id = colid(name, strlen(name));

	if (id < 0) {
		char *shown = pp_escape(name, 32);

		pp_usage_error("%s: unknown column (pcipass list --list-columns names them)", shown);
		free(shown);
	}
	return id;
}

int columns_choose(const char *spec, bool tree, int numeric, int *cols, size_t *n)
{
	const int *def = tree ? defaults_tree : defaults_list;
	size_t ndef = tree ? N(defaults_tree) : N(defaults_list);

	(void)numeric;
	*n = 0;
	/* "-o +COL,..." adds to the defaults, as in lsblk */
	if (!spec || *spec == '+') {
		memcpy(cols, def, ndef * sizeof(*def));
		*n = ndef;
		if (!spec)
			return 0;
		spec++;
	}
	if (!*spec)
		return pp_usage_error("--output: no column named (pcipass list --list-columns names them)");
	for (const char *p = spec;;) {
		size_t len = strcspn(p, ",");
		int id = colid(p, len);

		if (id < 0) {
			char *word = xstrndup(p, len), *shown = pp_escape(word, 32);

			pp_usage_error("%s: unknown column (pcipass list --list-columns names them)", shown);
			free(shown);
			free(word);
			return PP_EXIT_ERROR;
		}
		if (*n >= PP_MAX_COLS)
			return pp_usage_error("--output: too many columns");
		cols[(*n)++] = id;
		if (!p[len])
			break;
		p += len + 1;
	}
	return 0;
}

void columns_print(FILE *out)
{
	for (int i = 0; i < COL_COUNT; i++)
		fprintf(out, "%11s  %s\n", pp_columns[i].name, pp_columns[i].help);
}

const char *function_verdict(const struct pp_findings *fs)
{
	bool warn = false;

	for (size_t i = 0; fs && i < fs->n; i++) {
		if (fs->v[i].host_wide)
			continue;
		if (fs->v[i].severity == PP_BLOCKER)
			return fs->v[i].code;
		warn |= fs->v[i].severity == PP_WARNING;
	}
	return warn ? "warn" : "ok";
}

static const char *tri(enum pp_tri t)
{
	return t == PP_YES ? "+" : t == PP_NO ? "-" : "?";
}

static const char *speed(int code)
{
	static const char *const s[] = { "?", "2.5GT/s", "5GT/s", "8GT/s", "16GT/s", "32GT/s", "64GT/s" };

	return code > 0 && code < (int)N(s) ? s[code] : "?";
}

/* The ACS control bits as lspci names them. */
static const char *const acs_bits[][2] = {
	{ "SV", "SrcValid" }, { "TB", "TransBlk" }, { "RR", "ReqRedir" }, { "CR", "CmpltRedir" },
	{ "UF", "UpstreamFwd" }, { "EC", "EgressCtrl" }, { "DT", "DirectTrans" },
};

/* lspci -vv's: the speed's name, else "unknown". */
static const char *speed_word(int code)
{
	return strcmp(speed(code), "?") == 0 ? "unknown" : speed(code);
}

/* LnkSta against LnkCap, as lspci -vv marks it: above what the link can do
 * is overdriven; below it is downgraded, except on a port facing down (root,
 * downstream, PCI-to-PCIe), whose link is slowed by the device below. */
static const char *link_compared(const struct pp_function *f, int now, int cap)
{
	if (now > cap)
		return " (overdriven)";
	if (now == cap || f->port == PP_PORT_ROOT_PORT || f->port == PP_PORT_DOWNSTREAM ||
	    f->port == PP_PORT_PCI_TO_PCIE)
		return "";
	return " (downgraded)";
}

static void push_taken(struct pp_strv *out, struct sbuf *b)
{
	char *line = sb_take(b);

	strv_push(out, line);
	free(line);
}

static bool has_link_facts(const struct pp_function *f)
{
	return f->port == PP_PORT_ROOT_PORT || f->port == PP_PORT_DOWNSTREAM;
}

void function_facts(const struct pp_function *f, struct pp_strv *out)
{
	struct sbuf b = { 0 };

	if (f->config_limited) {
		strv_push(out, "config space: 64 bytes only (not read as root): capabilities unknown");
	} else {
		strv_pushf(out, "DevCap: FLReset%s", f->is_pcie == PP_YES ? tri(f->has_flr) : "- (no PCIe capability)");
		strv_pushf(out, "AFCap: TP+FLR%s", tri(f->has_af_flr));
		if (f->has_pm == PP_YES)
			strv_pushf(out, "PM: NoSoftRst%s", tri(f->pm_no_soft_reset));
		else
			strv_pushf(out, "PM: no capability");
		if (f->has_acs == PP_YES) {
			char *line;

			sb_add(&b, "ACSCtl:");
			for (size_t i = 0; i < N(acs_bits); i++)
				sb_add(&b, " %s%s", acs_bits[i][1], f->acs_ctrl & (1u << i) ? "+" : "-");
			line = sb_take(&b);
			strv_push(out, line);
			free(line);
		} else {
			strv_push(out, "ACS: no capability");
		}
		if (f->link.present) {
			/* lspci -vv's words; a port adds its Data Link Layer reporting */
			sb_add(&b, "LnkCap: Speed %s, Width x%d", speed_word(f->link.cap_speed), f->link.cap_width);
			if (has_link_facts(f))
				sb_add(&b, ", LLActRep%s", f->link_active_reporting ? "+" : "-");
			push_taken(out, &b);
			sb_add(&b, "LnkSta: Speed %s%s, Width x%d%s", speed_word(f->link.speed),
			       link_compared(f, f->link.speed, f->link.cap_speed), f->link.width,
			       link_compared(f, f->link.width, f->link.cap_width));
			if (has_link_facts(f))
				sb_add(&b, ", DLActive%s", tri(f->link_active));
			push_taken(out, &b);
		}
	}
	if (f->reset_methods.n) {
		char *m = strv_join(&f->reset_methods, ",");

		strv_pushf(out, "reset_method: %s", m);
		free(m);
	} else {
		strv_pushf(out, "reset_method: %s", f->has_reset_method_attr ? "empty" :
			   f->reset_methods_known ? "absent (the kernel found no method)" : "absent");
	}
}

char *column_cell(enum pp_colid col, const struct pp_function *f, const struct pp_findings *fs, int numeric,
		  bool predicted)
{
	(void)numeric;	/* -n and -nn are in the model's display names */
	switch (col) {
	case COL_SLOT:
		return xstrdup(f->bdf);
	case COL_CLASS:
		return text_class(f);
	case COL_CLASSID:
		return f->class_code >= 0 ? xasprintf("%04lx", (unsigned long)f->class_code >> 8) : xstrdup("-");
	case COL_DEVICE:
		return text_device(f);
	case COL_ID:
		if (f->vendor_id < 0)
			return xstrdup("????:????");
		return f->device_id >= 0 ? xasprintf("%04x:%04x", (unsigned)f->vendor_id, (unsigned)f->device_id)
					 : xasprintf("%04x:????", (unsigned)f->vendor_id);
	case COL_SUBSYS:
		return f->subsys_vendor_id >= 0 && f->subsys_device_id >= 0
			? xasprintf("%04x:%04x", (unsigned)f->subsys_vendor_id, (unsigned)f->subsys_device_id)
			: xstrdup("-");
	case COL_DRIVER:
		return xstrdup(f->driver ? f->driver : "-");
	case COL_GROUP:
		/* With the IOMMU off, the group the kernel will make ("p3": predicted). */
		if (f->iommu_group >= 0)
			return xasprintf("%d", f->iommu_group);
		return predicted && f->predicted_group >= 0 ? xasprintf("p%d", f->predicted_group) : xstrdup("-");
	case COL_RESET:
		return text_reset_methods(f);
	case COL_VERDICT:
		return xstrdup(fs ? function_verdict(fs) : "-");
	case COL_BLOCKERS: {
		struct pp_strv codes = { 0 };
		char *s;

		for (size_t i = 0; fs && i < fs->n; i++)
			if (fs->v[i].severity == PP_BLOCKER && !strv_contains(&codes, fs->v[i].code))
				strv_push(&codes, fs->v[i].code);
		s = codes.n ? strv_join(&codes, ",") : xstrdup("-");
		strv_free(&codes);
		return s;
	}
	case COL_PORT:
		return xstrdup(port_name(f->port));
	case COL_PARENT:
		return xstrdup(f->parent ? f->parent->bdf : "-");
	case COL_NOTE:
		return text_tree_note(f);
	case COL_FLR:
		if (f->config_limited)
			return xstrdup("?");
		if (f->has_flr == PP_YES || f->has_af_flr == PP_YES)
			return xasprintf("%s%s%s", f->has_flr == PP_YES ? "pcie" : "",
					 f->has_flr == PP_YES && f->has_af_flr == PP_YES ? "," : "",
					 f->has_af_flr == PP_YES ? "af" : "");
		return xstrdup("no");
	case COL_ACSCTL: {
		struct sbuf b = { 0 };

		if (f->config_limited)
			return xstrdup("?");
		if (f->has_acs != PP_YES)
			return xstrdup("-");
		sb_add(&b, "%s", "");
		for (size_t i = 0; i < N(acs_bits); i++)
			if (f->acs_ctrl & (1u << i))
				sb_add(&b, "%s%s", b.len ? "," : "", acs_bits[i][0]);
		if (!b.len)
			sb_add(&b, "none");
		return sb_take(&b);
	}
	case COL_NOSOFTRST:
		if (f->config_limited)
			return xstrdup("?");
		return xstrdup(f->has_pm != PP_YES ? "-" : f->pm_no_soft_reset == PP_YES ? "yes" : "no");
	case COL_LINK:
		if (f->config_limited)
			return xstrdup("?");
		if (!has_link_facts(f))
			return xstrdup("-");
		return xasprintf("%s,LLActRep%s,DLActive%s", speed(f->link_speed_cap), f->link_active_reporting ? "+" : "-",
				 tri(f->link_active));
	case COL_BOOT:
		return xstrdup(f->boot_by ? f->boot_by->driver : "-");
	case COL_BOOTFROM:
		if (!f->boot_by)
			return xstrdup("-");
		if (f->boot_by->kind == PP_BOOT_DRIVERCTL)
			return xstrdup("driverctl");
		return xstrdup(strcmp(f->boot_by->source, BOOTCFG_CMDLINE) == 0 ? "cmdline" : f->boot_by->source);
	case COL_COUNT:
		break;
	}
	return xstrdup("-");
}
