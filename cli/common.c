/*
 * common.c — the command table, option parsing and exit statuses shared
 * by every subcommand.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/run_out.h"
#include "jobs/store.h"

#define COMMON_HELP \
	"  -c, --config FILE   configuration file (default " \
	CONFIG_DEFAULT_PATH ")\n" \
	"  -q, --quiet         print nothing unless a person is needed\n" \
	"  -v, --verbose       say more; repeat for more (-vvv: SOAP bodies)\n" \
	"  -h, --help          this help\n"

const struct cmd commands[] = {
	{ "run", cmd_run, "run [-qv] [-c FILE] [--campaign NAME] [--pool NAME]"
	    " [--no-delay] [--json]",
	    "verify, queue renewals for due registered phones, record the rest",
	    COMMON_HELP
	    "      --campaign NAME run only this campaign\n"
	    "      --pool NAME     only this device pool of the campaigns\n"
	    "      --no-delay      skip the configured random start delay\n"
	    "      --json          print the run's summary as JSON\n" },
	{ "plan", cmd_plan, "plan [-qv] [-c FILE] [--campaign NAME] [--pool "
	    "NAME] [--all] [--json]",
	    "show what a run would do, phone by phone, changing nothing",
	    COMMON_HELP
	    "      --campaign NAME plan only this campaign\n"
	    "      --pool NAME     only this device pool of the campaigns\n"
	    "      --all           list every phone, not only those with "
	    "something to do\n"
	    "      --json          one JSON object per phone\n" },
	{ "check", cmd_check, "check [-qv] [-c FILE] [--offline]",
	    "validate the configuration and each cluster's access",
	    COMMON_HELP
	    "      --offline       validate the configuration only\n" },
	{ "status", cmd_status, "status [-c FILE] [--json]",
	    "the last run and the phones by state",
	    COMMON_HELP
	    "      --json          print as JSON\n" },
	{ "report", cmd_report, "report [-c FILE] KIND [--format FORMAT] "
	    "[--output FILE] [--since LAST|DATE] [--campaign NAME] "
	    "[--pool NAME] [--json] [NAME]",
	    "left-behind, summary, forecast, history, phone, metrics, bat",
	    COMMON_HELP
	    "  -f, --format FORMAT text, csv, json, html, prom or bat\n"
	    "  -o, --output FILE   write to FILE atomically instead of stdout\n"
	    "      --since WHEN    left-behind: only changes since the last "
	    "report (LAST) or a date (YYYY-MM-DD)\n"
	    "      --json          same as --format json\n"
	    "      --campaign NAME only this campaign\n"
	    "      --pool NAME     only this device pool\n" },
	{ "phone", cmd_phone, "phone [-c FILE] [--json] NAME",
	    "one phone's state and history",
	    COMMON_HELP
	    "      --json          print as JSON\n" },
	{ "probe", cmd_probe, "probe [-c FILE] [--json] [--port N] "
	    "[--ca-file FILE] NAME|ADDRESS...",
	    "the certificate a phone's web server presents",
	    COMMON_HELP
	    "      --port N        the phones' HTTPS port (default 443)\n"
	    "      --ca-file FILE  verify the certificate against these CAs\n"
	    "      --json          one JSON object per phone and line\n" },
	{ "reset", cmd_reset, "reset [-c FILE] [--cluster NAME] NAME...",
	    "clear abandoned / needs-attention so phones are tried again",
	    COMMON_HELP
	    "      --cluster NAME  the phones' cluster (when several)\n" },
	{ "config", cmd_config, "config [-c FILE]",
	    "print the effective configuration, secrets as *",
	    COMMON_HELP },
	{ "version", cmd_version, "version", "print the version", "" },
	{ "help", cmd_help, "help [COMMAND]", "show help for a command", "" },
	{ NULL, NULL, NULL, NULL, NULL }
};

const struct cmd *
cmd_find(const char *name)
{
	for (const struct cmd *c = commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void
cmd_usage(const struct cmd *c, FILE *f)
{
	fprintf(f, "usage: lscrenew %s\n", c->synopsis);
	if (c->help[0] != '\0')
		fprintf(f, "\n%s", c->help);
}

int
exit_for_error(const struct lsc_err *e)
{
	switch (e->kind) {
	case ERR_NONE:
		return EXIT_NOTHING;
	case ERR_USAGE:
		return EXIT_USAGE;
	case ERR_CONFIG:
		return EXIT_CONFIG;
	case ERR_LOCKED:
		return EXIT_LOCKED;
	case ERR_NETWORK:
	case ERR_TLS:
		return EXIT_UNREACHABLE;
	default:
		return EXIT_FAILED;
	}
}

enum {
	OPT_CAMPAIGN = 256,
	OPT_POOL,
	OPT_JSON
};

int
cli_getopt(struct cli *cli, const struct cmd *cmd, int argc, char **argv,
    const struct option *extra, const char *extra_short, opt_fn fn,
    void *arg)
{
	static const struct option common[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "campaign", required_argument, NULL, OPT_CAMPAIGN },
		{ "pool", required_argument, NULL, OPT_POOL },
		{ "json", no_argument, NULL, OPT_JSON },
	};
	struct option longopts[32];
	char shortopts[64];
	size_t n = 0;
	int c, has_campaign, has_json;

	/* the common options a command does not list in its synopsis are
	 * refused, so "lscrenew status --pool X" is an error, not a no-op */
	has_campaign = strstr(cmd->synopsis, "--campaign") != NULL;
	has_json = strstr(cmd->synopsis, "--json") != NULL;
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
		if ((common[i].val == OPT_CAMPAIGN && !has_campaign) ||
		    (common[i].val == OPT_POOL &&
		    strstr(cmd->synopsis, "--pool") == NULL) ||
		    (common[i].val == OPT_JSON && !has_json))
			continue;
		longopts[n++] = common[i];
	}
	for (; extra != NULL && extra->name != NULL && n < 31; extra++)
		longopts[n++] = *extra;
	memset(&longopts[n], 0, sizeof(longopts[n]));
	snprintf(shortopts, sizeof(shortopts), "c:qvh%s",
	    extra_short != NULL ? extra_short : "");

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'c':
			cli->config_path = optarg;
			break;
		case 'q':
			cli->quiet = 1;
			break;
		case 'v':
			cli->verbose++;
			break;
		case 'h':
			cmd_usage(cmd, stdout);
			return -2;
		case OPT_CAMPAIGN:
			cli->campaign = optarg;
			break;
		case OPT_POOL:
			cli->pool = optarg;
			break;
		case OPT_JSON:
			cli->json = 1;
			break;
		case '?':
		case ':':
			if (optopt != 0 && optopt < 256)
				fprintf(stderr, "lscrenew %s: %s -%c\n",
				    cmd->name, c == ':' || strchr(shortopts,
				    optopt) != NULL ? "option needs a value:" :
				    "unknown option", optopt);
			else
				fprintf(stderr, "lscrenew %s: unknown option "
				    "or missing value: %s\n", cmd->name,
				    argv[optind - 1]);
			cmd_usage(cmd, stderr);
			return -1;
		default:
			if (fn == NULL || fn(cli, c, optarg, arg) == -1) {
				cmd_usage(cmd, stderr);
				return -1;
			}
			break;
		}
	}
	if (cli->quiet && cli->verbose) {
		fprintf(stderr, "lscrenew %s: -q and -v cannot be used "
		    "together\n", cmd->name);
		return -1;
	}
	cli->progress = !cli->quiet && isatty(STDERR_FILENO);
	return optind;
}

