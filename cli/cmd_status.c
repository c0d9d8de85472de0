/*
 * cmd_status.c — "lscrenew status": the last run and the phones by state.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "axl/buf.h"
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

static void
fmt_utc(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
		snprintf(buf, len, "-");
	else
		strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
}

static void
print_json(const struct store_run *r, int have_run, const struct tally *t)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "{\"schema_version\":1,\"last_run\":");
	if (have_run) {
		buf_printf(&b, "{\"id\":%lld,\"started\":%lld,\"finished\":%lld,"
		    "\"exit_status\":%d,\"campaigns\":", (long long)r->id,
		    (long long)r->started, (long long)r->finished,
		    r->exit_status);
		buf_put_json(&b, r->campaigns);
		buf_printf(&b, ",\"phones\":%lu,\"queued\":%lu,\"renewed\":%lu,"
		    "\"error\":", r->counts.phones, r->counts.queued,
		    r->counts.renewed);
		buf_put_json(&b, r->error);
		buf_puts(&b, "}");
	} else
		buf_puts(&b, "null");
	buf_printf(&b, ",\"phones\":%lu,\"states\":{", t->total);
	for (int i = 0; i < PS__MAX; i++)
		buf_printf(&b, "%s\"%s\":%lu", i ? "," : "",
		    phone_state_name((enum phone_state)i), t->state[i]);
	buf_puts(&b, "}}\n");
	if (!buf_failed(&b))
		fputs(b.data, stdout);
	buf_free(&b, 0);
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
	if ((i = cli_getopt(cli, cmd_find("status"), argc, argv, NULL, NULL,
	    NULL, NULL)) < 0)
		return i == -2 ? 0 : EXIT_USAGE;
	if (i < argc) {
		fprintf(stderr, "lscrenew status: unexpected argument \"%s\"\n",
		    argv[i]);
		return EXIT_USAGE;
	}
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
		fmt_utc(r.started, when, sizeof(when));
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
