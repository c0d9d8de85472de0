/*
 * run_out.c — progress, per-phone lines, the summary and the exit status of
 * "run" and "plan"; the metrics file, report file and hook after a run.
 */
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axl/base/json.h"
#include "cli/run_out.h"
#include "reports/report.h"

#define SUMMARY_LIST	25
#define HOOK_TIMEOUT_S	300

static const char *const action_words[ACT__MAX] = { "-", "ask", "queue",
	"notify", "probe", "notify" };

void
run_out_init(struct run_out *o, struct cli *cli, enum engine_mode mode,
    int all)
{
	memset(o, 0, sizeof(*o));
	o->cli = cli;
	o->mode = mode;
	o->all = all;
}

static void
on_progress(void *arg, const struct engine_progress *p)
{
	struct run_out *o = arg;

	if (!o->cli->progress)
		return;
	if (strcmp(p->stage, "done") == 0) {
		fprintf(stderr, "\r\033[K%s: %lu phones read, %lu queued, %lu "
		    "newly left behind\n", p->cluster, p->phones, p->queued,
		    p->left_behind);
		o->progress_shown = 0;
		return;
	}
	if (p->expected > 0)
		fprintf(stderr, "\r\033[K%s: %s (%lu of %lu phones read)",
		    p->cluster, p->stage, p->phones, p->expected);
	else
		fprintf(stderr, "\r\033[K%s: %s (%lu phones read)",
		    p->cluster, p->stage, p->phones);
	o->progress_shown = 1;
}

static void
on_note(void *arg, const char *cluster, const char *what)
{
	run_out_progress_end(arg);
	log_warn("cluster %s: %s", cluster, what);
}

void
run_out_progress_end(struct run_out *o)
{
	if (o->progress_shown) {
		fputc('\n', stderr);
		o->progress_shown = 0;
	}
}

static void
plan_json(const struct engine_phone_event *ev)
{
	struct buf b = BUF_INIT;
	struct json j;

	json_init(&j, &b, 1);
	json_obj(&j, NULL);
	json_str(&j, "cluster", ev->cluster);
	json_str(&j, "campaign", ev->campaign);
	json_str(&j, "pool", ev->pool);
	json_str(&j, "name", ev->name);
	json_str(&j, "state", ev->old_state < PS__MAX ?
	    phone_state_name(ev->old_state) : NULL);
	json_str(&j, "new_state", phone_state_name(ev->new_state));
	json_str(&j, "action", action_words[ev->action]);
	json_str(&j, "reason", ev->reason);
	cli_json_out(&j, &b);
}

static void
on_phone(void *arg, const struct engine_phone_event *ev)
{
	struct run_out *o = arg;
	int changed = ev->old_state != ev->new_state;
	char pool[128];

	if (ev->error != NULL) {
		/* the message names the phone and the operation */
		o->write_errors++;
		run_out_progress_end(o);
		log_warn("%s", ev->error);
	}
	o->seen++;
	o->state[ev->new_state]++;
	o->act[ev->action]++;

	if (o->mode == ENGINE_PLAN) {
		/* what a run would do, and what is worth knowing; --all for
		 * the quiet majority too */
		if (!o->all && ev->action == ACT_NONE &&
		    (ev->new_state == PS_OK || ev->new_state == PS_RENEWED) &&
		    (!changed || ev->old_state == PS__MAX))
			return;
		run_out_progress_end(o);
		if (o->cli->json) {
			plan_json(ev);
			return;
		}
		if (!o->header_done) {
			printf("%-18s %-20s %-16s %-6s %s\n", "PHONE", "POOL",
			    "STATE", "ACTION", "REASON");
			o->header_done = 1;
		}
		cli_printf(stdout, "%-18s %s %-16s %-6s %s\n", ev->name,
		    cli_cell(pool, sizeof(pool), ev->pool, 20),
		    phone_state_name(ev->new_state),
		    action_words[ev->action], ev->reason);
		return;
	}
	if (changed || ev->action == ACT_QUEUE || ev->action == ACT_NOTIFY ||
	    ev->action == ACT_RENOTIFY) {
		run_out_progress_end(o);
		log_info("%s: %s -> %s: %s", ev->name,
		    ev->old_state < PS__MAX ? phone_state_name(ev->old_state) :
		    "new", phone_state_name(ev->new_state), ev->reason);
	}
}

