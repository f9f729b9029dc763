/*
 * lspci output as a sysroot (HACKING, "lspci dumps").
 *
 * The format is pciutils' dump format (lib/dump.c, what `lspci -F` reads):
 * a line "[DDDD:]BB:DD.F ..." opens a device, "XX: hh hh ..." rows fill its
 * config space at offset XX, an empty line closes it, every other line is
 * ignored.  Real files break libpci's own reader (a 255-character header
 * line, a stderr message spliced into a row, mail clients' non-breaking
 * spaces), so a tolerant pre-pass reads the file first: it keeps the rows
 * it can trust, counts the ones it drops, and collects what only the -v
 * text says (IOMMU group, kernel driver).  The cleaned hex then goes to
 * libpci's dump access method, and the bytes it hands back are written,
 * with the text's facts, as a sysfs tree the model reads like a snapshot.
 */
#include "config.h"

#include <archive.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pci/pci.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "lspci-dump.h"
#include "record.h"
#include "sysroot.h"
#include "util.h"

/* ---- the pre-pass: one line at a time ------------------------------------- */

struct scan_state {
	struct dump_device work;	/* the device being read */
	bool open;
	char line[DUMP_MAX_LINE + 1];
	size_t len;
	bool overlong;
};

static struct scan_state *state_of(struct dump_scan *s)
{
	if (!s->state)
		s->state = xcalloc(1, sizeof(*s->state));
	return s->state;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* n hex digits at p; -1 when any is not one. */
static long hexn(const char *p, int n)
{
	long v = 0;

	for (int i = 0; i < n; i++) {
		int d = hexval((unsigned char)p[i]);
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* "BB:DD.F" at p; the length parsed (7) or 0. */
static size_t parse_bus_dev_fn(const char *p, unsigned int *bus, unsigned int *dev, unsigned int *fn)
{
	long b = hexn(p, 2), d;

	if (b < 0 || p[2] != ':' || (d = hexn(p + 3, 2)) < 0 || d > 0x1f || p[5] != '.' || p[6] < '0' || p[6] > '7')
		return 0;
	*bus = (unsigned int)b;
	*dev = (unsigned int)d;
	*fn = (unsigned int)(p[6] - '0');
	return 7;
}

/*
 * A device line: "BB:DD.F ", "DDDD:BB:DD.F " (4-6 domain digits, as lib/dump.c
 * takes them) or lspci -PP's path "BB:DD.F/BB:DD.F/... " whose last element
 * is the device.  Something must follow (a space), as lspci always prints.
 */
static bool parse_header(const char *l, struct dump_device *d)
{
	size_t dom_len = strspn(l, "0123456789abcdefABCDEF"), k;
	unsigned int domain = 0;

	if (dom_len >= 4 && dom_len <= 6 && l[dom_len] == ':') {
		domain = (unsigned int)hexn(l, (int)dom_len);
		l += dom_len + 1;
	}
	if (!(k = parse_bus_dev_fn(l, &d->bus, &d->dev, &d->fn)))
		return false;
	l += k;
	while (*l == '/') {
		if (!(k = parse_bus_dev_fn(l + 1, &d->bus, &d->dev, &d->fn)))
			return false;
		l += k + 1;
	}
	if (*l != ' ')
		return false;
	d->domain = domain;
	return true;
}

static bool same_bdf(const struct dump_device *a, const struct dump_device *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->dev == b->dev && a->fn == b->fn;
}

static void drop(struct dump_scan *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void drop(struct dump_scan *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->dropped++) {
		va_start(ap, fmt);
		vsnprintf(s->first_drop, sizeof(s->first_drop), fmt, ap);
		va_end(ap);
	}
}

/* "XX: hh hh ..." with 2-8 offset digits; false (with the row counted as
 * dropped) when it looks like a row but cannot be trusted. */
static bool parse_row(struct dump_scan *s, struct dump_device *d, const char *l)
{
	size_t digits = strspn(l, "0123456789abcdefABCDEF"), n = 0;
	unsigned char bytes[17];
	unsigned long off;
	const char *p;

	if (digits < 2 || digits > 8 || l[digits] != ':' || l[digits + 1] != ' ')
		return false;
	off = (unsigned long)hexn(l, (int)digits);
	for (p = l + digits + 1; *p == ' ' && n < sizeof(bytes); p += 3) {
		long b = hexn(p + 1, 2);

		if (b < 0 || (p[3] != ' ' && p[3] != '\0'))
			break;
		bytes[n++] = (unsigned char)b;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p || n == 0) {
		drop(s, "%02x:%02x.%x: a row with other text spliced in", d->bus, d->dev, d->fn);
		return true;
	}
	if (n > 16) {
		drop(s, "%02x:%02x.%x: a row of more than 16 bytes", d->bus, d->dev, d->fn);
		return true;
	}
	if (off >= 4096 || off + n > 4096) {
		drop(s, "%02x:%02x.%x: offset 0x%lx beyond config space", d->bus, d->dev, d->fn, off);
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		size_t at = off + i;

		if (d->given[at / 8] & (1u << (at % 8))) {
			if (d->config[at] != bytes[i]) {
				drop(s, "%02x:%02x.%x: two rows give offset 0x%zx different bytes", d->bus, d->dev, d->fn, at);
				return true;
			}
			continue;
		}
		d->config[at] = bytes[i];
		d->given[at / 8] |= (unsigned char)(1u << (at % 8));
	}
	if (off + n > d->end)
		d->end = off + n;
	d->has_hex = true;
	return true;
}

/* lspci's "[size=16M]": bytes, or 0 when unreadable. */
static unsigned long long parse_size(const char *l)
{
	const char *p = strstr(l, "[size=");
	unsigned long long v;
	char *end;

	if (!p)
		return 0;
	errno = 0;
	v = strtoull(p + 6, &end, 10);
	if (errno || end == p + 6 || v == 0)
		return 0;
	switch (*end) {
	case 'K': v <<= 10; end++; break;
	case 'M': v <<= 20; end++; break;
	case 'G': v <<= 30; end++; break;
	case 'T': v <<= 40; end++; break;
	}
	return *end == ']' && v < (1ull << 52) ? v : 0;
}

/*
 * lspci -v's "Region 2: I/O ports at c000 [size=32]", "Region 0: Memory at
 * fd000000 (64-bit, prefetchable) [size=16M]", "Expansion ROM at fe600000
 * [disabled] [size=256K]": the kernel's resource table, with the flags it
 * prints (IORESOURCE_* of include/linux/ioport.h, plus the BAR's low bits).
 */
static void parse_region(struct dump_device *d, const char *l)
{
	unsigned long long start, size = parse_size(l), flags;
	const char *at;
	char *end;
	int index;

	static const struct { const char *text; int index; unsigned long long flags; } windows[] = {
		{ "I/O behind bridge: ", 13, 0x100 },				/* IO */
		{ "Memory behind bridge: ", 14, 0x200 },			/* MEM */
		{ "Prefetchable memory behind bridge: ", 15, 0x2200 },	/* MEM | PREFETCH */
	};

	for (size_t i = 0; i < sizeof(windows) / sizeof(windows[0]); i++) {
		size_t n = strlen(windows[i].text);
		unsigned long long last;

		if (strncmp(l, windows[i].text, n) != 0)
			continue;
		errno = 0;
		start = strtoull(l + n, &end, 16);
		if (errno || end == l + n || *end != '-' || strstr(end, "[disabled]") || d->bar[windows[i].index].size)
			return;
		at = end + 1;
		last = strtoull(at, &end, 16);
		if (errno || end == at || last < start)
			return;
		d->bar[windows[i].index].start = start;
		d->bar[windows[i].index].size = last - start + 1;
		d->bar[windows[i].index].flags = windows[i].flags | (strstr(end, "[64-bit]") ? 0x100001 : 0);
		return;
	}
	if (strncmp(l, "Expansion ROM at ", 17) == 0) {
		index = 6;
		at = l + 17;
		flags = 0x46200;	/* MEM | PREFETCH | READONLY | SIZEALIGN */
	} else if (strncmp(l, "Region ", 7) == 0 && l[7] >= '0' && l[7] <= '5' && l[8] == ':') {
		index = l[7] - '0';
		if (strncmp(l + 9, " I/O ports at ", 14) == 0) {
			at = l + 23;
			flags = 0x40101;	/* IO | SIZEALIGN, BAR bit 0 */
		} else if (strncmp(l + 9, " Memory at ", 11) == 0) {
			at = l + 20;
			flags = 0x40200;	/* MEM | SIZEALIGN */
			if (strstr(at, "(64-bit"))
				flags |= 0x100000 | 0x4;	/* MEM_64, BAR type 64-bit */
			if (strstr(at, ", prefetchable)"))
				flags |= 0x2000 | 0x8;		/* PREFETCH, BAR bit 3 */
		} else {
			return;
		}
	} else {
		return;
	}
	errno = 0;
	start = strtoull(at, &end, 16);
	if (errno || end == at || *end != ' ' || !size || start + (size - 1) < start || d->bar[index].size)
		return;		/* "<unassigned>", "<ignored>", no size: not a resource the kernel shows */
	d->bar[index].start = start;
	d->bar[index].size = size;
	d->bar[index].flags = flags;
}

/* "[xxxx:yyyy]" ending at end (exclusive): the two ids, or false. */
static bool bracket_ids(const char *start, const char *end, int *a, int *b)
{
	const char *p = end - 11;
	long x, y;

	if (end - start < 11 || p[0] != '[' || p[5] != ':' || p[10] != ']' ||
	    (x = hexn(p + 1, 4)) < 0 || (y = hexn(p + 6, 4)) < 0)
		return false;
	*a = (int)x;
	*b = (int)y;
	return true;
}

/*
 * The rest of a device line, as lspci's show_device prints it:
 * "CLASS [cccc]: VENDOR DEVICE [vvvv:dddd] (rev rr) (prog-if pp [NAME])",
 * the bracketed numbers only with -nn, prog-if only with -v.  Only what is
 * printed is taken: plain lspci -vvv gives names and no ids.
 */
static void parse_header_text(struct dump_device *d, const char *t)
{
	const char *colon = strstr(t, ": "), *end = t + strlen(t), *p;
	long progif = 0, v;

	while (end > t && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	snprintf(d->name, sizeof(d->name), "%.*s", (int)(end - t), t);
	if ((p = strstr(t, " (prog-if ")) && (v = hexn(p + 10, 2)) >= 0) {
		progif = v;
		end = p;
	}
	if ((p = strstr(t, " (rev ")) && p < end && (v = hexn(p + 6, 2)) >= 0 && p[8] == ')') {
		d->revision = (int)v;
		end = p;
	}
	if (!colon || colon > end)
		return;
	if (d->revision < 0)
		d->revision = 0;	/* show_device prints a revision only when it is not 00 */
	if (colon - t >= 7 && colon[-7] == ' ' && colon[-6] == '[' && colon[-1] == ']' &&
	    (v = hexn(colon - 5, 4)) >= 0)
		d->class_code = v << 8 | progif;
	bracket_ids(colon + 2, end, &d->vendor, &d->device);
}

/* "Bus: primary=00, secondary=01, subordinate=05, sec-latency=0" (header types 1 and 2). */
static void parse_bus_line(struct dump_device *d, const char *l)
{
	unsigned int pri, sec, sub;
	int n = 0;

	if (sscanf(l, "Bus: primary=%2x, secondary=%2x, subordinate=%2x,%n", &pri, &sec, &sub, &n) == 3 && n &&
	    sec <= sub) {
		d->secondary_bus = (int)sec;
		d->subordinate_bus = (int)sub;
	}
}

/* "Kernel driver in use: NAME", "IOMMU group: N", the BARs (any leading white space). */
static void parse_text_fact(struct dump_device *d, const char *l)
{
	static const char drv[] = "Kernel driver in use: ", grp[] = "IOMMU group: ", slot[] = "Physical Slot: ";

	l += strspn(l, " \t");
	if (strncmp(l, "Subsystem: ", 11) == 0 && d->subsys_vendor < 0)
		bracket_ids(l, l + strlen(l), &d->subsys_vendor, &d->subsys_device);
	else if (strncmp(l, "Bus: primary=", 13) == 0 && d->secondary_bus < 0)
		parse_bus_line(d, l);
	if (strncmp(l, "Capabilities:", 13) == 0)
		d->past_regions = true;
	else if (!d->past_regions)
		parse_region(d, l);
	if (strncmp(l, drv, sizeof(drv) - 1) == 0 && !d->driver[0]) {
		const char *name = l + sizeof(drv) - 1;
		size_t n = strcspn(name, " \t");

		if (n && n < sizeof(d->driver) && !name[n + strspn(name + n, " \t")]) {
			memcpy(d->driver, name, n);
			d->driver[n] = '\0';
			if (!valid_driver_name(d->driver))
				d->driver[0] = '\0';
		}
	} else if (strncmp(l, slot, sizeof(slot) - 1) == 0 && !d->slot[0]) {
		const char *name = l + sizeof(slot) - 1;
		size_t n = strcspn(name, " \t");

		if (n && n < sizeof(d->slot) && !name[n + strspn(name + n, " \t")]) {
			memcpy(d->slot, name, n);
			d->slot[n] = '\0';
			if (!valid_driver_name(d->slot))
				d->slot[0] = '\0';
		}
	} else if (strncmp(l, grp, sizeof(grp) - 1) == 0 && d->iommu_group < 0) {
		const char *num = l + sizeof(grp) - 1;
		size_t n = strspn(num, "0123456789");

		if (n && n <= 9 && !num[n + strspn(num + n, " \t")])
			d->iommu_group = atoi(num);
	}
}

static struct dump_device *find_device(struct dump_scan *s, const struct dump_device *key)
{
	for (size_t i = s->n; i-- > 0;)
		if (same_bdf(&s->dev[i], key))
			return &s->dev[i];
	return NULL;
}

/* A device's listing ended: keep it, or merge it into an earlier listing of
 * the same address (nvidia-bug-report holds several lspci runs). */
static void close_device(struct dump_scan *s, struct scan_state *st)
{
	struct dump_device *w = &st->work, *old;

	if (!st->open)
		return;
	st->open = false;
	if (!w->has_hex)
		s->text_only++;
	old = find_device(s, w);
	if (old) {
		if (old->iommu_group < 0)
			old->iommu_group = w->iommu_group;
		if (!old->driver[0])
			memcpy(old->driver, w->driver, sizeof(old->driver));
		if (!old->slot[0])
			memcpy(old->slot, w->slot, sizeof(old->slot));
		if (old->vendor < 0) {
			old->vendor = w->vendor;
			old->device = w->device;
		}
		if (old->subsys_vendor < 0) {
			old->subsys_vendor = w->subsys_vendor;
			old->subsys_device = w->subsys_device;
		}
		if (old->class_code < 0)
			old->class_code = w->class_code;
		if (old->revision < 0)
			old->revision = w->revision;
		if (old->secondary_bus < 0) {
			old->secondary_bus = w->secondary_bus;
			old->subordinate_bus = w->subordinate_bus;
		}
		for (int i = 0; i < 17; i++)
			if (!old->bar[i].size)
				old->bar[i] = w->bar[i];
		if (!w->has_hex)
			return;
		if (!old->has_hex || w->end > old->end) {
			/* a fuller listing (-xxxx after -xxx) wins where it adds bytes */
			for (size_t i = 0; i < sizeof(w->config); i++) {
				bool in_old = old->given[i / 8] & (1u << (i % 8)), in_new = w->given[i / 8] & (1u << (i % 8));

				if (in_old && in_new && old->config[i] != w->config[i])
					old->conflict = true;
			}
			if (!old->conflict) {
				memcpy(old->config, w->config, sizeof(old->config));
				memcpy(old->given, w->given, sizeof(old->given));
				old->end = w->end;
				old->has_hex = true;
			}
		} else {
			for (size_t i = 0; i < w->end; i++)
				if ((w->given[i / 8] & (1u << (i % 8))) && (old->given[i / 8] & (1u << (i % 8))) &&
				    old->config[i] != w->config[i])
					old->conflict = true;
		}
		return;
	}
	if (s->n >= DUMP_MAX_DEVICES) {
		drop(s, "more than %d devices", DUMP_MAX_DEVICES);
		return;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->dev = xrealloc(s->dev, s->cap * sizeof(*s->dev));
	}
	s->dev[s->n++] = *w;
}

/* Non-breaking spaces (UTF-8 C2 A0, or a Latin-1 A0 byte) become spaces. */
static size_t normalise_spaces(struct dump_scan *s, char *l, size_t len)
{
	size_t o = 0;
	bool changed = false;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)l[i];

		if (c == 0xc2 && i + 1 < len && (unsigned char)l[i + 1] == 0xa0) {
			l[o++] = ' ';
			i++;
			changed = true;
		} else if (c == 0xa0) {
			l[o++] = ' ';
			changed = true;
		} else {
			l[o++] = (char)c;
		}
	}
	l[o] = '\0';
	s->nbsp += changed;
	return o;
}

static void scan_line(struct dump_scan *s, struct scan_state *st)
{
	char *l = st->line;
	size_t len = st->len;
	struct dump_device hdr;

	s->lines++;
	if (st->overlong) {
		/* lib/dump.c refuses the whole file; only a row inside a device matters */
		if (st->open && isxdigit((unsigned char)l[0]) && isxdigit((unsigned char)l[1]))
			drop(s, "%02x:%02x.%x: a row longer than %d characters", st->work.bus, st->work.dev,
			     st->work.fn, DUMP_MAX_LINE);
		return;
	}
	while (len && (l[len - 1] == '\r' || l[len - 1] == '\n'))
		l[--len] = '\0';
	len = normalise_spaces(s, l, len);
	if (l[strspn(l, " \t")] == '\0') {
		close_device(s, st);
		return;
	}
	memset(&hdr, 0, sizeof(hdr));
	if (parse_header(l, &hdr)) {
		close_device(s, st);
		memset(&st->work, 0, sizeof(st->work));
		memset(st->work.config, 0xff, sizeof(st->work.config));
		st->work.domain = hdr.domain;
		st->work.bus = hdr.bus;
		st->work.dev = hdr.dev;
		st->work.fn = hdr.fn;
		st->work.iommu_group = -1;
		st->work.vendor = st->work.device = st->work.subsys_vendor = st->work.subsys_device = -1;
		st->work.class_code = st->work.revision = -1;
		st->work.secondary_bus = st->work.subordinate_bus = -1;
		parse_header_text(&st->work, strchr(l, ' ') + 1);
		st->open = true;
		return;
	}
	if (!st->open)
		return;
	if (!parse_row(s, &st->work, l))
		parse_text_fact(&st->work, l);
}

void dump_scan_feed(struct dump_scan *s, const char *buf, size_t len)
{
	struct scan_state *st = state_of(s);

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (c == '\n' || c == '\0') {
			st->line[st->len] = '\0';
			scan_line(s, st);
			st->len = 0;
			st->overlong = false;
		} else if (st->len < DUMP_MAX_LINE) {
			st->line[st->len++] = c;
		} else {
			st->overlong = true;
		}
	}
}

void dump_scan_finish(struct dump_scan *s)
{
	struct scan_state *st = state_of(s);

	if (st->len) {
		/* a last line without its newline: a truncated file */
		st->line[st->len] = '\0';
		scan_line(s, st);
		st->len = 0;
	}
	close_device(s, st);
}

void dump_scan_free(struct dump_scan *s)
{
	free(s->dev);
	free(s->state);
	memset(s, 0, sizeof(*s));
}

/* ---- reading the file: plain or gzip, a file or standard input ------------ */

static char *shown(const char *file)
{
	return pp_escape(strcmp(file, "-") == 0 ? "(standard input)" : file, 0);
}

static int read_input(const char *file, struct dump_scan *s)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	unsigned long long total = 0;
	char *name = shown(file);
	struct stat st;
	int rc = 0, r;

