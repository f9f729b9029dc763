/*
 * key=value records, one per line: the format of pcipass's state records
 * (run/pcipass/<bdf>) and of a snapshot's META.  One parser for both, so
 * the two cannot drift apart.
 */
#ifndef PCIPASS_RECORD_H
#define PCIPASS_RECORD_H

#include "util.h"

struct pp_record {
	struct pp_strv keys, values;	/* parallel; keys unique, in first-seen order */
};

/* Add the key=value lines of text (other lines are ignored; a later key wins). */
void record_parse(struct pp_record *r, const char *text);
/* Set key; a newline in value becomes a space, so a record stays one line per key. */
void record_set(struct pp_record *r, const char *key, const char *value);
const char *record_get(const struct pp_record *r, const char *key);
/* "key=value\n" for every key, in order (never NULL). */
char *record_format(const struct pp_record *r);
void record_free(struct pp_record *r);

#endif
