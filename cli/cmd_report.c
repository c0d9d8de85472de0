/*
 * cmd_report.c — "lscrenew report KIND" and "lscrenew phone NAME":
 * renderings of the state store (reports/), never of logs.
 */
#include <sys/stat.h>

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/run_out.h"
#include "jobs/lock.h"
#include "jobs/store.h"
#include "reports/report.h"

enum {
	OPT_SINCE = 600,
	OPT_CLUSTER,
	OPT_PEM
};

struct report_args {
	const char	*format;
	const char	*output;
	const char	*since;
	const char	*cluster;
	const char	*pem;
};

static int
report_opt(struct cli *cli, int c, const char *arg, void *p)
{
	struct report_args *a = p;

	(void)cli;
	switch (c) {
	case 'f':
		a->format = arg;
		return 0;
	case 'o':
		a->output = arg;
		return 0;
	case OPT_SINCE:
		a->since = arg;
		return 0;
	case OPT_CLUSTER:
		a->cluster = arg;
		return 0;
	case OPT_PEM:
		a->pem = arg;
		return 0;
	default:
		return -1;
	}
}

/*
 * Opens the store for reading (cli_store_read()), or for saving a report
 * mark: that is a write, so it takes the state directory's lock as a run
 * does, and says who holds it rather than wait on a run that may last
 * hours.  With no store yet, an empty one reports "nothing" truthfully.
 */
static struct store *
open_store(const struct config *cf, int write, struct lsc_lock **lock,
    int *ret)
{
	struct store *s = NULL;
	struct lsc_err e;
	char path[4096];

	err_clear(&e);
	if (!write)
		s = cli_store_read(cf, ret);
	else if ((*ret = cli_check_state_dir(cf->global.state_dir, 1)) == 0 &&
	    cli_store_path(cf, path, sizeof(path)) == 0 &&
	    access(path, F_OK) == 0) {
		if ((*lock = lock_acquire(cf->global.state_dir,
		    (int64_t)time(NULL), &e)) == NULL) {
			fprintf(stderr, "lscrenew: %s%s\n", e.msg, e.kind ==
			    ERR_LOCKED ? "; a left-behind report saves its mark "
			    "for --since LAST under the same lock: try again "
			    "when that process ends" : "");
			*ret = exit_for_error(&e);
		} else if ((s = store_open(path, STORE_RW, &e)) == NULL) {
			fprintf(stderr, "lscrenew: %s\n", e.msg);
			*ret = EXIT_FAILED;
		}
		return s;
	}
	if (s != NULL || *ret != 0)
		return s;
	if ((s = store_open_memory(&e)) == NULL) {
		fprintf(stderr, "lscrenew: %s\n", e.msg);
		*ret = EXIT_FAILED;
	}
	return s;
}

static int
render(struct report_opts *ro, const char *output, const char *pem,
    const struct config *cf)
{
	struct lsc_lock *lock = NULL;
	struct store *store;
	struct lsc_err e;
	struct stat st;
	int ret = EXIT_FAILED, write;

	write = ro->kind == REPORT_LEFT_BEHIND && ro->save_mark &&
	    (ro->format == REPORT_FORMAT_TEXT || ro->format ==
	    REPORT_FORMAT_CSV || ro->format == REPORT_FORMAT_JSON);
	if ((store = open_store(cf, write, &lock, &ret)) == NULL) {
		lock_release(lock);
		return ret;
	}
	err_clear(&e);
	/* the bundle first: a report that says it was written is true */
	ret = pem != NULL ? report_write_pem(store, ro, pem, &e) : 0;
	if (ret == 0 && output == NULL)
		ret = report_render(store, ro, stdout, &e);
	else if (ret == 0 && ro->kind == REPORT_BAT && stat(output, &st) ==
	    0 && S_ISDIR(st.st_mode))
		ret = report_write_bat_dir(store, ro, output, &e);
	else if (ret == 0)
		ret = report_write_file(store, ro, output, &e);
	store_close(store);
	lock_release(lock);
	if (ret == -1) {
		fprintf(stderr, "lscrenew %s: %s\n", report_kind_name(ro->kind),
		    e.msg);
		return e.kind == ERR_USAGE || e.kind == ERR_NOTFOUND ?
		    EXIT_USAGE : EXIT_FAILED;
	}
	return 0;
}