	/* format "raw": the stream itself, gzip-filtered or not (zlib, no external program) */
	archive_read_support_filter_gzip(a);
	archive_read_support_format_raw(a);
	r = strcmp(file, "-") == 0 ? archive_read_open_fd(a, 0, 64 * 1024)
				   : archive_read_open_filename(a, file, 64 * 1024);
	/* libarchive calls an empty file an unrecognized format */
	if (strcmp(file, "-") != 0 && stat(file, &st) == 0 && S_ISREG(st.st_mode) && !st.st_size)
		r = ARCHIVE_EOF;
	else if (r == ARCHIVE_OK)
		r = archive_read_next_header(a, &e);
	if (r == ARCHIVE_EOF) {
		rc = pp_fail("%s: empty file", name);
	} else if (r != ARCHIVE_OK) {
		const char *msg = archive_error_string(a);

		rc = pp_fail("%s: %s", name, msg ? msg : "unreadable");
	} else {
		char buf[64 * 1024];
		la_ssize_t n;

		while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
			total += (unsigned long long)n;
			if (total > DUMP_MAX_INPUT) {
				rc = pp_fail("%s: larger than %llu MiB: not an lspci listing", name, DUMP_MAX_INPUT >> 20);
				break;
			}
			dump_scan_feed(s, buf, (size_t)n);
		}
		if (n < 0) {
			const char *msg = archive_error_string(a);

			rc = pp_fail("%s: %s", name, msg ? msg : "read error");
		}
	}
	archive_read_free(a);
	free(name);
	if (!rc)
		dump_scan_finish(s);
	return rc;
}

