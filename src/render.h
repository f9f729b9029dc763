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

json_object *json_string_or_null(const char *s);
json_object *json_strv(const struct pp_strv *sv);

#endif