int
cli_load_config(struct cli *cli, unsigned flags, struct config *cf)
{
	struct config_problems probs = { NULL, 0 };
	struct lsc_err e;
	int level;

	err_clear(&e);
	if (config_load(cli->config_path, flags, cf, &probs, &e) == -1) {
		if (probs.n == 0)
			fprintf(stderr, "lscrenew: %s\n", e.msg);
		for (size_t i = 0; i < probs.n; i++)
			fprintf(stderr, "lscrenew: %s\n", probs.v[i].text);
		config_problems_free(&probs);
		config_free(cf);
		return e.kind == ERR_SYSTEM ? EXIT_CONFIG : exit_for_error(&e);
	}
	config_problems_free(&probs);
	level = cf->global.log_level;
	if (cli->verbose > 0)
		level = LOG_LEVEL_INFO + cli->verbose - 1;
	if (cli->quiet)
		level = LOG_LEVEL_ERROR;
	log_setup(cli->prog, cf->global.log, level,
	    cf->global.syslog_facility);
	if (cli->campaign != NULL && config_campaign(cf, cli->campaign) ==
	    NULL) {
		fprintf(stderr, "lscrenew: %s: no campaign named \"%s\"\n",
		    cli->config_path, cli->campaign);
		config_free(cf);
		return EXIT_USAGE;
	}
	return 0;
}

