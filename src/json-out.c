/* The streaming JSON writer (json-out.h): json-c's bytes without its objects. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "json-out.h"
#include "util.h"

void jo_init(struct json_out *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
}

/* What comes before a value or a member: json-c's ',' and the space of
 * its spaced style, unless the value is a member's (its key said them). */
static void separate(struct json_out *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth == 0)
		return;
	if (w->had_item[w->depth - 1])
		putc_unlocked(',', w->f);
	putc_unlocked(' ', w->f);
	w->had_item[w->depth - 1] = true;
}

static void open_container(struct json_out *w, char c)
{
	separate(w);
	putc_unlocked(c, w->f);
	/* Deeper than any document of ours: the caller's bug, not input's. */
	if (w->depth >= JSON_OUT_DEPTH)
		abort();
	w->had_item[w->depth++] = false;
}

static void close_container(struct json_out *w, char c)
{
	w->depth--;
	putc_unlocked(' ', w->f);
	putc_unlocked(c, w->f);
}

void jo_object_begin(struct json_out *w)
{
	open_container(w, '{');
}

void jo_object_end(struct json_out *w)
{
	close_container(w, '}');
}

void jo_array_begin(struct json_out *w)
{
	open_container(w, '[');
}

void jo_array_end(struct json_out *w)
{
	close_container(w, ']');
}

/*
 * json-c's json_escape_str with NOSLASHESCAPE: the five short escapes,
 * '"' and '\\', other bytes below 0x20 as \u00xx (lower-case hex), '/'
 * and everything else as it is.  Our one addition: a byte that does not
 * start a valid UTF-8 sequence becomes U+FFFD (HACKING, Rules of the house).
 */
static void put_escaped(FILE *f, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);

	putc_unlocked('"', f);
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		size_t n;

		if (c >= 0x80) {
			n = utf8_valid_len(p + i, len - i);
			if (n)
				fwrite(p + i, 1, n, f);
			else
				fputs("\xef\xbf\xbd", f);
			i += n ? n : 1;
			continue;
		}
		i++;
		switch (c) {
		case '\b': fputs("\\b", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		case '\f': fputs("\\f", f); break;
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		default:
			if (c < ' ') {
				fputs("\\u00", f);
				putc_unlocked(hex[c >> 4], f);
				putc_unlocked(hex[c & 0xf], f);
			} else {
				putc_unlocked(c, f);
			}
		}
	}
	putc_unlocked('"', f);
}

void jo_key(struct json_out *w, const char *key)
{
	separate(w);
	put_escaped(w->f, key);
	fputs(": ", w->f);
	w->after_key = true;
}

void jo_string(struct json_out *w, const char *s)
{
	if (!s) {
		jo_null(w);
		return;
	}
	separate(w);
	put_escaped(w->f, s);
}

void jo_null(struct json_out *w)
{
	separate(w);
	fputs("null", w->f);
}

void jo_bool(struct json_out *w, bool b)
{
	separate(w);
	fputs(b ? "true" : "false", w->f);
}

void jo_int(struct json_out *w, int64_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	separate(w);
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	fwrite(p, 1, (size_t)(buf + sizeof(buf) - p), w->f);
}

void jo_double(struct json_out *w, double d)
{
	char buf[40];

	separate(w);
	/* Finite values only (ours are link speeds): json-c spells NaN and
	 * infinity its own way. */
	snprintf(buf, sizeof(buf), "%.17g", d);
	fputs(buf, w->f);
	if (!strpbrk(buf, ".e"))
		fputs(".0", w->f);
}