void
run_out_observer(struct run_out *o, struct engine_observer *ob)
{
	ob->phone = on_phone;
	ob->progress = on_progress;
	ob->note = on_note;
	ob->arg = o;
}

static unsigned long
needing_person(const unsigned long *state)
{
	return state[PS_LEFT_BEHIND] + state[PS_FAILED_RETRYABLE] +
	    state[PS_NEEDS_ATTENTION] + state[PS_ABANDONED];
}

int
run_out_status(const struct run_out *o, const struct store_counts *c)
{
	if (needing_person(o->state) > 0 || o->write_errors > 0)
		return EXIT_ATTENTION;
	/* renewals the run would confirm are work done, as in a run */
	if (o->mode == ENGINE_PLAN)
		return o->act[ACT_QUEUE] + o->act[ACT_NOTIFY] +
		    o->act[ACT_RENOTIFY] > 0 || c->renewed > 0 ? EXIT_DONE :
		    EXIT_NOTHING;
	if (c->queued > 0 || c->renewed > 0 || o->act[ACT_NOTIFY] +
	    o->act[ACT_RENOTIFY] > 0)
		return EXIT_DONE;
	return EXIT_NOTHING;
}

struct list_ctx {
	unsigned	 shown;
	unsigned	 more;
};

static int
list_phone(void *arg, const struct store_phone *p, struct lsc_err *e)
{
	struct list_ctx *l = arg;
	char pool[128];

	(void)e;
	if (l->shown >= SUMMARY_LIST) {
		l->more++;
		return 0;
	}
	cli_printf(stdout, "  %-18s %s %-16s %s\n", p->name,
	    cli_cell(pool, sizeof(pool), p->pool, 20),
	    phone_state_name(p->mem.state), p->mem.reason);
	l->shown++;
	return 0;
}

static void
summary_json(const struct run_out *o, const struct store_counts *c,
    int64_t run, int status, const struct lsc_err *failure)
{
	struct buf b = BUF_INIT;
	struct json j;

	json_init(&j, &b, 1);
	json_obj(&j, NULL);
	json_int(&j, "schema_version", 1);
	json_int(&j, "run", run);
	json_str(&j, "mode", o->mode == ENGINE_RUN ? "run" : "plan");
	json_int(&j, "exit_status", status);
	json_int(&j, "phones", (long long)o->seen);
	json_int(&j, "queued", (long long)(o->mode == ENGINE_RUN ? c->queued :
	    o->act[ACT_QUEUE]));
	json_int(&j, "renewed", (long long)c->renewed);
	json_int(&j, "newly_left_behind", (long long)c->newly_left_behind);
	json_int(&j, "write_errors", (long long)o->write_errors);
	json_obj(&j, "states");
	for (int i = 0; i < PS__MAX; i++)
		json_int(&j, phone_state_name((enum phone_state)i),
		    (long long)o->state[i]);
	json_end(&j);
	json_str(&j, "error", failure != NULL ? failure->msg : NULL);
	cli_json_out(&j, &b);
}

void
run_out_summary(struct run_out *o, const struct store_counts *c, int64_t run,
    int status, const struct lsc_err *failure, struct store *store)
{
	struct store_filter f;
	struct list_ctx l = { 0, 0 };
	struct lsc_err e;
	unsigned long person = needing_person(o->state);

	if (o->cli->json && (o->mode == ENGINE_RUN || o->cli->quiet)) {
		summary_json(o, c, run, status, failure);
		return;
	}
	if (o->cli->json)
		return;		/* plan --json: the phones are the output */
	if (o->cli->quiet && status < EXIT_ATTENTION)
		return;
	if (o->mode == ENGINE_PLAN) {
		printf("plan: %lu phones: %lu would be queued, %lu left behind, "
		    "%lu need a person\n", o->seen, o->act[ACT_QUEUE],
		    o->state[PS_LEFT_BEHIND], person);
		return;
	}
	printf("lscrenew run %lld: %lu phones, %lu queued, %lu renewed, %lu "
	    "left behind (%lu new), %lu failed, %lu need attention, %lu "
	    "abandoned\n", (long long)run, o->seen, c->queued, c->renewed,
	    o->state[PS_LEFT_BEHIND], c->newly_left_behind,
	    o->state[PS_FAILED_RETRYABLE], o->state[PS_NEEDS_ATTENTION],
	    o->state[PS_ABANDONED]);
	if (failure != NULL)
		cli_printf(stdout, "run failed: %s\n", failure->msg);
	if (person == 0 || store == NULL)
		return;
	memset(&f, 0, sizeof(f));
	f.states = 1u << PS_NEEDS_ATTENTION | 1u << PS_FAILED_RETRYABLE |
	    1u << PS_ABANDONED | 1u << PS_LEFT_BEHIND;
	f.order = STORE_ORDER_URGENCY;
	f.pool = o->cli->pool;
	printf("phones that need a person:\n");
	err_clear(&e);
	if (store_each_phone(store, &f, list_phone, &l, &e) == -1)
		log_error("%s", e.msg);
	if (l.more > 0)
		printf("  ... and %u more: lscrenew report left-behind\n",
		    l.more);
}