int
cmd_report(struct cli *cli, int argc, char **argv)
{
	static const struct option extra[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "cluster", required_argument, NULL, OPT_CLUSTER },
		{ "pem", required_argument, NULL, OPT_PEM },
		{ NULL, 0, NULL, 0 }
	};
	struct report_args a = { NULL, NULL, NULL, NULL, NULL };
	struct report_opts ro;
	struct config cf;
	struct lsc_err e;
	int i, rc;

	memset(&cf, 0, sizeof(cf));
	if ((i = cli_getopt(cli, cli->cmd, argc, argv, extra, "f:o:",
	    report_opt, &a)) < 0)
		return i == -2 ? 0 : EXIT_USAGE;
	if (i >= argc) {
		fprintf(stderr, "lscrenew report: name a report: left-behind, "
		    "summary, forecast, history, phone, metrics, bat or "
		    "trust\n");
		return EXIT_USAGE;
	}
	report_opts_init(&ro);
	ro.now = cli->now;
	if (report_kind_parse(argv[i], &ro.kind) == -1) {
		fprintf(stderr, "lscrenew report: unknown report \"%s\"; "
		    "expected left-behind, summary, forecast, history, phone, "
		    "metrics, bat or trust\n", argv[i]);
		return EXIT_USAGE;
	}
	i++;
	ro.format = report_default_format(ro.kind);
	if (cli->json)
		ro.format = REPORT_FORMAT_JSON;
	if (a.format != NULL && report_format_parse(a.format,
	    &ro.format) == -1) {
		fprintf(stderr, "lscrenew report: unknown format \"%s\"; "
		    "expected text, csv, json, html, prom or bat\n", a.format);
		return EXIT_USAGE;
	}
	if (!report_supports(ro.kind, ro.format)) {
		fprintf(stderr, "lscrenew report: %s cannot be rendered as "
		    "%s\n", report_kind_name(ro.kind),
		    report_format_name(ro.format));
		return EXIT_USAGE;
	}
	if (ro.kind == REPORT_PHONE) {
		if (i >= argc) {
			fprintf(stderr, "lscrenew report phone: name the "
			    "phone\n");
			return EXIT_USAGE;
		}
		ro.phone = argv[i++];
	}
	if (a.pem != NULL && ro.kind != REPORT_TRUST) {
		fprintf(stderr, "lscrenew report %s: --pem is for report "
		    "trust\n", report_kind_name(ro.kind));
		return EXIT_USAGE;
	}
	if (i < argc) {
		fprintf(stderr, "lscrenew report: unexpected argument \"%s\"\n",
		    argv[i]);
		return EXIT_USAGE;
	}
	if (a.since != NULL) {
		err_clear(&e);
		if (report_since_parse(a.since, cli->now, &ro, &e) == -1) {
			fprintf(stderr, "lscrenew report: %s\n", e.msg);
			return EXIT_USAGE;
		}
	}
	ro.cluster = a.cluster;
	ro.campaign = cli->campaign;
	ro.pool = cli->pool;
	ro.is_tty = cli->tty && a.output == NULL;
	if ((rc = cli_load_config(cli, 0, &cf)) != 0)
		return rc;
	rc = render(&ro, a.output, a.pem, &cf);
	config_free(&cf);
	return rc;
}

int
cmd_phone(struct cli *cli, int argc, char **argv)
{
	struct report_opts ro;
	struct config cf;
	int i, rc;

	memset(&cf, 0, sizeof(cf));
	if ((i = cli_getopt(cli, cli->cmd, argc, argv, NULL, NULL,
	    NULL, NULL)) < 0)
		return i == -2 ? 0 : EXIT_USAGE;
	if (i + 1 != argc) {
		fprintf(stderr, "lscrenew phone: name exactly one phone\n");
		cmd_usage(cli->cmd, stderr);
		return EXIT_USAGE;
	}
	report_opts_init(&ro);
	ro.kind = REPORT_PHONE;
	ro.format = cli->json ? REPORT_FORMAT_JSON : REPORT_FORMAT_TEXT;
	ro.now = cli->now;
	ro.phone = argv[i];
	ro.is_tty = cli->tty;
	if ((rc = cli_load_config(cli, 0, &cf)) != 0)
		return rc;
	rc = render(&ro, NULL, NULL, &cf);
	config_free(&cf);
	return rc;
}