/* ---- libpci's dump access method on the cleaned hex ------------------------ */

static jmp_buf *dump_guard;
static char dump_error[256];

static void PCI_NONRET dump_libpci_error(char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	vsnprintf(dump_error, sizeof(dump_error), msg, ap);
	va_end(ap);
	if (dump_guard)
		longjmp(*dump_guard, 1);
	abort();	/* libpci never calls it outside the guard below */
}

static void dump_libpci_quiet(char *msg, ...)
{
	(void)msg;
}

/* The rows the pre-pass kept, in lib/dump.c's format, always with the domain. */
static int write_clean(const struct dump_scan *s, const char *path)
{
	FILE *fp = fopen(path, "we");
	int rc = 0;

	if (!fp)
		return -errno;
	for (size_t i = 0; i < s->n; i++) {
		const struct dump_device *d = &s->dev[i];

		if (!d->has_hex)
			continue;
		fprintf(fp, "%04x:%02x:%02x.%x device\n", d->domain, d->bus, d->dev, d->fn);
		for (size_t row = 0; row < d->end; row += 16) {
			bool any = false;

			for (size_t k = row; k < row + 16 && k < d->end; k++)
				any |= (d->given[k / 8] >> (k % 8)) & 1;
			if (!any)
				continue;
			fprintf(fp, "%02zx:", row);
			/* bytes a row lacked read as 0xff, as lib/dump.c fills them */
			for (size_t k = row; k < row + 16 && k < d->end; k++)
				fprintf(fp, " %02x", d->config[k]);
			fputc('\n', fp);
		}
		fputc('\n', fp);
	}
	if (ferror(fp))
		rc = -EIO;
	if (fclose(fp) && !rc)
		rc = -errno;
	return rc;
}

