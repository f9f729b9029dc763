/*
 * report --redact (HACKING, Snapshots): what identifies the machine, its
 * owner or its network is left out of what a report records, while
 * everything pcipass's rules read stays, so the redacted report replays
 * with the same verdicts.  Lower layer: returns new strings, prints nothing.
 */
#ifndef PCIPASS_REDACT_H
#define PCIPASS_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

/* The word that stands where a value was taken out. */
#define REDACTED_WORD "REDACTED"

struct pp_redaction {
	size_t attributes;	/* sysfs attributes emptied: serials, WWIDs, MAC addresses, ... */
	size_t dsn;		/* Device Serial Number capabilities zeroed in config space */
	size_t ipv6;		/* addresses zeroed in proc/net/if_inet6 */
	size_t cmdline;		/* kernel command line words replaced */
	size_t mounts;		/* proc/mounts and proc/swaps lines cut or dropped */
	size_t guests;		/* QEMU guest names */
	struct pp_strv paths;	/* each changed file, for the snapshot's REDACTED */
};

/* An attribute (base name and contents) that identifies hardware or a
 * network: serial numbers, WWIDs, NQNs, GUIDs, MAC-shaped values. */
bool redact_attribute(const char *name, const char *data, size_t len);

/* Zero the serial number of every Device Serial Number capability in a
 * config space image; the number of capabilities zeroed. */
size_t redact_config_dsn(unsigned char *config, size_t len);

/* The kernel command line with the values pcipass does not read replaced
 * by REDACTED_WORD; *replaced counts them (may be NULL). */
char *redact_cmdline(const char *cmdline, size_t *replaced);

/* proc/net/if_inet6 with every address zeroed (names and flags kept). */
char *redact_inet6(const char *text, size_t *replaced);

/* proc/mounts or proc/swaps: only /dev/ lines (what the model reads), the
 * mount point or swap file name replaced; other lines dropped. */
char *redact_mounts(const char *text, bool swaps, size_t *replaced);

/* A NUL-separated QEMU argv cut to the program and -name (snapshot.c):
 * the name replaced.  *len is updated. */
char *redact_qemu_argv(const char *argv, size_t *len, size_t *replaced);

/* The model's copies of the same: the command line and the guest names in
 * vfio_holders, before anything is judged or rendered. */
void redact_model(struct pp_model *m);

void redaction_free(struct pp_redaction *r);

#endif
