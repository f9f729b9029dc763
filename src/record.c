/*
 * key=value records (see record.h).  Values never hold a newline: record_set
 * replaces it, so what record_format writes record_parse reads back intact.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "record.h"

void record_set(struct pp_record *r, const char *key, const char *value)
{
	char *clean = xstrdup(value ? value : "");

	for (char *p = clean; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	for (size_t i = 0; i < r->keys.n; i++)
		if (strcmp(r->keys.v[i], key) == 0) {
			free(r->values.v[i]);
			r->values.v[i] = clean;
			return;
		}
	strv_push(&r->keys, key);
	strv_push(&r->values, clean);
	free(clean);
}

const char *record_get(const struct pp_record *r, const char *key)
{
	for (size_t i = 0; i < r->keys.n; i++)
		if (strcmp(r->keys.v[i], key) == 0)
			return r->values.v[i];
	return NULL;
}

void record_parse(struct pp_record *r, const char *text)
{
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		const char *eq = memchr(line, '=', len);

		if (eq && eq != line) {
			char *key = xstrndup(line, (size_t)(eq - line));
			char *value = xstrndup(eq + 1, len - (size_t)(eq - line) - 1);

			record_set(r, key, value);
			free(key);
			free(value);
		}
		line = end ? end + 1 : NULL;
	}
}

char *record_format(const struct pp_record *r)
{
	struct sbuf b = { 0 };

	for (size_t i = 0; i < r->keys.n; i++)
		sb_add(&b, "%s=%s\n", r->keys.v[i], r->values.v[i]);
	return sb_take(&b);
}

void record_free(struct pp_record *r)
{
	strv_free(&r->keys);
	strv_free(&r->values);
}