/* Load path with PCI_ACCESS_DUMP and put back into s the bytes libpci reads. */
static int load_with_libpci(struct dump_scan *s, const char *path, const char *name)
{
	struct pci_access *pacc = pci_alloc();
	struct pci_dev *p;
	jmp_buf guard;
	size_t loaded = 0;
	int rc = 0;

	pacc->error = dump_libpci_error;
	pacc->warning = dump_libpci_quiet;
	pacc->debug = dump_libpci_quiet;
	pacc->method = PCI_ACCESS_DUMP;
	pci_set_param(pacc, "dump.name", (char *)path);
	dump_guard = &guard;
	if (setjmp(guard)) {
		dump_guard = NULL;
		pci_cleanup(pacc);
		return pp_fail("%s: libpci's dump reader: %s", name, dump_error);
	}
	pci_init(pacc);
	pci_scan_bus(pacc);
	for (p = pacc->devices; p; p = p->next) {
		struct dump_device key = { .domain = (unsigned int)p->domain, .bus = p->bus, .dev = p->dev, .fn = p->func };
		struct dump_device *d = find_device(s, &key);
		unsigned char buf[4096];

		if (!d || !d->has_hex)
			continue;
		if (!pci_read_block(p, 0, buf, (int)d->end)) {
			rc = pp_fail("%s: %04x:%02x:%02x.%x: libpci cannot read its %zu bytes", name,
				     d->domain, d->bus, d->dev, d->fn, d->end);
			break;
		}
		memcpy(d->config, buf, d->end);
		loaded++;
	}
	dump_guard = NULL;
	pci_cleanup(pacc);
	if (!rc && loaded == 0)
		rc = pp_fail("%s: libpci's dump reader found no device", name);
	return rc;
}

