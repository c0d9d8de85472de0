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

/* Whether a command's own options define name (it then takes it over). */
static int
own_option(const struct option *extra, const char *name)
{
	for (; extra != NULL && extra->name != NULL; extra++)
		if (strcmp(extra->name, name) == 0)
			return 1;
	return 0;
}

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
		    (common[i].val == OPT_JSON && !has_json) ||
		    own_option(extra, common[i].name))
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
	return cli_store_use(cf, 0, ret);
}

struct store *
cli_store_use(const struct config *cf, int write, int *ret)
{
	struct store *s;
	struct lsc_err e;
	char path[4096];

	if ((*ret = cli_check_state_dir(cf->global.state_dir, write)) != 0)
		return NULL;
	if (cli_store_path(cf, path, sizeof(path)) == -1) {
		fprintf(stderr, "lscrenew: state directory path too long\n");
		*ret = EXIT_CONFIG;
		return NULL;
	}
	if (access(path, F_OK) == -1)
		return NULL;
	if (!write && readable(cf, path) == -1) {
		*ret = EXIT_CONFIG;
		return NULL;
	}
	err_clear(&e);
	if ((s = store_open(path, write ? STORE_RW : STORE_RO, &e)) == NULL) {
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

/*
 * The state directory must exist, be writable by no one else (a file
 * planted there, such as a symbolic link named lscrenew.db, would be
 * followed) and, to be written, be ours and writable: say how to fix it.
 */
int
cli_check_state_dir(const char *dir, int need_write)
{
	struct stat st;
	char user[64], owner[64];
	int bad_owner, bad_mode;

	if (stat(dir, &st) == -1) {
		fprintf(stderr, "lscrenew: state directory %s: %s (create it: "
		    "install -d -m 0700 %s)\n", dir, strerror(errno), dir);
		return EXIT_CONFIG;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "lscrenew: state directory %s: not a "
		    "directory\n", dir);
		return EXIT_CONFIG;
	}
	if (need_write && access(dir, W_OK | X_OK) == -1) {
		fprintf(stderr, "lscrenew: state directory %s: not writable "
		    "by uid %ld: %s\n", dir, (long)geteuid(), strerror(errno));
		return EXIT_CONFIG;
	}
	bad_owner = need_write && st.st_uid != geteuid();
	bad_mode = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0;
	if (!bad_owner && !bad_mode)
		return 0;
	config_user_name(geteuid(), user, sizeof(user));
	config_user_name(st.st_uid, owner, sizeof(owner));
	if (bad_owner && bad_mode)
		fprintf(stderr, "lscrenew: state directory %s is owned by %s, "
		    "not %s, and writable by group or others (mode %04o); run "
		    "chown %s %s && chmod 700 %s\n", dir, owner, user,
		    (unsigned)(st.st_mode & 07777), user, dir, dir);
	else if (bad_owner)
		fprintf(stderr, "lscrenew: state directory %s is owned by %s, "
		    "not %s; run chown %s %s (or run lscrenew as %s)\n", dir,
		    owner, user, user, dir, owner);
	else
		fprintf(stderr, "lscrenew: state directory %s is writable by "
		    "group or others (mode %04o); run chmod 700 %s\n", dir,
		    (unsigned)(st.st_mode & 07777), dir);
	return EXIT_CONFIG;
}
