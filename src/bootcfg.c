/*
 * The next boot's driver choices, read as the kernel, modprobe and
 * driverctl read them (bootcfg.h).  Only what decides which driver takes a
 * PCI function is kept; a line the kernel or modprobe would skip is named
 * in cfg->problems and skipped here too.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bootcfg.h"

/* modprobe.d(5): /etc first; a same-named file there hides the others. */
const char *const bootcfg_modprobe_dirs[] = {
	"etc/modprobe.d", "run/modprobe.d", "usr/local/lib/modprobe.d", "usr/lib/modprobe.d", "lib/modprobe.d",
};
const size_t bootcfg_n_modprobe_dirs = sizeof(bootcfg_modprobe_dirs) / sizeof(bootcfg_modprobe_dirs[0]);

/* The drivers whose ids= parameter takes devices at load: each keeps it in
 * a 1024-byte buffer (module_param_string in vfio_pci.c and pci-stub.c). */
static const char *const id_drivers[] = { "vfio-pci", "pci-stub" };
#define IDS_PARAM_MAX 1024

bool module_name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
			return false;
	return *a == *b;
}

/* One %x of the kernel's vsscanf: spaces skipped, an optional 0x, then hex
 * digits (at least one), kept to 32 bits as the unsigned int it fills. */
static const char *scan_hex(const char *s, unsigned int *out)
{
	unsigned int v = 0;

	while (isspace((unsigned char)*s))
		s++;
	if (!isxdigit((unsigned char)*s))
		return NULL;
	if (s[0] == '0' && tolower((unsigned char)s[1]) == 'x' && isxdigit((unsigned char)s[2]))
		s += 2;
	for (; isxdigit((unsigned char)*s); s++)
		v = v * 16 + (unsigned int)(isdigit((unsigned char)*s) ? *s - '0' : tolower((unsigned char)*s) - 'a' + 10);
	*out = v;
	return s;
}

bool boot_id_parse(const char *s, struct pp_boot_id *id)
{
	unsigned int *fields[] = { &id->vendor, &id->device, &id->subvendor,
				   &id->subdevice, &id->class_code, &id->class_mask };
	size_t n = 0;

	id->subvendor = id->subdevice = BOOT_ANY_ID;
	id->class_code = id->class_mask = 0;
	/* sscanf stops at the first field that does not parse or the first
	 * ':' that is missing; what follows is ignored. */
	for (const char *p = s; n < 6; n++) {
		if (n && *p++ != ':')
			break;
		if (!(p = scan_hex(p, fields[n])))
			break;
	}
	return n >= 2;
}

bool boot_id_matches(const struct pp_boot_id *id, unsigned int vendor, unsigned int device,
		     unsigned int subvendor, unsigned int subdevice, unsigned int class_code)
{
	return (id->vendor == BOOT_ANY_ID || id->vendor == vendor) &&
	       (id->device == BOOT_ANY_ID || id->device == device) &&
	       (id->subvendor == BOOT_ANY_ID || id->subvendor == subvendor) &&
	       (id->subdevice == BOOT_ANY_ID || id->subdevice == subdevice) &&
	       !((id->class_code ^ class_code) & id->class_mask);
}

