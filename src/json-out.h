/*
 * A streaming JSON writer: values are printed as they are given, nothing
 * is built or kept.  It prints exactly what json-c prints with
 * JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE (one line,
 * "{ "k": v, ... }", "[ ]" when empty), so a document may mix the two:
 * render-json.c streams each function of list and explain --json with it
 * and keeps json-c for the small host part (HACKING, JSON output).
 */
#ifndef PCIPASS_JSON_OUT_H
#define PCIPASS_JSON_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_OUT_DEPTH 16

struct json_out {
	FILE *f;
	unsigned depth;			/* open objects and arrays */
	bool had_item[JSON_OUT_DEPTH];	/* the container at that depth has one */
	bool after_key;			/* the next value is a member's */
};

void jo_init(struct json_out *w, FILE *f);
void jo_object_begin(struct json_out *w);
void jo_object_end(struct json_out *w);
void jo_array_begin(struct json_out *w);
void jo_array_end(struct json_out *w);
/* An object member's name; its value follows with one of the calls below. */
void jo_key(struct json_out *w, const char *key);
/* s escaped as json-c escapes it, invalid UTF-8 made U+FFFD; NULL: null. */
void jo_string(struct json_out *w, const char *s);
void jo_null(struct json_out *w);
void jo_bool(struct json_out *w, bool b);
void jo_int(struct json_out *w, int64_t v);
/* As json-c prints a double: %.17g, ".0" added to a whole number. */
void jo_double(struct json_out *w, double d);

#endif
