/* Errors in the house style, and memory helpers that never return NULL. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

const char *pp_progname = "pcipass";
int pp_verbose;
bool pp_color;

bool color_wanted(const char *when)
{
	if (when && strcmp(when, "always") == 0)
		return true;
	if (when && strcmp(when, "never") == 0)
		return false;
	/* auto: a terminal, and NO_COLOR (https://no-color.org) not set to anything */
	if (getenv("NO_COLOR") && *getenv("NO_COLOR"))
		return false;
	return isatty(STDOUT_FILENO) == 1;
}

/* fclose, failing when a write failed earlier or now (util-linux's close_stream). */
static int close_stream(FILE *stream)
{
	bool pending = __fpending(stream) != 0;
	bool failed_before = ferror(stream) != 0;
	bool close_failed = fclose(stream) != 0;

	if (failed_before || (close_failed && (pending || errno != EBADF))) {
		if (!close_failed)
			errno = 0;
		return EOF;
	}
	return 0;
}

void close_stdout(void)
{
	if (close_stream(stdout) != 0) {
		if (errno)
			fprintf(stderr, "%s: stdout: write error: %s\n", pp_progname, strerror(errno));
		else
			fprintf(stderr, "%s: stdout: write error\n", pp_progname);
		_exit(PP_EXIT_ERROR);
	}
	if (close_stream(stderr) != 0)
		_exit(PP_EXIT_ERROR);
}

static void vmessage(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", pp_progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void pp_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
}

int pp_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	return PP_EXIT_ERROR;
}

static char *pending;

int pp_fail(const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	free(pending);
	pending = msg;
	return PP_EXIT_ERROR;
}

const char *pp_last_error(void)
{
	return pending;
}

int pp_report(void)
{
	if (pending) {
		pp_error("%s", pending);
		free(pending);
		pending = NULL;
	}
	return PP_EXIT_ERROR;
}

int pp_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help'.\n", pp_progname);
	return PP_EXIT_ERROR;
}

static void *check_alloc(void *p)
{
	if (!p) {
		pp_error("memory: out of memory");
		exit(PP_EXIT_ERROR);
	}
	return p;
}

void *xmalloc(size_t n)
{
	return check_alloc(malloc(n ? n : 1));
}

void *xcalloc(size_t n, size_t size)
{
	return check_alloc(calloc(n ? n : 1, size ? size : 1));
}

void *xrealloc(void *p, size_t n)
{
	return check_alloc(realloc(p, n ? n : 1));
}

char *xstrdup(const char *s)
{
	return s ? check_alloc(strdup(s)) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
	return check_alloc(strndup(s, n));
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (rc < 0)
		check_alloc(NULL);
	return s;
}

void strv_push(struct pp_strv *sv, const char *s)
{
	if (sv->n + 1 >= sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 4;
		sv->v = xrealloc(sv->v, sv->cap * sizeof(*sv->v));
	}
	sv->v[sv->n++] = xstrdup(s);
	sv->v[sv->n] = NULL;
}

void strv_pushf(struct pp_strv *sv, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (rc < 0)
		check_alloc(NULL);
	strv_push(sv, s);
	free(s);
}

bool strv_contains(const struct pp_strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strv_sort(struct pp_strv *sv)
{
	if (sv->n > 1)
		qsort(sv->v, sv->n, sizeof(*sv->v), cmp_strp);
}

void strv_free(struct pp_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	memset(sv, 0, sizeof(*sv));
}

char *strv_join(const struct pp_strv *sv, const char *sep)
{
	size_t len = 1, seplen = strlen(sep);
	char *out, *p;

	for (size_t i = 0; i < sv->n; i++)
		len += strlen(sv->v[i]) + seplen;
	p = out = xmalloc(len);
	*p = '\0';
	for (size_t i = 0; i < sv->n; i++) {
		if (i) {
			memcpy(p, sep, seplen);
			p += seplen;
		}
		size_t l = strlen(sv->v[i]);
		memcpy(p, sv->v[i], l);
		p += l;
	}
	*p = '\0';
	return out;
}

/* ---- the one string builder: appends in amortised O(1) ---- */

void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sb_add_bytes(struct sbuf *b, const void *data, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = '\0';
}

char *sb_take(struct sbuf *b)
{
	char *s = b->s ? b->s : xstrdup("");

	memset(b, 0, sizeof(*b));
	return s;
}

/* ---- escaping: what reaches a terminal or a JSON string ---- */

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is not one.
 * Overlong forms, surrogates and code points past U+10FFFF are not. */
size_t utf8_valid_len(const unsigned char *s, size_t avail)
{
	unsigned int cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > avail)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

char *pp_escape(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t len = strlen((const char *)p), keep = max && len > max ? max : len;
	struct sbuf b = { 0 };

	for (size_t i = 0; i < keep;) {
		size_t n = utf8_valid_len(p + i, keep - i);
		/* C0 and C1 controls (0x9b is a one-byte CSI) and DEL never pass. */
		bool c1 = n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0;

		if (n == 1 && p[i] >= 0x20 && p[i] != 0x7f && p[i] != '\\') {
			sb_add(&b, "%c", p[i]);
		} else if (n == 1 && p[i] == '\\') {
			sb_add(&b, "\\\\");
		} else if (n > 1 && !c1) {
			sb_add(&b, "%.*s", (int)n, (const char *)p + i);
		} else {
			sb_add(&b, "\\x%02x", p[i]);
			n = 1;
		}
		i += n;
	}
	if (keep < len)
		sb_add(&b, "...");
	return sb_take(&b);
}

char *sh_quote(const char *s)
{
	struct sbuf b = { 0 };
	char *shown;
	bool ascii = true, bare;

	for (const unsigned char *p = (const unsigned char *)s; *p && ascii; p++)
		ascii = *p >= 0x20 && *p < 0x7f;
	/* Printable ASCII is kept byte for byte (a backslash included). */
	shown = ascii ? xstrdup(s) : pp_escape(s, 0);
	bare = *shown != '\0';

	for (const char *p = shown; *p && bare; p++)
		bare = strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-./:@%+=,", *p) != NULL;
	if (bare)
		return shown;
	sb_add(&b, "'");
	for (const char *p = shown; *p; p++)
		if (*p == '\'')
			sb_add(&b, "'\\''");
		else
			sb_add(&b, "%c", *p);
	sb_add(&b, "'");
	free(shown);
	return sb_take(&b);
}