static struct pp_boot_entry *add_entry(struct pp_bootcfg *cfg, enum pp_boot_kind kind, const char *driver,
				       const char *source)
{
	struct pp_boot_entry *e;

	cfg->v = xrealloc(cfg->v, (cfg->n + 1) * sizeof(*cfg->v));
	e = &cfg->v[cfg->n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->driver = xstrdup(driver);
	e->source = xstrdup(source);
	return e;
}

static void entry_free(struct pp_boot_entry *e)
{
	free(e->driver);
	free(e->module);
	free(e->source);
	free(e->text);
	free(e->matches);
}

/* Drop the entries of one ids= value (a later one replaces it). */
static void drop_ids(struct pp_bootcfg *cfg, const char *driver, const char *source_prefix)
{
	size_t k = 0;

	for (size_t i = 0; i < cfg->n; i++) {
		struct pp_boot_entry *e = &cfg->v[i];

		if (e->kind == PP_BOOT_IDS && strcmp(e->driver, driver) == 0 &&
		    strncmp(e->source, source_prefix, strlen(source_prefix)) == 0) {
			entry_free(e);
			continue;
		}
		cfg->v[k++] = *e;
	}
	cfg->n = k;
}

/* "a,b,,c": each non-empty piece is one id; a bad one is skipped, as
 * vfio_pci_fill_ids and pci_stub_init skip it ("invalid id string"). */
static void add_ids(struct pp_bootcfg *cfg, const char *driver, const char *value, const char *source)
{
	char *copy, *p, *piece;

	if (strlen(value) >= IDS_PARAM_MAX) {
		strv_pushf(&cfg->problems, "%s: %s ids= is %zu bytes, longer than the kernel's %d-byte parameter: "
			   "the kernel refuses it whole", source, driver, strlen(value), IDS_PARAM_MAX - 1);
		return;
	}
	p = copy = xstrdup(value);
	while ((piece = strsep(&p, ","))) {
		struct pp_boot_id id;
		struct pp_boot_entry *e;

		if (!*piece)
			continue;
		if (!boot_id_parse(piece, &id)) {
			char *shown = pp_escape(piece, 64);

			strv_pushf(&cfg->problems, "%s: %s id \"%s\" is not vendor:device: %s skips it", source, driver,
				   shown, driver);
			free(shown);
			continue;
		}
		e = add_entry(cfg, PP_BOOT_IDS, driver, source);
		e->text = pp_escape(piece, 64);
		e->id = id;
	}
	free(copy);
}

static const char *ids_driver(const char *module)
{
	for (size_t i = 0; i < sizeof(id_drivers) / sizeof(id_drivers[0]); i++)
		if (module_name_eq(module, id_drivers[i]))
			return id_drivers[i];
	return NULL;
}

/* ---- the kernel command line ------------------------------------------ */

/* Each "DRIVER.ids=VALUE" word (next_arg: quotes kept out of the value);
 * the kernel stops at "--", and the last value of a parameter is the one
 * it keeps. */
static unsigned int read_cmdline(struct pp_bootcfg *cfg, const char *cmdline)
{
	const char *p = cmdline;
	unsigned int set = 0;

	while (p && *p) {
		const char *start, *eq, *driver;
		char *word, *value, *name;
		bool quoted = false;
		size_t len;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		start = p;
		for (; *p && (quoted || !isspace((unsigned char)*p)); p++)
			if (*p == '"')
				quoted = !quoted;
		len = (size_t)(p - start);
		if (len == 2 && strncmp(start, "--", 2) == 0)
			break;
		word = xstrndup(start, len);
		eq = strchr(word, '=');
		name = eq ? xstrndup(word, (size_t)(eq - word)) : NULL;
		if (name && strchr(name, '.') && strcmp(strchr(name, '.'), ".ids") == 0) {
			*strchr(name, '.') = '\0';
			if ((driver = ids_driver(name))) {
				char *q;

				value = xstrdup(eq + 1);
				/* next_arg drops the quotes around a value */
				while ((q = strchr(value, '"')))
					memmove(q, q + 1, strlen(q));
				drop_ids(cfg, driver, BOOTCFG_CMDLINE);
				add_ids(cfg, driver, value, BOOTCFG_CMDLINE);
				set |= 1u << (driver == id_drivers[0] ? 0 : 1);
				free(value);
			}
		}
		free(name);
		free(word);
	}
	return set;
}

/* ---- modprobe.d ----------------------------------------------------- */

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

static void parse_options(struct pp_bootcfg *cfg, char **tok, size_t n, const char *where)
{
	const char *driver;

	if (n < 2) {
		strv_pushf(&cfg->problems, "%s: \"options\" names no module: modprobe ignores it", where);
		return;
	}
	if (!(driver = ids_driver(tok[1])))
		return;
	for (size_t i = 2; i < n; i++)
		if (strncmp(tok[i], "ids=", 4) == 0) {
			/* the module parses its options in order: a later ids= replaces this one */
			drop_ids(cfg, driver, "etc/");
			drop_ids(cfg, driver, "run/");
			drop_ids(cfg, driver, "usr/");
			drop_ids(cfg, driver, "lib/");
			/* the kernel's parse_args drops the quotes around a value */
			for (char *q; (q = strchr(tok[i], '"'));)
				memmove(q, q + 1, strlen(q));
			add_ids(cfg, driver, tok[i] + 4, where);
		}
}

static void parse_softdep(struct pp_bootcfg *cfg, char **tok, size_t n, const char *where)
{
	bool pre = false;

	if (n < 3) {
		strv_pushf(&cfg->problems, "%s: \"softdep\" needs a module and pre: or post: modules: modprobe ignores it",
			   where);
		return;
	}
	for (size_t i = 2; i < n; i++) {
		const char *driver;

		if (strcmp(tok[i], "pre:") == 0 || strcmp(tok[i], "post:") == 0) {
			pre = tok[i][1] == 'r';
			continue;
		}
		if (pre && (driver = ids_driver(tok[i]))) {
			struct pp_boot_entry *e = add_entry(cfg, PP_BOOT_SOFTDEP, driver, where);

			e->module = pp_escape(tok[1], 64);
		}
	}
}

/* One logical line: the commands modprobe knows; anything else it skips. */
static void parse_modprobe_line(struct pp_bootcfg *cfg, char *line, const char *where)
{
	static const char *const known[] = { "alias", "options", "install", "remove", "blacklist",
					     "softdep", "weakdep" };
	char *tok[64], *save, *t;
	size_t n = 0;
	bool ok = false;

	for (t = strtok_r(line, " \t", &save); t && n < 64; t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	if (!n || tok[0][0] == '#')
		return;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		ok |= strcmp(tok[0], known[i]) == 0;
	if (!ok) {
		char *shown = pp_escape(tok[0], 32);

		strv_pushf(&cfg->problems, "%s: \"%s\" is not a modprobe.d command: modprobe ignores the line", where,
			   shown);
		free(shown);
	} else if (strcmp(tok[0], "options") == 0) {
		parse_options(cfg, tok, n, where);
	} else if (strcmp(tok[0], "softdep") == 0) {
		parse_softdep(cfg, tok, n, where);
	}
}

static void parse_modprobe_file(struct pp_bootcfg *cfg, const char *rel, char *text)
{
	struct sbuf logical = { 0 };
	unsigned int lineno = 0, first = 0;
	char *line, *next;

	for (line = text; line; line = next) {
		size_t len;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (!logical.len)
			first = lineno;
		len = strlen(line);
		/* a '\' at the end continues the line (modprobe.d(5)) */
		if (len && line[len - 1] == '\\') {
			sb_add_bytes(&logical, line, len - 1);
			sb_add_bytes(&logical, " ", 1);
			continue;
		}
		sb_add_bytes(&logical, line, len);
		{
			char *whole = sb_take(&logical), *where = xasprintf("%s:%u", rel, first);

			parse_modprobe_line(cfg, whole, where);
			free(where);
			free(whole);
		}
	}
	free(sb_take(&logical));
}

static void read_modprobe(const struct pp_root *root, struct pp_bootcfg *cfg)
{
	struct pp_strv names = { 0 }, paths = { 0 };

	for (size_t d = 0; d < bootcfg_n_modprobe_dirs; d++) {
		struct pp_strv here = { 0 };
		size_t taken = 0;

		if (!root_list_dir(root, bootcfg_modprobe_dirs[d], &here))
			continue;
		for (size_t i = 0; i < here.n; i++) {
			if (here.v[i][0] == '.' || !ends_with(here.v[i], ".conf") || strv_contains(&names, here.v[i]))
				continue;
			if (++taken > BOOTCFG_MAX_FILES) {
				strv_pushf(&cfg->problems, "%s: more than %d .conf files: the rest were not read",
					   bootcfg_modprobe_dirs[d], BOOTCFG_MAX_FILES);
				break;
			}
			strv_push(&names, here.v[i]);
			strv_pushf(&paths, "%s/%s", bootcfg_modprobe_dirs[d], here.v[i]);
		}
		strv_free(&here);
	}
	/* modprobe reads them in the order of their names, whatever the directory */
	for (size_t i = 0; i < names.n; i++) {
		size_t best = i;

		for (size_t k = i + 1; k < names.n; k++)
			if (strcmp(names.v[k], names.v[best]) < 0)
				best = k;
		if (best != i) {
			char *t = names.v[i];

			names.v[i] = names.v[best];
			names.v[best] = t;
			t = paths.v[i];
			paths.v[i] = paths.v[best];
			paths.v[best] = t;
		}
	}
	for (size_t i = 0; i < paths.n; i++) {
		size_t len;
		char *text = root_read_file(root, paths.v[i], BOOTCFG_MAX_BYTES + 1, &len);
		/* a file name is anything: shown escaped, in messages and in JSON */
		char *shown = pp_escape(paths.v[i], 0);

		if (!text || len > BOOTCFG_MAX_BYTES) {
			strv_pushf(&cfg->problems, "%s: %s", shown, text ? "larger than 64 KiB: not read" : strerror(errno));
		} else {
			strv_push(&cfg->read, shown);
			parse_modprobe_file(cfg, shown, text);
		}
		free(shown);
		free(text);
	}
	strv_free(&names);
	strv_free(&paths);
}

/* ---- driverctl -------------------------------------------------------- */

/* driverctl load-override: a non-empty file; $(< file) drops the newlines. */
static void read_driverctl(const struct pp_root *root, struct pp_bootcfg *cfg)
{
	struct pp_strv names = { 0 };

	if (!root_list_dir(root, DRIVERCTL_DIR, &names))
		return;
	for (size_t i = 0, taken = 0; i < names.n; i++) {
		struct pp_bdf addr;
		char *rel, *text;
		struct pp_boot_entry *e;
		size_t len;

		if (strncmp(names.v[i], "pci-", 4) != 0)
			continue;	/* another bus's override */
		rel = xasprintf(DRIVERCTL_DIR "/%s", names.v[i]);
		if (!bdf_parse_sysfs(names.v[i] + 4, &addr)) {
			char *shown = pp_escape(names.v[i], 64);

			strv_pushf(&cfg->problems, DRIVERCTL_DIR "/%s: not pci-DDDD:BB:DD.F: no device has that name",
				   shown);
			free(shown);
			free(rel);
			continue;
		}
		if (++taken > BOOTCFG_MAX_FILES) {
			strv_pushf(&cfg->problems, DRIVERCTL_DIR ": more than %d overrides: the rest were not read",
				   BOOTCFG_MAX_FILES);
			free(rel);
			break;
		}
		text = root_read_file(root, rel, 4096, &len);
		if (!text) {
			strv_pushf(&cfg->problems, "%s: %s", rel, strerror(errno));
			free(rel);
			continue;
		}
		strv_push(&cfg->read, rel);
		while (len && (text[len - 1] == '\n'))
			text[--len] = '\0';
		if (!len) {
			strv_pushf(&cfg->problems, "%s: empty: driverctl does not load it", rel);
		} else if (!valid_driver_name(text)) {
			char *shown = pp_escape(text, 64);

			strv_pushf(&cfg->problems, "%s: \"%s\" is not a driver name: no driver can take the device",
				   rel, shown);
			free(shown);
		} else {
			e = add_entry(cfg, PP_BOOT_DRIVERCTL, text, rel);
			e->addr = addr;
			e->text = xstrdup(names.v[i] + 4);
		}
		free(text);
		free(rel);
	}
	strv_free(&names);
}

/*
 * modprobe passes a module the options of modprobe.d first and those of
 * the kernel command line last (kmod_config_new), and a built-in driver
 * sees only the command line: either way the command line's ids= is the
 * one the driver keeps.
 */
static void cmdline_wins(struct pp_bootcfg *cfg, const char *driver)
{
	size_t k = 0;

	for (size_t i = 0; i < cfg->n; i++) {
		struct pp_boot_entry *e = &cfg->v[i];

		if (e->kind == PP_BOOT_IDS && strcmp(e->driver, driver) == 0 && strcmp(e->source, BOOTCFG_CMDLINE) != 0) {
			strv_pushf(&cfg->problems, "%s: %s id %s is overridden by %s.ids= on the kernel command line",
				   e->source, driver, e->text, driver);
			entry_free(e);
			continue;
		}
		cfg->v[k++] = *e;
	}
	cfg->n = k;
}

void bootcfg_read(const struct pp_root *root, const char *cmdline, struct pp_bootcfg *cfg)
{
	unsigned int on_cmdline;

	memset(cfg, 0, sizeof(*cfg));
	on_cmdline = read_cmdline(cfg, cmdline);
	read_modprobe(root, cfg);
	for (size_t i = 0; i < sizeof(id_drivers) / sizeof(id_drivers[0]); i++)
		if (on_cmdline & (1u << i))
			cmdline_wins(cfg, id_drivers[i]);
	read_driverctl(root, cfg);
}

void bootcfg_free(struct pp_bootcfg *cfg)
{
	for (size_t i = 0; i < cfg->n; i++)
		entry_free(&cfg->v[i]);
	free(cfg->v);
	strv_free(&cfg->read);
	strv_free(&cfg->problems);
	memset(cfg, 0, sizeof(*cfg));
}
