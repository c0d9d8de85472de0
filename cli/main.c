/*
 * main.c — set-up, the table of commands and dispatch, tear-down; each
 * subcommand has its own file (help, version and config, a few lines
 * each, are here).
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

#define COMMON_HELP \
	"  -c, --config FILE   configuration file (default " \
	CONFIG_DEFAULT_PATH ")\n" \
	"  -q, --quiet         print nothing unless a person is needed\n" \
	"  -v, --verbose       say more; repeat for more (-vvv: SOAP bodies)\n" \
	"  -h, --help          this help\n"

static int	cmd_version(struct cli *, int, char **);
static int	cmd_help(struct cli *, int, char **);
static int	cmd_config(struct cli *, int, char **);

static const struct cmd commands[] = {
	{ "run", cmd_run, "run [-qv] [-c FILE] [--campaign NAME] [--pool NAME]"
	    " [--no-delay] [--json]",
	    "verify, queue renewals for due registered phones, record the rest",
	    COMMON_HELP
	    "      --campaign NAME run only this campaign\n"
	    "      --pool NAME     only this device pool of the campaigns\n"
	    "      --no-delay      skip the configured random start delay\n"
	    "      --json          print the run's summary as JSON\n", 0 },
	{ "plan", cmd_plan, "plan [-qv] [-c FILE] [--campaign NAME] [--pool "
	    "NAME] [--all] [--json]",
	    "show what a run would do, phone by phone, changing nothing",
	    COMMON_HELP
	    "      --campaign NAME plan only this campaign\n"
	    "      --pool NAME     only this device pool of the campaigns\n"
	    "      --all           list every phone, not only those with "
	    "something to do\n"
	    "      --json          one JSON object per phone\n", 0 },
	{ "check", cmd_check, "check [-qv] [-c FILE] [--offline]",
	    "validate the configuration and each cluster's access",
	    COMMON_HELP
	    "      --offline       validate the configuration only\n", 0 },
	{ "status", cmd_status, "status [-c FILE] [--json]",
	    "the last run and the phones by state",
	    COMMON_HELP
	    "      --json          print as JSON\n", 0 },
	{ "report", cmd_report, "report [-c FILE] KIND [--format FORMAT] "
	    "[--output FILE] [--since LAST|DATE] [--campaign NAME] "
	    "[--pool NAME] [--pem FILE] [--json] [NAME]",
	    "left-behind, summary, forecast, history, phone, metrics, bat, "
	    "trust",
	    COMMON_HELP
	    "  -f, --format FORMAT text, csv, json, html, prom or bat\n"
	    "  -o, --output FILE   write to FILE atomically instead of stdout\n"
	    "      --since WHEN    left-behind: only changes since the last "
	    "report (LAST) or a date (YYYY-MM-DD)\n"
	    "      --json          same as --format json\n"
	    "      --campaign NAME only this campaign\n"
	    "      --pool NAME     only this device pool\n"
	    "      --pem FILE      trust: write the CAs the phones sent, root "
	    "first\n", 1 },
	{ "phone", cmd_phone, "phone [-c FILE] [--json] NAME",
	    "one phone's state and history",
	    COMMON_HELP
	    "      --json          print as JSON\n", 1 },
	{ "probe", cmd_probe, "probe [-c FILE] [--json] [--port N] "
	    "[--ca-file FILE] [--campaign NAME] [--pool NAME]... [--all] "
	    "[NAME|ADDRESS...]",
	    "the certificate phones' web servers present, against CUCM",
	    COMMON_HELP
	    "      --port N        the phones' HTTPS port (default 443)\n"
	    "      --ca-file FILE  verify the certificate against these CAs\n"
	    "      --campaign NAME every registered phone of the campaign\n"
	    "      --pool NAME     every registered phone of the device pool "
	    "(repeatable)\n"
	    "      --all           every registered phone in the store\n"
	    "      --json          one JSON object per phone and line\n", 1 },
	{ "reset", cmd_reset, "reset [-c FILE] [--cluster NAME] NAME...",
	    "clear abandoned / needs-attention so phones are tried again",
	    COMMON_HELP
	    "      --cluster NAME  the phones' cluster (when several)\n", 1 },
	{ "config", cmd_config, "config [-c FILE]",
	    "print the effective configuration, secrets as *",
	    COMMON_HELP, 0 },
	{ "version", cmd_version, "version", "print the version", "", 0 },
	{ "help", cmd_help, "help [COMMAND]", "show help for a command", "",
	    1 },
	{ NULL, NULL, NULL, NULL, NULL, 0 }
};

static const struct cmd *
cmd_find(const char *name)
{
	for (const struct cmd *c = commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

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

static int
cmd_version(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	printf("lscrenew %s\n", LSCRENEW_VERSION);
	return 0;
}

static int
cmd_help(struct cli *cli, int argc, char **argv)
{
	const struct cmd *c;

	(void)cli;
	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	if ((c = cmd_find(argv[1])) == NULL) {
		fprintf(stderr, "lscrenew help: unknown command \"%s\"\n",
		    argv[1]);
		return EXIT_USAGE;
	}
	printf("%s: %s\n", c->name, c->summary);
	cmd_usage(c, stdout);
	return 0;
}

static int
cmd_config(struct cli *cli, int argc, char **argv)
{
	struct config cf;
	int i, rc;

	memset(&cf, 0, sizeof(cf));
	if ((i = cli_getopt(cli, cli->cmd, argc, argv, NULL, NULL,
	    NULL, NULL)) < 0)
		return i == -2 ? 0 : EXIT_USAGE;
	if ((rc = cli_load_config(cli, 0, &cf)) != 0)
		return rc;
	config_print(&cf, stdout);
	config_free(&cf);
	return 0;
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
	log_setup(cli.prog, LOG_TO_STDERR, LOG_LEVEL_WARNING, 0);

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

	cli.cmd = cmd;
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