int
cli_store_path(const struct config *cf, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", cf->global.state_dir, STORE_FILE);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * SQLite reads a store in WAL mode through its index, PATH-shm, and makes
 * one when there is none (chowned to the store's owner when run as root).
 * Without write access to the directory it cannot: say so, rather than
 * "attempt to write a readonly database".
 */
static int
readable(const struct config *cf, const char *path)
{
	struct stat st;
	char shm[4096 + 8], owner[64];

	snprintf(shm, sizeof(shm), "%s-shm", path);
	if (access(shm, F_OK) == 0 ||
	    access(cf->global.state_dir, W_OK | X_OK) == 0)
		return 0;
	if (stat(path, &st) == -1)
		snprintf(owner, sizeof(owner), "its owner");
	else
		config_user_name(st.st_uid, owner, sizeof(owner));
	fprintf(stderr, "lscrenew: state store %s: cannot be read without "
	    "write access to %s (SQLite makes its index %s there); run "
	    "lscrenew as %s\n", path, cf->global.state_dir, shm, owner);
	return -1;
}

struct store *
cli_store_read(const struct config *cf, int *ret)
{
	struct store *s;
	struct lsc_err e;
	char path[4096];

	if ((*ret = cli_check_state_dir(cf->global.state_dir, 0)) != 0)
		return NULL;
	if (cli_store_path(cf, path, sizeof(path)) == -1) {
		fprintf(stderr, "lscrenew: state directory path too long\n");
		*ret = EXIT_CONFIG;
		return NULL;
	}
	if (access(path, F_OK) == -1)
		return NULL;
	if (readable(cf, path) == -1) {
		*ret = EXIT_CONFIG;
		return NULL;
	}
	err_clear(&e);
	if ((s = store_open(path, STORE_RO, &e)) == NULL) {
		fprintf(stderr, "lscrenew: %s\n", e.msg);
		*ret = EXIT_FAILED;
	}
	return s;
}

void
stats_format(const struct axl_stats *s, char *buf, size_t len)
{
	size_t off = 0;
	int n;

	buf[0] = '\0';
	for (int i = 0; i < AXL_OP__MAX && off < len; i++) {
		if (s->calls[i] == 0)
			continue;
		n = snprintf(buf + off, len - off, "%s%s=%lu", off ? " " : "",
		    axl_op_name((enum axl_op)i), s->calls[i]);
		if (n < 0)
			return;
		off += (size_t)n;
	}
	if (off < len)
		snprintf(buf + off, len - off, "%sretries=%lu bytes_in=%llu "
		    "busy_ms=%lld waited_ms=%lld", off ? " " : "", s->retries,
		    (unsigned long long)s->bytes_in, (long long)s->busy_ms,
		    (long long)s->slept_ms);
}

int
cli_now(int64_t *now)
{
	const char *v = getenv("LSCRENEW_NOW");
	char *end;
	long long t;

	if (v == NULL || *v == '\0') {
		*now = (int64_t)time(NULL);
		return 0;
	}
	errno = 0;
	t = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0' || t <= 0) {
		fprintf(stderr, "lscrenew: LSCRENEW_NOW=\"%s\": expected "
		    "seconds since the epoch\n", v);
		return -1;
	}
	*now = (int64_t)t;
	return 0;
}

int
cmd_version(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	printf("lscrenew %s\n", LSCRENEW_VERSION);
	return 0;
}

int
cmd_help(struct cli *cli, int argc, char **argv)
{
	const struct cmd *c;

	(void)cli;
	if (argc < 2) {
		printf("usage: lscrenew [-c FILE] COMMAND [options] "
		    "[arguments]\n\ncommands:\n");
		for (c = commands; c->name != NULL; c++)
			printf("  %-9s %s\n", c->name, c->summary);
		printf("\n'lscrenew help COMMAND' shows a command's options; "
		    "see lscrenew(1).\n");
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

int
cmd_config(struct cli *cli, int argc, char **argv)
{
	struct config cf;
	int i, rc;

	memset(&cf, 0, sizeof(cf));
	if ((i = cli_getopt(cli, cmd_find("config"), argc, argv, NULL, NULL,
	    NULL, NULL)) < 0)
		return i == -2 ? 0 : EXIT_USAGE;
	if (i < argc) {
		fprintf(stderr, "lscrenew config: unexpected argument %s\n",
		    argv[i]);
		return EXIT_USAGE;
	}
	if ((rc = cli_load_config(cli, 0, &cf)) != 0)
		return rc;
	config_print(&cf, stdout);
	config_free(&cf);
	return 0;
}
