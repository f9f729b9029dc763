/*
 * What the model-*.c files share while the model is built: attribute
 * helpers relative to a function's directory and the builders each file
 * contributes.  Private to the model: everything else includes model.h.
 */
#ifndef PCIPASS_MODEL_INTERNAL_H
#define PCIPASS_MODEL_INTERNAL_H

#include "model.h"

char *fn_path(const struct pp_function *f, const char *attr);
bool fn_read(struct pp_model *m, struct pp_function *f, const char *attr,
	     char *buf, size_t size, bool note_missing);
long fn_read_hex(struct pp_model *m, struct pp_function *f, const char *attr, long max);
bool fn_exists(struct pp_model *m, const struct pp_function *f, const char *attr);
char *fn_link(struct pp_model *m, struct pp_function *f, const char *attr);
void read_function(struct pp_model *m, struct pp_function *f, int numeric);
bool setup_libpci(struct pp_model *m);
void attach_netifs(struct pp_model *m);
void attach_blockdevs(struct pp_model *m);
void attach_framebuffers(struct pp_model *m);
void attach_state(struct pp_model *m);
void read_host(struct pp_model *m);
/* Which processes hold each function's VFIO file open (after the groups). */
void attach_vfio_holders(struct pp_model *m);
void attach_slots(struct pp_model *m);
/* The boot configuration and the functions each entry takes (after the host). */
void attach_boot(struct pp_model *m);
/* The function whose directory holds path (a device's canonical path), or NULL. */
struct pp_function *owner_of_path(const struct pp_model *m, const char *path);

#endif
