/*
 * Rendering the model: the same structs become a table, a tree or JSON.
 * Commands choose; nothing here reads the filesystem.
 */
#ifndef PCIPASS_RENDER_H
#define PCIPASS_RENDER_H

#include <json-c/json.h>

#include "pcipass.h"

/* Class and device as lspci prints them ("Ethernet controller [0200]" with -nn). */
char *text_class(const struct pp_function *f);
char *text_device(const struct pp_function *f);
/* "flr,bus", "-" when the kernel lists none */
char *text_reset_methods(const struct pp_function *f);

/* The top-level document: schema, pcipass_version, host. */
json_object *json_document(const struct pp_model *m);
json_object *json_host(const struct pp_model *m);
/* One function as in `list --json`, without verdict and findings. */
json_object *json_function(const struct pp_model *m, const struct pp_function *f);
/* Print and release a document; returns 0 or PP_EXIT_ERROR on a write error. */
int json_print(json_object *doc);

/*
 * Print doc with one more member, the array `key`, whose n items are made
 * and released one at a time (item may return NULL to skip one): a host
 * with thousands of functions never holds the whole document in memory.
 * Releases doc.
 */
int json_print_stream(json_object *doc, const char *key, size_t n,
		      json_object *(*item)(void *arg, size_t i), void *arg);

json_object *json_string_or_null(const char *s);
json_object *json_strv(const struct pp_strv *sv);

#endif