/* ---- the sysroot ----------------------------------------------------------- */

/* config space as sysfs shows it: 64 bytes (lspci -x, or a user's lspci),
 * 256 (-xxx, conventional PCI) or 4096 (-xxxx). */
static size_t config_size(const struct dump_device *d)
{
	return d->end <= 64 ? 64 : d->end <= 256 ? 256 : 4096;
}

static unsigned int cfg16(const struct dump_device *d, size_t at)
{
	return d->config[at] | d->config[at + 1] << 8;
}

static bool is_bridge(const struct dump_device *d)
{
	return d->end > 0x1a && (d->config[0x0e] & 0x7f) == 1;
}

/* The bridge whose secondary bus d sits on (pci_scan_bridge's nesting), or -1. */
static long parent_of(const struct dump_scan *s, size_t i)
{
	const struct dump_device *d = &s->dev[i];

	for (size_t k = 0; k < s->n; k++) {
		const struct dump_device *b = &s->dev[k];

		if (k != i && b->has_hex && b->domain == d->domain && is_bridge(b) &&
		    b->config[0x19] == d->bus && b->config[0x19] != b->bus && b->config[0x19] != 0)
			return (long)k;
		/* a listing without hex: the bridge's "Bus: ... secondary=" line */
		if (k != i && !b->has_hex && !d->has_hex && b->domain == d->domain &&
		    b->secondary_bus == (int)d->bus && b->secondary_bus != (int)b->bus && b->secondary_bus != 0)
			return (long)k;
	}
	return -1;
}

