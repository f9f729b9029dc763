/*
 * Rendering the model: the same structs become a table, a tree or JSON.
 * Commands choose; nothing here reads the filesystem.
 */
#ifndef PCIPASS_RENDER_H
#define PCIPASS_RENDER_H

#include <json-c/json.h>

#include "checks.h"
#include "model.h"

/* The JSON Schema version (schema/pcipass.schema.json): bumped on a breaking change. */
#define PCIPASS_JSON_SCHEMA 2

/* Class and device as lspci prints them ("Ethernet controller [0200]" with -nn). */
/* "flr,bus", "-" when the kernel lists none */

/* The top-level document: schema, pcipass_version, host. */
json_object *json_document(const struct pp_model *m);
json_object *json_host(const struct pp_model *m);
/* Print and release a document; returns 0 or PP_EXIT_ERROR on a write error. */

/*
 * Print doc with one more member, the array `key`, whose n items are made
 * and released one at a time (item may return NULL to skip one): a host
 * with thousands of functions never holds the whole document in memory.
 * Releases doc.
 */

json_object *json_string_or_null(const char *s);
json_object *json_strv(const struct pp_strv *sv);

json_object *finding_json(const struct pp_finding *f);

/* Print doc (taken) pretty-printed.  0 or -EIO. */
int json_print(FILE *out, json_object *doc);
/* list --json (explain false) or explain --json: the document with every
 * judged function, streamed.  0 or -EIO. */
int json_render_verdict(FILE *out, const struct pp_verdict *v, bool explain);

/* report.json's "report" member: where the data came from, the VFIO module
 * parameters, and (redaction not NULL) what report --redact left out. */
struct pp_redaction;
json_object *json_report_head(const struct pp_model *m, const char *source, const char *date,
			      const struct pp_redaction *redaction);

/* The document unbind, reset and rebind print with --json: every step
 * (planned in a dry run, made otherwise) and what became of each function;
 * schema/pcipass.schema.json's $defs/mutation.  status: the exit status. */
struct pp_session;
json_object *json_mutation(const struct pp_session *s, int status);

#endif
