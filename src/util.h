/*
 * Errors, memory and string lists: the helpers every layer shares.
 * Exit statuses are a contract with scripts (HACKING, Exit status).
 */
#ifndef PCIPASS_UTIL_H
#define PCIPASS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses: the contract scripts rely on (HACKING, "Exit status"). */
enum {
	PP_EXIT_OK = 0,		/* assignable / success */
	PP_EXIT_BLOCKED = 1,	/* blockers found, or a mutation refused */
	PP_EXIT_ERROR = 2,	/* usage or runtime error */
};


extern const char *pp_progname;
extern int pp_verbose;
/* Severities in colour (--color; util.c decides from WHEN, the terminal and NO_COLOR). */
extern bool pp_color;
bool color_wanted(const char *when);
/* At exit: flush and close stdout; a write error (a full disk, a closed
 * pipe) is reported once and the exit status becomes PP_EXIT_ERROR. */
void close_stdout(void);

void pp_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "pcipass: <what>: <why>" on stderr; returns PP_EXIT_ERROR for "return pp_error(...)". */
int pp_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Lower layers print nothing (HACKING, Layers): archive.c and state.c
 * leave their "<what>: <why>" here with pp_fail (which returns
 * PP_EXIT_ERROR), and the command that called them prints it with
 * pp_report (PP_EXIT_ERROR too).  pp_report prints nothing when no message
 * is pending, so a caller may call it after any failure.  One slot: the
 * last message wins; pp_last_error reads it without clearing.
 */
int pp_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int pp_report(void);
const char *pp_last_error(void);
/* A usage error: the message, then "Try 'pcipass --help'.". */
int pp_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable list of strings (reset methods, interfaces, BDFs). */
struct pp_strv {
	char **v;
	size_t n, cap;
};
void strv_push(struct pp_strv *sv, const char *s);
void strv_pushf(struct pp_strv *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool strv_contains(const struct pp_strv *sv, const char *s);
/* Sort in strcmp order (C locale: BDFs sort by address). */
void strv_sort(struct pp_strv *sv);
void strv_free(struct pp_strv *sv);
char *strv_join(const struct pp_strv *sv, const char *sep);

/* A growable string: sb_add appends printf-style, sb_take hands it over
 * (never NULL) and leaves the builder empty for reuse. */
struct sbuf {
	char *s;
	size_t len, cap;
};
void sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* n bytes as they are, NULs included (len counts them). */
void sb_add_bytes(struct sbuf *b, const void *data, size_t n);
char *sb_take(struct sbuf *b);

/* s made safe for a terminal: C0/C1 controls, DEL, backslash and invalid
 * UTF-8 as \xHH (backslash as \\), cut after max bytes with "..." (0: whole).
 * The one escaping function for strings from sysfs or argv.  Never NULL. */
char *pp_escape(const char *s, size_t max);
/* s as one word a POSIX shell reads back unchanged: bare when it holds only
 * safe characters, else in single quotes ('\'' for a quote).  A control
 * character or invalid UTF-8 is shown as pp_escape shows it (a terminal
 * never sees it raw; such a word no longer pastes exactly). */
char *sh_quote(const char *s);
/* Length of the valid UTF-8 sequence at s (1-4, at most avail), or 0. */
size_t utf8_valid_len(const unsigned char *s, size_t avail);

#endif
