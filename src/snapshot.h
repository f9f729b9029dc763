/*
 * The snapshot recorder (HACKING, Snapshots): copies what pcipass reads
 * from the root (the live host, or another snapshot under --sysroot) into
 * a snap_out, following the same rules as
 * tests/sysfs-snapshots/capture-sysfs.sh so that both kinds of snapshot
 * replay the same way.
 */
#ifndef PCIPASS_SNAPSHOT_H
#define PCIPASS_SNAPSHOT_H

#include "model.h"
#include "archive.h"
#include "redact.h"

/* Attribute reads are bounded like the capture script's (head -c 1 MiB). */
#define SNAP_MAX_ATTR_BYTES (1u << 20)

struct snap_result {
	size_t files;		/* attributes copied with their contents */
	size_t empty;		/* write-only, never-read (resourceN, rom, vpd) or failed: kept empty */
	size_t links;
	size_t unreadable;	/* listed in UNREADABLE */
};

/*
 * Record m->root into out: sys/..., proc/..., run/pcipass/..., page_size,
 * META (key=value lines) and UNREADABLE ("path<TAB>reason" lines, only
 * when something could not be read).  source_name is how META names the
 * source ("/" or the --sysroot the user typed).  Returns 0, or
 * PP_EXIT_ERROR when out could not be written; out is left to the caller
 * to commit or abort.  With redact (report --redact, redact.h), what
 * identifies the machine is left out, counted in *redact and listed in a
 * REDACTED file.
 */
/* "pcipass-WHAT-YYYYmmdd-HHMMSS.tar.gz": the default -o of snapshot and report. */
char *snapshot_default_name(const char *what);

int snapshot_record(const struct pp_model *m, const char *source_name, struct snap_out *out,
		    struct snap_result *res, struct pp_redaction *redact);

#endif