/* ---- after a run ----------------------------------------------------------- */

static void
write_report_file(struct store *store, const char *path, enum report_kind k,
    enum report_format fmt, int64_t now)
{
	struct report_opts ro;
	struct lsc_err e;

	report_opts_init(&ro);
	ro.kind = k;
	ro.format = fmt;
	ro.now = now;
	err_clear(&e);
	if (report_write_file(store, &ro, path, &e) == -1)
		log_warn("%s", e.msg);
}

static void
setenv_ul(const char *name, unsigned long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%lu", v);
	setenv(name, num, 1);
}

/*
 * Runs the hook with the outcome in its environment; never fails the run.
 * The environment is set here, as the hook is the last thing a run does.
 */
static void
run_hook(const struct config *cf, int64_t run, const struct store_counts *c,
    int status)
{
	const char *hook = cf->global.hook;
	char name[64];
	int ws = 0;

	if (hook == NULL || *hook == '\0')
		return;
	setenv_ul("LSCRENEW_RUN", (unsigned long)run);
	setenv_ul("LSCRENEW_EXIT", (unsigned long)status);
	setenv_ul("LSCRENEW_PHONES", c->phones);
	setenv_ul("LSCRENEW_QUEUED", c->queued);
	setenv_ul("LSCRENEW_RENEWED", c->renewed);
	setenv_ul("LSCRENEW_NEWLY_LEFT_BEHIND", c->newly_left_behind);
	setenv_ul("LSCRENEW_WRITE_ERRORS", c->errors);
	for (int i = 0; i < PS__MAX; i++) {
		snprintf(name, sizeof(name), "LSCRENEW_STATE_%s",
		    phone_state_name((enum phone_state)i));
		for (size_t k = 0; name[k] != '\0'; k++)
			name[k] = (char)toupper((unsigned char)name[k]);
		setenv_ul(name, c->state[i]);
	}
	setenv("LSCRENEW_STATE_DIR", cf->global.state_dir, 1);
	if (cf->global.report_file != NULL)
		setenv("LSCRENEW_REPORT", cf->global.report_file, 1);
	if (cf->global.metrics_file != NULL)
		setenv("LSCRENEW_METRICS", cf->global.metrics_file, 1);
	switch (cli_run_command(hook, HOOK_TIMEOUT_S, NULL, 0, NULL, &ws)) {
	case -1:
		log_warn("hook: %s", strerror(errno));
		break;
	case 1:
		log_warn("hook \"%s\" killed after %d s", hook,
		    HOOK_TIMEOUT_S);
		break;
	default:
		if (WIFEXITED(ws) && WEXITSTATUS(ws) != 0)
			log_warn("hook \"%s\" exited with status %d (the run's "
			    "exit status is unchanged)", hook,
			    WEXITSTATUS(ws));
		else if (WIFSIGNALED(ws))
			log_warn("hook \"%s\" killed by signal %d", hook,
			    WTERMSIG(ws));
	}
}

void
run_after(struct cli *cli, const struct config *cf, struct store *store,
    int64_t run, const struct store_counts *c, int status)
{
	if (cf->global.metrics_file != NULL)
		write_report_file(store, cf->global.metrics_file,
		    REPORT_METRICS, REPORT_FORMAT_PROM, cli->now);
	if (cf->global.report_file != NULL)
		write_report_file(store, cf->global.report_file,
		    REPORT_SUMMARY, REPORT_FORMAT_HTML, cli->now);
	run_hook(cf, run, c, status);
}
