/*
 * PCI addresses: parsing what sysfs and users write, one spelling out.
 */
#ifndef PCIPASS_BDF_H
#define PCIPASS_BDF_H

#include <stdbool.h>

/* "dddd:bb:dd.f" plus NUL */
#define PP_BDF_LEN 13

struct pp_bdf {
	unsigned int domain, bus, dev, fn;
};

/* Strict "dddd:bb:dd.f" as sysfs spells it (the domain may have more hex digits). */
bool bdf_parse_sysfs(const char *s, struct pp_bdf *out);
/* What a user may type: "dddd:bb:dd.f" or "bb:dd.f" (domain 0). Returns false on anything else. */
bool bdf_parse_user(const char *s, struct pp_bdf *out);
void bdf_format(const struct pp_bdf *b, char out[PP_BDF_LEN + 8]);
int bdf_compare(const struct pp_bdf *a, const struct pp_bdf *b);

#endif
