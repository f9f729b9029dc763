/*
 * PCI addresses.  Everything a user types is checked here before it can
 * become part of a sysfs path, so the grammar is strict: hex digits,
 * colons and one dot in fixed places, nothing else.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "bdf.h"

/* Take min..max hex digits at *s, no more following, value at most limit. */
static bool take_hex(const char **s, unsigned int min, unsigned int max,
		     unsigned int limit, unsigned int *out)
{
	unsigned int v = 0, n = 0;
	const char *p = *s;

	while (isxdigit((unsigned char)*p) && n < max) {
		v = v * 16 + (unsigned int)(isdigit((unsigned char)*p) ? *p - '0'
					    : tolower((unsigned char)*p) - 'a' + 10);
		p++;
		n++;
	}
	if (n < min || isxdigit((unsigned char)*p) || v > limit)
		return false;
	*out = v;
	*s = p;
	return true;
}

static bool parse_tail(const char *p, struct pp_bdf *out, unsigned int min_digits)
{
	/* bb:dd.f */
	if (!take_hex(&p, min_digits, 2, 0xff, &out->bus) || *p++ != ':')
		return false;
	if (!take_hex(&p, min_digits, 2, 0x1f, &out->dev) || *p++ != '.')
		return false;
	if (!take_hex(&p, 1, 1, 7, &out->fn))
		return false;
	return *p == '\0';
}

bool bdf_parse_sysfs(const char *s, struct pp_bdf *out)
{
	struct pp_bdf b;
	const char *p = s;

	if (!take_hex(&p, 4, 8, 0xffffffffu, &b.domain) || *p++ != ':')
		return false;
	if (!parse_tail(p, &b, 2))
		return false;
	*out = b;
	return true;
}

bool bdf_parse_user(const char *s, struct pp_bdf *out)
{
	struct pp_bdf b = { 0 };
	const char *p = s;
	size_t colons = 0;

	if (strlen(s) > 20)
		return false;
	for (const char *q = s; *q; q++)
		colons += *q == ':';
	if (colons == 2) {
		if (!take_hex(&p, 1, 8, 0xffffffffu, &b.domain) || *p++ != ':')
			return false;
	} else if (colons != 1) {
		return false;
	}
	if (!parse_tail(p, &b, 1))
		return false;
	*out = b;
	return true;
}

void bdf_format(const struct pp_bdf *b, char out[PP_BDF_LEN + 8])
{
	snprintf(out, PP_BDF_LEN + 8, "%04x:%02x:%02x.%x", b->domain, b->bus, b->dev, b->fn);
}

int bdf_compare(const struct pp_bdf *a, const struct pp_bdf *b)
{
	if (a->domain != b->domain)
		return a->domain < b->domain ? -1 : 1;
	if (a->bus != b->bus)
		return a->bus < b->bus ? -1 : 1;
	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->fn != b->fn)
		return a->fn < b->fn ? -1 : 1;
	return 0;
}
