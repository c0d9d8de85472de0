/*
 * main.c — set-up, dispatch and tear-down; each subcommand has its own file.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "axl/http.h"
#include "cli/cli.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: lscrenew [-c FILE] COMMAND [options] [arguments]\n"
	    "\ncommands:\n");
	for (const struct cmd *c = commands; c->name != NULL; c++)
		fprintf(f, "  %-9s %s\n", c->name, c->summary);
	fprintf(f, "\n'lscrenew help COMMAND' shows a command's options; "
	    "see lscrenew(1).\n");
}

/*
 * What the process holds (the AXL password, the CAPF authentication
 * string) never reaches a core file, and no other process of the same
 * user can read its memory (ptrace, /proc/PID/mem).  A peer that hangs up
 * is an error to report, not a signal that ends a run: libcurl is told
 * not to touch signals, and OpenSSL writes to sockets without
 * MSG_NOSIGNAL.  The commands lscrenew starts get SIGPIPE back.
 */
static void
harden(void)
{
	struct rlimit rl = { 0, 0 };

	(void)setrlimit(RLIMIT_CORE, &rl);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)signal(SIGPIPE, SIG_IGN);
}

int
main(int argc, char *argv[])
{
	struct cli cli;
	const struct cmd *cmd;
	struct lsc_err e;
	int ret = EXIT_FAILED, first = 1;

	umask(077);
	harden();
	setlocale(LC_CTYPE, "");
	memset(&cli, 0, sizeof(cli));
	cli.prog = "lscrenew";
	cli.config_path = getenv("LSCRENEW_CONFIG");
	if (cli.config_path == NULL || *cli.config_path == '\0')
		cli.config_path = CONFIG_DEFAULT_PATH;
	log_setup(cli.prog, LOG_TO_STDERR, LOG_LEVEL_WARNING, NULL);

	/* "-c FILE" may come before the command, as in most tools */
	while (first < argc && argv[first][0] == '-') {
		if ((strcmp(argv[first], "-c") == 0 ||
		    strcmp(argv[first], "--config") == 0) &&
		    first + 1 < argc) {
			cli.config_path = argv[first + 1];
			first += 2;
		} else if (strncmp(argv[first], "--config=", 9) == 0) {
			cli.config_path = argv[first] + 9;
			first++;
		} else if (strcmp(argv[first], "-h") == 0 ||
		    strcmp(argv[first], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[first], "-V") == 0 ||
		    strcmp(argv[first], "--version") == 0) {
			return cmd_version(&cli, 0, NULL);
		} else {
			fprintf(stderr, "lscrenew: unknown option %s before "
			    "the command\n", argv[first]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (first >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((cmd = cmd_find(argv[first])) == NULL) {
		fprintf(stderr, "lscrenew: unknown command \"%s\"\n",
		    argv[first]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (cli_now(&cli.now) == -1)
		return EXIT_USAGE;
	cli.tty = isatty(STDOUT_FILENO);

	if (http_global_init(&e) == -1) {
		fprintf(stderr, "lscrenew: %s\n", e.msg);
		return EXIT_FAILED;
	}
	ret = cmd->run(&cli, argc - first, argv + first);
	http_global_cleanup();
	if (fflush(stdout) == EOF || ferror(stdout)) {
		/* "lscrenew report ... | head" is no reason to complain */
		if (errno != EPIPE)
			fprintf(stderr, "lscrenew: writing the output "
			    "failed\n");
		if (ret < EXIT_FAILED)
			ret = EXIT_FAILED;
	}
	return ret;
}
