/*
 * Fuzz the model builder over a whole fuzz-generated sysfs tree.
 *
 * The input is a script, one operation per line, that builds the tree
 * below an empty root before model_build reads it:
 *
 *   d PATH              directory (and its parents)
 *   f PATH TEXT         file holding TEXT; \n \t \\ \xHH are unescaped
 *   h PATH LEN HEX      binary file: the HEX bytes, then zeros up to LEN
 *   r PATH LEN BYTE     file of LEN copies of the hex BYTE (LEN <= 2 MiB)
 *   l PATH TARGET       symlink; "@OUT@" in TARGET becomes the absolute
 *                       path of the canary directory outside the root
 *   n COUNT PREFIX      COUNT (<= 5000) directories PREFIX0, PREFIX1, ...
 *
 * Other lines are ignored.  PATHs are relative to the root; the harness
 * never follows a link while creating them (tree.c).  The canary beside
 * the root is full of FIFOs named like sysfs attributes: if the model ever
 * opens one, the run blocks and libFuzzer reports a timeout.
 *
 * Checks: tree.c's fuzz_check_model (canonical paths under sys/devices, a
 * parent chain without cycles, subtrees smaller than the model, groups
 * consistent, BARs and reset methods sane, JSON renders).
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "tree.h"

#define MAX_FILE (2u << 20)
#define MAX_DIRS 5000

static struct fuzz_tree tree;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_stderr();
	tree_init(&tree);
	return 0;
}

/* Split "WORD rest": returns WORD (NUL-terminated in place), *rest after one space. */
static char *word(char *s, char **rest)
{
	char *sp = strchr(s, ' ');

	if (!sp) {
		*rest = s + strlen(s);
		return s;
	}
	*sp = '\0';
	*rest = sp + 1;
	return s;
}

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? tolower(c) - 'a' + 10 : -1;
}

/* C-like escapes in place; returns the decoded length. */
static size_t unescape(char *s)
{
	char *out = s;
	const char *in = s;

	while (*in) {
		if (in[0] == '\\' && in[1]) {
			in++;
			switch (*in) {
			case 'n': *out++ = '\n'; in++; break;
			case 't': *out++ = '\t'; in++; break;
			case '0': *out++ = '\0'; in++; break;
			case 'x':
				if (hexval((unsigned char)in[1]) >= 0 && hexval((unsigned char)in[2]) >= 0) {
					*out++ = (char)(hexval((unsigned char)in[1]) * 16 + hexval((unsigned char)in[2]));
					in += 3;
					break;
				}
				/* fall through */
			default: *out++ = *in++; break;
			}
		} else {
			*out++ = *in++;
		}
	}
	return (size_t)(out - s);
}

static void op_hex(char *path, char *rest)
{
	char *hex, *end;
	unsigned long len = strtoul(word(rest, &hex), &end, 10);
	unsigned char *buf;
	size_t n = 0;

	if (*end || len > MAX_FILE)
		return;
	buf = xcalloc(len ? len : 1, 1);
	for (; hex[0] && hex[1] && n < len; hex += 2) {
		int hi = hexval((unsigned char)hex[0]), lo = hexval((unsigned char)hex[1]);
		if (hi < 0 || lo < 0)
			break;
		buf[n++] = (unsigned char)(hi * 16 + lo);
	}
	tree_write(&tree, path, buf, len);
	free(buf);
}

static void op_repeat(char *path, char *rest)
{
	char *byte, *end;
	unsigned long len = strtoul(word(rest, &byte), &end, 10);
	int hi = hexval((unsigned char)byte[0]), lo = hi >= 0 ? hexval((unsigned char)byte[1]) : -1;
	unsigned char *buf;

	if (*end || len > MAX_FILE || lo < 0)
		return;
	buf = xmalloc(len ? len : 1);
	memset(buf, hi * 16 + lo, len);
	tree_write(&tree, path, buf, len);
	free(buf);
}

static void op_link(char *path, const char *target)
{
	const char *at = strstr(target, "@OUT@");
	char *full;

	if (!*target)
		return;
	full = at ? xasprintf("%.*s%s%s", (int)(at - target), target, tree.outside, at + 5) : xstrdup(target);
	tree_symlink(&tree, path, full);
	free(full);
}

static void op_many(char *count_text, const char *prefix)
{
	char *end;
	unsigned long count = strtoul(count_text, &end, 10);

	if (*end || count > MAX_DIRS || !*prefix)
		return;
	for (unsigned long i = 0; i < count; i++) {
		char *p = xasprintf("%s%lu", prefix, i);
		bool ok = tree_mkdir(&tree, p);
		free(p);
		if (!ok)
			break;
	}
}

static void run_line(char *line)
{
	char *rest, *path;

	if (line[0] == '\0' || line[1] != ' ')
		return;
	path = word(line + 2, &rest);
	if (!*path && line[0] != 'n')
		return;
	switch (line[0]) {
	case 'd':
		tree_mkdir(&tree, path);
		break;
	case 'f': {
		size_t n = unescape(rest);
		tree_write(&tree, path, rest, n);
		break;
	}
	case 'h':
		op_hex(path, rest);
		break;
	case 'r':
		op_repeat(path, rest);
		break;
	case 'l':
		op_link(path, rest);
		break;
	case 'n':
		op_many(path, rest);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *script = xmalloc(size + 1), *line, *next;
	struct pp_root root;
	struct pp_model *m;

	memcpy(script, data, size);
	script[size] = '\0';
	tree_clear(&tree);
	for (line = script; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		run_line(line);
	}
	free(script);

	m = fuzz_model(&tree, &root);
	if (m) {
		fuzz_check_model(m);
		fuzz_model_free(m, &root);
	}
	return 0;
}
