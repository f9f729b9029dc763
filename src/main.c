/*
 * pcipass: command dispatch, nothing else.  The table below is every
 * command in the order a sysadmin uses them; cli.c parses the options and
 * each cmd_*.c runs one command (HACKING, "Adding a command").
 */
#include "config.h"

#include "cli.h"

static const struct pp_command *const commands[] = {
	/* in the order a sysadmin uses them */
	&cmd_list,
	&cmd_explain,
	&cmd_why,
	&cmd_slots,
	&cmd_unbind,
	&cmd_reset,
	&cmd_rebind,
	&cmd_snapshot,
	&cmd_report,
	&cmd_diff,
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

int main(int argc, char **argv)
{
	struct pp_ctx ctx = { 0 };
	const struct pp_command *c = NULL;
	char **args = NULL;
	int rc, nargs = 0;

	rc = cli_parse(&ctx, commands, N_COMMANDS, argc, argv, &c, &nargs, &args);
	if (rc)
		return rc;
	return c->run(&ctx, nargs, args);
}
