/*
 * cmd_reset.c — "lscrenew reset NAME...": an administrator clears a phone
 * that was abandoned, needs attention, failed or was left behind, so the
 * next run tries it afresh.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/run_out.h"
#include "jobs/lock.h"
#include "jobs/store.h"

enum {
	OPT_CLUSTER = 500
};

static int
reset_opt(struct cli *cli, int c, const char *arg, void *p)
{
	const char **cluster = p;

	(void)cli;
	if (c != OPT_CLUSTER)
		return -1;
	*cluster = arg;
	return 0;
}

struct find {
	char	 cluster[128];
	unsigned n;
	enum phone_state state;
};

static int
on_match(void *arg, const struct store_phone *p, struct lsc_err *e)
{
	struct find *f = arg;

	(void)e;
	if (f->n++ == 0) {
		snprintf(f->cluster, sizeof(f->cluster), "%s", p->cluster);
		f->state = p->mem.state;
	}
	return 0;
}

static int
resettable(enum phone_state s)
{
	return s == PS_ABANDONED || s == PS_NEEDS_ATTENTION ||
	    s == PS_FAILED_RETRYABLE || s == PS_LEFT_BEHIND;
}

int
cmd_reset(struct cli *cli, int argc, char **argv)
{
	static const struct option extra[] = {
		{ "cluster", required_argument, NULL, OPT_CLUSTER },
		{ NULL, 0, NULL, 0 }
	};
	struct config cf;
	struct store *store = NULL;
	struct lsc_lock *lock = NULL;
	struct lsc_err e;
	const char *cluster = NULL;
	char path[4096];
	int i, rc, found, ret = EXIT_FAILED, bad = 0;

	memset(&cf, 0, sizeof(cf));
	if ((i = cli_getopt(cli, cli->cmd, argc, argv, extra, NULL,
	    reset_opt, &cluster)) < 0)
		return i == -2 ? 0 : EXIT_USAGE;
	if (i >= argc) {
		fprintf(stderr, "lscrenew reset: name the phones to reset\n");
		cmd_usage(cli->cmd, stderr);
		return EXIT_USAGE;
	}
	if ((rc = cli_load_config(cli, 0, &cf)) != 0)
		return rc;
	if (cluster != NULL && config_cluster(&cf, cluster) == NULL) {
		fprintf(stderr, "lscrenew reset: no cluster named \"%s\" in "
		    "%s\n", cluster, cli->config_path);
		ret = EXIT_USAGE;
		goto out;
	}
	if ((rc = cli_check_state_dir(cf.global.state_dir, 1)) != 0) {
		ret = rc;
		goto out;
	}
	err_clear(&e);
	if ((lock = lock_acquire(cf.global.state_dir, (int64_t)time(NULL),
	    &e)) == NULL) {
		fprintf(stderr, "lscrenew: %s\n", e.msg);
		ret = exit_for_error(&e);
		goto out;
	}
	if (cli_store_path(&cf, path, sizeof(path)) == -1 ||
	    (store = store_open(path, STORE_RW, &e)) == NULL) {
		fprintf(stderr, "lscrenew: %s\n", e.msg);
		goto out;
	}
	for (; i < argc; i++) {
		struct store_filter f;
		struct find fd;

		memset(&f, 0, sizeof(f));
		memset(&fd, 0, sizeof(fd));
		f.cluster = cluster;
		f.name = argv[i];
		if (store_each_phone(store, &f, on_match, &fd, &e) == -1) {
			fprintf(stderr, "lscrenew: %s\n", e.msg);
			goto out;
		}
		if (fd.n == 0) {
			fprintf(stderr, "lscrenew reset: %s: no such phone in "
			    "the store\n", argv[i]);
			bad = 1;
			continue;
		}
		if (fd.n > 1) {
			fprintf(stderr, "lscrenew reset: %s: known in several "
			    "clusters; name one with --cluster\n", argv[i]);
			bad = 1;
			continue;
		}
		if (!resettable(fd.state)) {
			fprintf(stderr, "lscrenew reset: %s: state %s, nothing "
			    "to reset (only abandoned, needs_attention, "
			    "failed_retryable and left_behind phones)\n",
			    argv[i], phone_state_name(fd.state));
			bad = 1;
			continue;
		}
		if (store_phone_reset(store, cli->now, fd.cluster, argv[i],
		    &found, &e) == -1) {
			fprintf(stderr, "lscrenew: %s\n", e.msg);
			goto out;
		}
		if (!cli->quiet)
			printf("%s: %s -> due: tried again on the next run\n",
			    argv[i], phone_state_name(fd.state));
	}
	ret = bad ? EXIT_USAGE : 0;
out:
	store_close(store);
	lock_release(lock);
	config_free(&cf);
	return ret;
}
