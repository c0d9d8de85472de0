/*
 * cmd_status.c — "lscrenew status": the last run and the phones by state.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "axl/base/clock.h"
#include "axl/base/json.h"
#include "cli/cli.h"
#include "cli/run_out.h"
#include "jobs/store.h"

struct tally {
	unsigned long	 state[PS__MAX];
	unsigned long	 total;
};

static int
on_count(void *arg, const char *cluster, const char *campaign,
    const char *pool, enum phone_state s, unsigned long n, struct lsc_err *e)
{
	struct tally *t = arg;

	(void)cluster;
	(void)campaign;
	(void)pool;
	(void)e;
	t->state[s] += n;
	t->total += n;
	return 0;
}

/* schema_version 2: times as RFC 3339 strings (1: seconds since the
 * epoch) */
static void
print_json(const struct store_run *r, int have_run, const struct tally *t)
{
	struct buf b = BUF_INIT;
	struct json j;

	json_init(&j, &b, 1);
	json_obj(&j, NULL);
	json_int(&j, "schema_version", 2);
	if (have_run) {
		json_obj(&j, "last_run");
		json_int(&j, "id", r->id);
		json_time(&j, "started", r->started);
		json_time(&j, "finished", r->finished);
		json_int(&j, "exit_status", r->exit_status);
		json_str(&j, "campaigns", r->campaigns);
		json_int(&j, "phones", (long long)r->counts.phones);
		json_int(&j, "queued", (long long)r->counts.queued);
		json_int(&j, "renewed", (long long)r->counts.renewed);
		json_str(&j, "error", r->error);
		json_end(&j);
	} else
		json_null(&j, "last_run");
	json_int(&j, "phones", (long long)t->total);
	json_obj(&j, "states");
	for (int i = 0; i < PS__MAX; i++)
		json_int(&j, phone_state_name((enum phone_state)i),
		    (long long)t->state[i]);
	cli_json_out(&j, &b);
}

int
cmd_status(struct cli *cli, int argc, char **argv)
{
	struct config cf;
	struct store *store = NULL;
	struct store_run r;
	struct tally t;
	struct lsc_err e;
	char when[40];
	int i, rc, found = 0, ret = EXIT_FAILED;

	memset(&cf, 0, sizeof(cf));
	memset(&t, 0, sizeof(t));
	if ((i = cli_getopt(cli, cli->cmd, argc, argv, NULL, NULL,
	    NULL, NULL)) < 0)
		return i == -2 ? 0 : EXIT_USAGE;
	if ((rc = cli_load_config(cli, 0, &cf)) != 0)
		return rc;
	if ((store = cli_store_read(&cf, &ret)) == NULL) {
		if (ret != 0)
			goto out;
		if (cli->json)
			print_json(NULL, 0, &t);
		else
			printf("no run yet (no state store in %s)\n",
			    cf.global.state_dir);
		goto out;
	}
	err_clear(&e);
	if (store_last_run(store, &r, &found, &e) == -1 ||
	    store_count_states(store, on_count, &t, &e) == -1) {
		fprintf(stderr, "lscrenew: %s\n", e.msg);
		goto out;
	}
	if (cli->json) {
		print_json(&r, found, &t);
		ret = 0;
		goto out;
	}
	if (found) {
		clock_fmt(CLOCK_UTC, "-", r.started, when, sizeof(when));
		cli_printf(stdout, "last run %lld: %s, campaigns %s, exit "
		    "status %d\n"
		    "  %lu phones, %lu queued, %lu renewed, %lu newly left "
		    "behind\n", (long long)r.id, when,
		    r.campaigns != NULL ? r.campaigns : "-", r.exit_status,
		    r.counts.phones, r.counts.queued, r.counts.renewed,
		    r.counts.newly_left_behind);
		if (r.error != NULL)
			cli_printf(stdout, "  failed: %s\n", r.error);
	} else
		printf("no finished run yet\n");
	printf("%lu phones in the store\n", t.total);
	for (int s = 0; s < PS__MAX; s++)
		if (t.state[s] > 0)
			printf("  %-17s %lu\n",
			    phone_state_name((enum phone_state)s), t.state[s]);
	ret = 0;
out:
	store_close(store);
	config_free(&cf);
	return ret;
}