/* "devices/pci0000:00/0000:00:1c.0/0000:01:00.0" below sys/ (depth-bounded:
 * bus numbers that loop make the device a root-bus device instead). */
static char *device_dir(const struct dump_scan *s, const long *parent, size_t i, size_t *depth)
{
	size_t chain[64], n = 0;
	struct sbuf b = { 0 };
	long k = (long)i;

	while (k >= 0 && n < 64) {
		for (size_t j = 0; j < n; j++)
			if (chain[j] == (size_t)k)
				goto done;	/* a loop: stop where it closes */
		chain[n++] = (size_t)k;
		k = parent[k];
	}
done:
	sb_add(&b, "devices/pci%04x:%02x", s->dev[chain[n - 1]].domain, s->dev[chain[n - 1]].bus);
	for (size_t j = n; j-- > 0;) {
		const struct dump_device *d = &s->dev[chain[j]];

		sb_add(&b, "/%04x:%02x:%02x.%x", d->domain, d->bus, d->dev, d->fn);
	}
	*depth = n + 2;		/* "devices", "pciDDDD:BB", then one per device */
	return sb_take(&b);
}

static char *ups(size_t n)
{
	char *s = xmalloc(3 * n + 1);

	for (size_t i = 0; i < n; i++)
		memcpy(s + 3 * i, "../", 3);
	s[3 * n] = '\0';
	return s;
}

/* The standard capability id at its offset, or 0 (a bounded walk). */
static size_t find_cap(const struct dump_device *d, unsigned int id)
{
	size_t at;

	if (d->end < 0x40 || !(cfg16(d, 0x06) & 0x10))
		return 0;
	at = d->config[(d->config[0x0e] & 0x7f) == 2 ? 0x14 : 0x34] & 0xfc;
	for (int hops = 0; at >= 0x40 && at + 8 <= d->end && hops < 48; hops++) {
		if (d->config[at] == id)
			return at;
		at = d->config[at + 1] & 0xfc;
	}
	return 0;
}

/* Subsystem ids: header 0 at 0x2c, a CardBus bridge at 0x40, a PCI bridge
 * in its SSVID capability (the kernel's pci_setup_device does the same). */
static void subsystem_ids(const struct dump_device *d, unsigned int *sv, unsigned int *sd)
{
	unsigned int type = d->config[0x0e] & 0x7f;

	*sv = *sd = 0;
	if (type == 0 && d->end >= 0x30) {
		*sv = cfg16(d, 0x2c);
		*sd = cfg16(d, 0x2e);
	} else if (type == 2 && d->end >= 0x44) {
		*sv = cfg16(d, 0x40);
		*sd = cfg16(d, 0x42);
	} else if (type == 1) {
		size_t at = find_cap(d, 0x0d);	/* PCI_CAP_ID_SSVID */

		if (at) {
			*sv = cfg16(d, at + 4);
			*sd = cfg16(d, at + 6);
		}
	}
}

static bool has_bars(const struct dump_device *d)
{
	for (int i = 0; i < 17; i++)
		if (d->bar[i].size)
			return true;
	return false;
}

