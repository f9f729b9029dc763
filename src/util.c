/* Errors in the house style, and memory helpers that never return NULL. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const char *pp_progname = "pcipass";
int pp_verbose;

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

char *sb_take(struct sbuf *b)
{
	char *s = b->s ? b->s : xstrdup("");

	memset(b, 0, sizeof(*b));
	return s;
}