static int put_text(struct snap_out *o, const char *rel, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int put_text(struct snap_out *o, const char *rel, const char *fmt, ...)
{
	va_list ap;
	char buf[128];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return snap_out_file(o, rel, buf, (size_t)n);
}

static int write_device(struct snap_out *o, const struct dump_scan *s, const long *parent, size_t i)
{
	const struct dump_device *d = &s->dev[i];
	size_t depth, len = config_size(d);
	char *dir = device_dir(s, parent, i, &depth), *up = ups(depth), *p, bdf[32];
	unsigned char cfg[4096];
	unsigned int sv, sd;
	int rc = 0;

	snprintf(bdf, sizeof(bdf), "%04x:%02x:%02x.%x", d->domain, d->bus, d->dev, d->fn);
#define PUT(attr, ...) do { p = xasprintf("sys/%s/%s", dir, attr); \
		rc = rc ? rc : put_text(o, p, __VA_ARGS__); free(p); } while (0)
	if (d->has_hex) {
		memset(cfg, 0xff, sizeof(cfg));
		memcpy(cfg, d->config, d->end);
		subsystem_ids(d, &sv, &sd);
		p = xasprintf("sys/%s/config", dir);
		rc = snap_out_file(o, p, cfg, len);
		free(p);
		PUT("vendor", "0x%04x\n", cfg16(d, 0));
		PUT("device", "0x%04x\n", cfg16(d, 2));
		PUT("class", "0x%02x%02x%02x\n", d->config[0x0b], d->config[0x0a], d->config[0x09]);
		PUT("revision", "0x%02x\n", d->config[0x08]);
		PUT("subsystem_vendor", "0x%04x\n", sv);
		PUT("subsystem_device", "0x%04x\n", sd);
	} else {
		/* text only (HACKING, lspci dumps): no config file, and only the
		 * attributes the text printed; an id it did not print is absent */
		if (d->vendor >= 0) {
			PUT("vendor", "0x%04x\n", (unsigned int)d->vendor);
			PUT("device", "0x%04x\n", (unsigned int)d->device);
		}
		if (d->class_code >= 0)
			PUT("class", "0x%06lx\n", (unsigned long)d->class_code);
		if (d->revision >= 0)
			PUT("revision", "0x%02x\n", (unsigned int)d->revision);
		if (d->subsys_vendor >= 0) {
			PUT("subsystem_vendor", "0x%04x\n", (unsigned int)d->subsys_vendor);
			PUT("subsystem_device", "0x%04x\n", (unsigned int)d->subsys_device);
		}
		/* the kernel shows these on bridges only (pci_bridge_attrs) */
		if (d->secondary_bus >= 0) {
			PUT("secondary_bus_number", "%d\n", d->secondary_bus);
			PUT("subordinate_bus_number", "%d\n", d->subordinate_bus);
		}
		/* not a kernel attribute: the name lspci printed, for a function
		 * whose ids the text lacks (model-function.c reads it) */
		if (!rc && d->name[0]) {
			p = xasprintf("sys/%s/%s", dir, LSPCI_NAME_ATTR);
			rc = snap_out_file(o, p, d->name, strlen(d->name));
			free(p);
		}
	}
	/* the kernel's IRQ is not in config space; libpci's sysfs reader wants the file */
	PUT("irq", "0\n");
#undef PUT
	if (!rc && has_bars(d)) {
		/* the kernel's table: BARs 0-5, ROM, IOV 7-12, bridge windows 13-16 */
		struct sbuf r = { 0 };
		char *text;

		for (int line = 0; line < 17; line++) {
			const struct dump_bar *b = &d->bar[line];

			if (b->size)
				sb_add(&r, "0x%016llx 0x%016llx 0x%016llx\n", b->start, b->start + b->size - 1, b->flags);
			else
				sb_add(&r, "0x%016llx 0x%016llx 0x%016llx\n", 0ull, 0ull, 0ull);
		}
		text = sb_take(&r);
		p = xasprintf("sys/%s/resource", dir);
		rc = snap_out_file(o, p, text, strlen(text));
		free(p);
		free(text);
	}
	if (!rc && d->driver[0]) {
		char *t = xasprintf("%sbus/pci/drivers/%s", up, d->driver);

		p = xasprintf("sys/%s/driver", dir);
		rc = snap_out_symlink(o, p, t);
		free(p);
		free(t);
		p = xasprintf("sys/bus/pci/drivers/%s", d->driver);
		rc = rc ? rc : snap_out_dir(o, p);
		free(p);
	}
	if (!rc && d->iommu_group >= 0) {
		char *t = xasprintf("%skernel/iommu_groups/%d", up, d->iommu_group);

		p = xasprintf("sys/%s/iommu_group", dir);
		rc = snap_out_symlink(o, p, t);
		free(p);
		free(t);
		p = xasprintf("sys/kernel/iommu_groups/%d/devices/%s", d->iommu_group, bdf);
		t = xasprintf("../../../../%s", dir);
		rc = rc ? rc : snap_out_symlink(o, p, t);
		free(p);
		free(t);
	}
	if (!rc && d->slot[0]) {
		/* pci_slot's address attribute: domain:bus:device; the first device named wins */
		p = xasprintf("sys/bus/pci/slots/%s/address", d->slot);
		rc = put_text(o, p, "%04x:%02x:%02x\n", d->domain, d->bus, d->dev);
		free(p);
	}
	if (!rc) {
		char *t = xasprintf("../../../%s", dir);

		p = xasprintf("sys/bus/pci/devices/%s", bdf);
		rc = snap_out_symlink(o, p, t);
		free(p);
		free(t);
	}
	free(up);
	free(dir);
	return rc;
}

static int cmp_device(const void *a, const void *b)
{
	const struct dump_device *x = a, *y = b;
	unsigned long kx = (unsigned long)x->domain << 16 | x->bus << 8 | x->dev << 3 | x->fn;
	unsigned long ky = (unsigned long)y->domain << 16 | y->bus << 8 | y->dev << 3 | y->fn;

	return (kx > ky) - (kx < ky);
}

/* META: what the file was and what it lacked (HACKING, "lspci dumps"). */
static char *meta_text(const struct dump_scan *s, const char *file, bool text_only_listing)
{
	struct pp_record r = { 0 };
	struct pp_strv lacks = { 0 }, damage = { 0 };
	size_t n = 0, groups = 0, drivers = 0, short_cfg = 0, user_cfg = 0, conflicts = 0, text_only = 0, bars = 0;
	char *text, *joined, first_text_only[32] = "";

	for (size_t i = 0; i < s->n; i++) {
		const struct dump_device *d = &s->dev[i];

		if (!d->has_hex && !text_only_listing) {
			if (!text_only++)
				snprintf(first_text_only, sizeof(first_text_only), "%04x:%02x:%02x.%x",
					 d->domain, d->bus, d->dev, d->fn);
			continue;
		}
		n++;
		groups += d->iommu_group >= 0;
		drivers += d->driver[0] != '\0';
		bars += has_bars(d);
		if (!d->has_hex)
			continue;
		user_cfg += config_size(d) == 64;
		/* only PCIe functions have an extended space to lack (PCI_CAP_ID_EXP) */
		short_cfg += config_size(d) < 4096 && (config_size(d) == 64 || find_cap(d, 0x10));
		conflicts += d->conflict;
	}
	record_set(&r, "source", "lspci-dump");
	record_set(&r, "input", strcmp(file, "-") == 0 ? "(standard input)" : file);
	record_set(&r, "root", text_only_listing ? "unknown (no config space in the listing)"
			       : user_cfg ? "no (64-byte config space in the dump)" : "yes");
	if (text_only_listing)
		strv_push(&lacks, "config-space");
	if (!groups)
		strv_push(&lacks, "iommu-groups");
	if (!drivers)
		strv_push(&lacks, "drivers");
	if (user_cfg)
		strv_push(&lacks, "config-beyond-64-bytes");
	if (short_cfg)
		strv_push(&lacks, "extended-config-space");
	if (!bars)
		strv_push(&lacks, "resources");
	strv_push(&lacks, "reset-methods");
	strv_push(&lacks, "kernel");
	strv_push(&lacks, "host-use");
	joined = strv_join(&lacks, ",");
	record_set(&r, "lacks", joined);
	free(joined);
	if (s->dropped)
		strv_pushf(&damage, "%zu row%s dropped (first: %s)", s->dropped, s->dropped > 1 ? "s" : "", s->first_drop);
	if (conflicts)
		strv_pushf(&damage, "%zu device%s listed twice with different bytes (the first listing kept)",
			   conflicts, conflicts > 1 ? "s" : "");
	if (text_only)
		strv_pushf(&damage, "%zu function%s listed without hex rows, left out (first: %s)", text_only,
			   text_only > 1 ? "s" : "", first_text_only);
	joined = strv_join(&damage, "; ");
	record_set(&r, "damage", joined);
	free(joined);
	text = xasprintf("%zu", n);
	record_set(&r, "functions", text);
	free(text);
	text = record_format(&r);
	record_free(&r);
	strv_free(&lacks);
	strv_free(&damage);
	return text;
}

/* text_only: no device had hex rows, and the text is all there is (HACKING, lspci dumps) */
static int build_tree(const struct dump_scan *s, const char *top, const char *file, bool text_only)
{
	struct snap_out *o;
	long *parent = xcalloc(s->n ? s->n : 1, sizeof(*parent));
	char *meta;
	int rc;

	if ((rc = snap_out_open(top, &o))) {
		free(parent);
		return rc;
	}
	for (size_t i = 0; i < s->n; i++)
		parent[i] = s->dev[i].has_hex || text_only ? parent_of(s, i) : -1;
	rc = snap_out_dir(o, "sys/bus/pci/drivers");
	for (size_t i = 0; !rc && i < s->n; i++)
		if (s->dev[i].has_hex || text_only)
			rc = write_device(o, s, parent, i);
	meta = meta_text(s, file, text_only);
	rc = rc ? rc : snap_out_file(o, "META", meta, strlen(meta));
	free(meta);
	free(parent);
	if (rc) {
		snap_out_abort(o);
		return rc;
	}
	return snap_out_commit(o);
}

int lspci_dump_load(const char *file, const char **dir)
{
	struct dump_scan s = { 0 };
	const char *priv;
	char *name = shown(file), *clean = NULL, *top = NULL;
	size_t with_hex = 0;
	int rc;

	rc = read_input(file, &s);
	for (size_t i = 0; !rc && i < s.n; i++)
		with_hex += s.dev[i].has_hex;
	if (!rc && !s.n)
		rc = pp_fail("%s: no lspci device listing found (expected lspci output: lines \"BB:DD.F ...\", "
			     "best with -nnDvvvxxxx)", name);
	if (!rc) {
		/* the kernel's order, and what libpci's scan gives back */
		qsort(s.dev, s.n, sizeof(*s.dev), cmp_device);
		rc = sysroot_private_dir(&priv);
	}
	if (!rc) {
		clean = xasprintf("%s/lspci-clean.txt", priv);
		top = xasprintf("%s/root", priv);
		if (with_hex) {
			rc = write_clean(&s, clean);
			rc = rc < 0 ? pp_fail("%s: %s", clean, strerror(-rc)) : 0;
			rc = rc ? rc : load_with_libpci(&s, clean, name);
		}
		rc = rc ? rc : build_tree(&s, top, file, !with_hex);
		if (rc)
			sysroot_private_dir_remove();
	}
	if (!rc) {
		/* the root of this run's listing, held until exit like an
		 * unpacked tarball's directory (archive.c) */
		static char *loaded;

		free(loaded);
		loaded = top;
		*dir = loaded;
	} else {
		free(top);
	}
	free(clean);
	free(name);
	dump_scan_free(&s);
	return rc;
}
