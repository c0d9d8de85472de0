/*
 * test_ris.c — RisPort70 selectCmDevice: request shape, chunking, pacing,
 * rate-limit retries and the merge of devices reported by several nodes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "axl/axl.h"
#include "axl/base/buf.h"
#include "axl/base/err.h"
#include "axl/ris.h"
#include "tests/unit/fake_http.h"

#define URL	"https://cucm.example:8443/realtimeservice2/services/" \
		"RISService70"

struct env {
	struct fake_http	*f;
	struct fake_clock	 clk;
	struct axl_stats	 stats;
	struct ris_client	*c;
	struct buf		 seen;
	size_t			 nseen;
};

static void
env_open(struct env *e, double rate, unsigned max_names)
{
	struct ris_options o;
	struct lsc_err err;

	memset(e, 0, sizeof(*e));
	e->f = fake_http_new();
	fake_clock_init(&e->clk);
	memset(&o, 0, sizeof(o));
	o.url = URL;
	o.rate_per_minute = rate;
	o.max_names = max_names;
	o.clock = &e->clk.c;
	o.stats = &e->stats;
	e->c = ris_new(&e->f->t, &o, &err);
	assert_non_null(e->c);
}

static void
env_close(struct env *e)
{
	ris_free(e->c);
	http_free(&e->f->t);
	buf_free(&e->seen, 0);
}

static void
push_fixture(struct env *e, long status, const char *rel)
{
	char	*body = fixture_load(rel, NULL);

	fake_http_push_body(e->f, status, body, FAKE_CHUNK_RANDOM);
	free(body);
}

static int
on_device(void *arg, const struct ris_device *d, struct lsc_err *err)
{
	struct env *e = arg;

	(void)err;
	buf_printf(&e->seen, "%s|%d|%s|%s|%s|%lld\n", d->name, d->registered,
	    d->status ? d->status : "-", d->ip ? d->ip : "-",
	    d->node ? d->node : "-", (long long)d->timestamp);
	e->nseen++;
	return 0;
}

static void
test_request_exact(void **state)
{
	static const char *const names[] = { "SEP001122334455", "R&D <x>" };
	struct env e;
	struct lsc_err err;

	(void)state;
	env_open(&e, 0, 0);
	push_fixture(&e, 200, "ris/selectCmDevice-none.xml");
	assert_int_equal(ris_select(e.c, names, 2, on_device, &e, &err), 0);
	assert_string_equal(e.f->reqs[0].soapaction, "selectCmDevice");
	assert_string_equal(e.f->reqs[0].url, URL);
	assert_string_equal(e.f->reqs[0].body,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope "
	    "xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
	    "xmlns:soap=\"http://schemas.cisco.com/ast/soap\">"
	    "<soapenv:Header/><soapenv:Body><soap:selectCmDevice>"
	    "<soap:StateInfo></soap:StateInfo><soap:CmSelectionCriteria>"
	    "<soap:MaxReturnedDevices>1000</soap:MaxReturnedDevices>"
	    "<soap:DeviceClass>Phone</soap:DeviceClass><soap:Model>255"
	    "</soap:Model><soap:Status>Registered</soap:Status><soap:NodeName>"
	    "</soap:NodeName><soap:SelectBy>Name</soap:SelectBy>"
	    "<soap:SelectItems><soap:item><soap:Item>SEP001122334455"
	    "</soap:Item></soap:item><soap:item><soap:Item>R&amp;D &lt;x&gt;"
	    "</soap:Item></soap:item></soap:SelectItems><soap:Protocol>Any"
	    "</soap:Protocol><soap:DownloadStatus>Any</soap:DownloadStatus>"
	    "</soap:CmSelectionCriteria></soap:selectCmDevice></soapenv:Body>"
	    "</soapenv:Envelope>");
	/* Nil CmNodes: nobody reported, nothing called, no error. */
	assert_int_equal(e.nseen, 0);
	assert_int_equal(e.stats.calls[AXL_OP_SELECTCMDEVICE], 1);
	env_close(&e);
}

/* A request the transport sent again reached RisPort70: it is a call. */
static void
test_resent_counted(void **state)
{
	static const char *const names[] = { "SEP001122334455" };
	struct fake_reply r;
	struct env e;
	struct lsc_err err;
	char	*body;

	(void)state;
	env_open(&e, 0, 0);
	body = fixture_load("ris/selectCmDevice-none.xml", NULL);
	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.body = body;
	r.resent = 1;
	fake_http_push(e.f, &r);
	free(body);
	assert_int_equal(ris_select(e.c, names, 1, on_device, &e, &err), 0);
	assert_false(e.f->reqs[0].no_resend);
	assert_int_equal(e.stats.calls[AXL_OP_SELECTCMDEVICE], 2);
	assert_int_equal(e.stats.retries, 1);
	env_close(&e);
}

static void
test_chunks_of_max_names(void **state)
{
	struct env e;
	struct lsc_err err;
	char	**names;
	char	 want[64];
	size_t	 i, k;

	(void)state;
	names = calloc(2500, sizeof(*names));
	for (i = 0; i < 2500; i++) {
		names[i] = malloc(16);
		snprintf(names[i], 16, "SEP%012zu", i);
	}
	env_open(&e, 1000, 0);
	for (i = 0; i < 3; i++)
		push_fixture(&e, 200, "ris/selectCmDevice-none.xml");
	assert_int_equal(ris_select(e.c, (const char *const *)names, 2500,
	    on_device, &e, &err), 0);
	assert_int_equal(e.f->nreqs, 3);
	assert_int_equal(count_substr(e.f->reqs[0].body, "<soap:Item>"), 1000);
	assert_int_equal(count_substr(e.f->reqs[1].body, "<soap:Item>"), 1000);
	assert_int_equal(count_substr(e.f->reqs[2].body, "<soap:Item>"), 500);
	/* Exactly the names given, each once, in order. */
	for (i = 0; i < 2500; i++) {
		k = i / 1000;
		snprintf(want, sizeof(want), "<soap:Item>%s</soap:Item>",
		    names[i]);
		assert_int_equal(count_substr(e.f->reqs[k].body, want), 1);
	}
	for (i = 0; i < 2500; i++)
		free(names[i]);
	free(names);
	env_close(&e);

	/* A smaller max_names. */
	env_open(&e, 1000, 2);
	for (i = 0; i < 2; i++)
		push_fixture(&e, 200, "ris/selectCmDevice-none.xml");
	{
		static const char *const few[] = { "A", "B", "C" };

		assert_int_equal(ris_select(e.c, few, 3, on_device, &e, &err),
		    0);
	}
	assert_int_equal(e.f->nreqs, 2);
	assert_non_null(strstr(e.f->reqs[0].body, "<soap:MaxReturnedDevices>2"
	    "</soap:MaxReturnedDevices>"));
	assert_int_equal(count_substr(e.f->reqs[1].body, "<soap:Item>"), 1);
	env_close(&e);
}

/*
 * A sliding window: at most the rate's calls in any 60 s, counted from the
 * end of each call; the time spent between calls (waiting for replies, or
 * the caller's own work between two selects) counts toward the window.
 */
static void
test_pacing(void **state)
{
	static const char *const names[] = { "A", "B", "C", "D", "E" };
	struct env e;
	struct lsc_err err;
	size_t	 i;

	(void)state;
	env_open(&e, 3, 1);		/* 3 calls in any 60 s */
	for (i = 0; i < 5; i++)
		push_fixture(&e, 200, "ris/selectCmDevice-none.xml");
	assert_int_equal(ris_select(e.c, names, 5, on_device, &e, &err), 0);
	assert_int_equal(e.f->nreqs, 5);
	/* the first three did not wait; the fourth waited for the first to
	 * leave the window, and the fifth left with it */
	assert_int_equal(e.clk.nsleeps, 1);
	assert_int_equal(e.clk.sleeps[0], 60000);
	assert_int_equal(e.stats.slept_ms, 60000);
	env_close(&e);

	/* Replies take 2 s: the window runs from each call's end. */
	env_open(&e, 3, 1);
	e.f->clock = &e.clk;
	e.f->latency_ms = 2000;
	for (i = 0; i < 5; i++)
		push_fixture(&e, 200, "ris/selectCmDevice-none.xml");
	assert_int_equal(ris_select(e.c, names, 5, on_device, &e, &err), 0);
	/* ends at 2, 4, 6 s: the fourth starts at 62 s and ends at 64 s,
	 * when the second has left the window: the fifth does not wait */
	assert_int_equal(e.clk.nsleeps, 1);
	assert_int_equal(e.clk.sleeps[0], 56000);
	assert_int_equal(e.stats.busy_ms, 10000);
	/* work between two selects spends the wait: 20 s later, room */
	e.clk.now += 20000;
	push_fixture(&e, 200, "ris/selectCmDevice-none.xml");
	assert_int_equal(ris_select(e.c, names, 1, on_device, &e, &err), 0);
	assert_int_equal(e.clk.nsleeps, 1);
	/* and after an idle hour, the rate's calls at once, no more */
	e.clk.now += 3600000;
	for (i = 0; i < 4; i++)
		push_fixture(&e, 200, "ris/selectCmDevice-none.xml");
	assert_int_equal(ris_select(e.c, names, 4, on_device, &e, &err), 0);
	assert_int_equal(e.clk.nsleeps, 2);
	assert_int_equal(e.clk.sleeps[1], 56000);
	env_close(&e);
}

static void
test_rate_fault_retried(void **state)
{
	static const char *const names[] = { "SEP001122334455" };
	struct env e;
	struct lsc_err err;

	(void)state;
	env_open(&e, 12, 0);
	push_fixture(&e, 500, "ris/fault-rate.xml");
	push_fixture(&e, 500, "ris/fault-rate-code-only.xml");
	push_fixture(&e, 200, "ris/selectCmDevice-two-nodes.xml");
	assert_int_equal(ris_select(e.c, names, 1, on_device, &e, &err), 0);
	assert_int_equal(e.f->nreqs, 3);
	/* rate_wait (30 s) twice; pacing (5 s) is then already satisfied. */
	assert_int_equal(e.clk.nsleeps, 2);
	assert_int_equal(e.clk.sleeps[0], 30000);
	assert_int_equal(e.clk.sleeps[1], 30000);
	assert_int_equal(e.stats.faults, 2);
	assert_int_equal(e.stats.retries, 2);
	assert_int_equal(e.nseen, 1);
	env_close(&e);
}

static void
test_rate_fault_bounded(void **state)
{
	static const char *const names[] = { "SEP001122334455" };
	struct env e;
	struct lsc_err err;
	int	 i;

	(void)state;
	env_open(&e, 12, 0);
	for (i = 0; i < 6; i++)
		push_fixture(&e, 500, "ris/fault-rate.xml");
	assert_int_equal(ris_select(e.c, names, 1, on_device, &e, &err), -1);
	assert_int_equal(err.kind, ERR_THROTTLED);
	assert_string_equal(err.msg, "selectCmDevice: RisPort70 rate limit: "
	    "AxisFault: Exceeded allowed rate for Reatime information. Current"
	    " allowed rate for realtime information is 15 requests per minute."
	    " after 4 attempts");
	assert_int_equal(e.f->nreqs, 4);
	assert_int_equal(e.clk.nsleeps, 3);	/* none after the last */
	assert_int_equal(e.nseen, 0);
	env_close(&e);
}

static void
test_other_failures(void **state)
{
	static const char *const names[] = { "SEP001122334455" };
	struct env e;
	struct lsc_err err;

	(void)state;
	env_open(&e, 12, 0);
	push_fixture(&e, 500, "axl/fault-sql-691.xml");
	assert_int_equal(ris_select(e.c, names, 1, on_device, &e, &err), -1);
	assert_int_equal(err.kind, ERR_FAULT);
	assert_string_equal(err.msg, "selectCmDevice: Missing key in referenced"
	    " table for referential constraint "
	    "(informix.fk_devicexml4k_fkdevice).");
	assert_int_equal(e.f->nreqs, 1);

	fake_http_push_body(e.f, 401, "Unauthorized", 0);
	assert_int_equal(ris_ping(e.c, &err), -1);
	assert_int_equal(err.kind, ERR_AUTH);
	assert_string_equal(err.msg, "selectCmDevice: HTTP 401: the account "
	    "was refused by RisPort70 (check username/password and the "
	    "account's serviceability API rights)");

	/* Network errors and 503 are retried (a read). */
	fake_http_push_fail(e.f, ERR_NETWORK, 0);
	fake_http_push_body(e.f, 503, "busy", 0);
	push_fixture(&e, 200, "ris/selectCmDevice-none.xml");
	assert_int_equal(ris_ping(e.c, &err), 0);
	assert_non_null(strstr(e.f->reqs[4].body, "<soap:Item>LSCRENEW-PING"
	    "</soap:Item>"));
	assert_int_equal(e.f->nreqs, 5);

	/* Broken replies are not. */
	push_fixture(&e, 200, "ris/selectCmDevice-two-nodes.truncated.xml");
	push_fixture(&e, 200, "ris/selectCmDevice-two-nodes.wrong-ns.xml");
	push_fixture(&e, 200, "ris/selectCmDevice-two-nodes.entity-bomb.xml");
	push_fixture(&e, 200, "ris/selectCmDevice-none.not-soap.xml");
	assert_int_equal(ris_select(e.c, names, 1, on_device, &e, &err), -1);
	assert_non_null(strstr(err.msg, "selectCmDevice: reply truncated"));
	assert_int_equal(ris_select(e.c, names, 1, on_device, &e, &err), -1);
	assert_non_null(strstr(err.msg, "expected "
	    "http://schemas.cisco.com/ast/soap"));
	assert_int_equal(ris_select(e.c, names, 1, on_device, &e, &err), -1);
	assert_non_null(strstr(err.msg, "DOCTYPE"));
	assert_int_equal(ris_select(e.c, names, 1, on_device, &e, &err), -1);
	assert_int_equal(err.kind, ERR_PARSE);
	assert_int_equal(e.f->nreqs, 9);
	assert_int_equal(e.nseen, 0);
	env_close(&e);
}

static void
test_merge_nodes(void **state)
{
	static const char *const names[] = {
		"SEPAABBCCDDEEFF", "SEP-NOT-KNOWN", "sep001122334455",
		"SEP00AABBCCDDEE", "SEP001122334455",
	};
	struct env e;
	struct lsc_err err;

	(void)state;
	env_open(&e, 12, 0);
	push_fixture(&e, 200, "ris/selectCmDevice-two-nodes.xml");
	assert_int_equal(ris_select(e.c, names, 5, on_device, &e, &err), 0);
	/*
	 * Once per device, in the order asked, under the name asked:
	 * Registered wins over a newer UnRegistered; otherwise the newest.
	 * An unknown name is not reported; a repeated one once.
	 */
	assert_string_equal(e.seen.data,
	    "SEPAABBCCDDEEFF|0|UnRegistered|10.1.2.55|cucm-sub2|1764100000\n"
	    "sep001122334455|1|Registered|10.1.2.33|cucm-sub2|1764200000\n"
	    "SEP00AABBCCDDEE|1|Registered|10.1.2.4|cucm-sub1|1764100000\n");
	env_close(&e);
}

static int
stop_device(void *arg, const struct ris_device *d, struct lsc_err *err)
{
	(void)arg;
	(void)d;
	return err_set(err, ERR_STORE, "store: locked");
}

static void
test_callback_error(void **state)
{
	static const char *const names[] = { "SEP001122334455" };
	struct env e;
	struct lsc_err err;

	(void)state;
	env_open(&e, 12, 0);
	push_fixture(&e, 200, "ris/selectCmDevice-two-nodes.xml");
	assert_int_equal(ris_select(e.c, names, 1, stop_device, &e, &err), -1);
	assert_int_equal(err.kind, ERR_STORE);
	assert_string_equal(err.msg, "store: locked");
	env_close(&e);
}

/*
 * A selectCmDevice answer: one Registered entry on node A for each name,
 * and a second, older UnRegistered entry on node B for names marked in
 * dual; only the first `cap` entries are written, TotalDevicesFound says
 * how many there were.
 */
static char *
ris_answer(const char *const *names, size_t n, const int *dual, size_t cap)
{
	struct buf b = BUF_INIT;
	size_t	 total = 0, written = 0, i;
	int	 node;

	for (i = 0; i < n; i++)
		total += dual != NULL && dual[i] ? 2 : 1;
	buf_printf(&b, "<?xml version=\"1.0\"?><soapenv:Envelope xmlns:soapenv="
	    "\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>"
	    "<ns1:selectCmDeviceResponse xmlns:ns1=\"http://schemas.cisco.com/"
	    "ast/soap\"><ns1:selectCmDeviceReturn><ns1:SelectCmDeviceResult>"
	    "<ns1:TotalDevicesFound>%zu</ns1:TotalDevicesFound><ns1:CmNodes>",
	    total);
	for (node = 0; node < 2; node++) {
		buf_printf(&b, "<ns1:item><ns1:ReturnCode>Ok</ns1:ReturnCode>"
		    "<ns1:Name>sub%c</ns1:Name><ns1:CmDevices>", 'A' + node);
		for (i = 0; i < n && written < cap; i++) {
			if (node == 1 && (dual == NULL || !dual[i]))
				continue;
			buf_printf(&b, "<ns1:item><ns1:Name>%s</ns1:Name>"
			    "<ns1:Status>%s</ns1:Status><ns1:TimeStamp>%d"
			    "</ns1:TimeStamp></ns1:item>", names[i],
			    node == 0 ? "Registered" : "UnRegistered",
			    node == 0 ? 2000 : 1000);
			written++;
		}
		buf_puts(&b, "</ns1:CmDevices></ns1:item>");
	}
	buf_puts(&b, "</ns1:CmNodes></ns1:SelectCmDeviceResult>"
	    "</ns1:selectCmDeviceReturn></ns1:selectCmDeviceResponse>"
	    "</soapenv:Body></soapenv:Envelope>");
	return buf_take(&b);
}

/*
 * Ten names, a cap of 10 entries, two phones on two nodes: the first
 * answer is cut (12 entries found, 10 sent, the second node's entries
 * lost).  Nothing from it is believed; the names are asked again, fewer
 * at a time, and the smaller number is kept for the next call.
 */
static void
test_cut_answer_asked_again_with_fewer_names(void **state)
{
	static const char *const names[] = { "SEPA0", "SEPA1", "SEPA2",
		"SEPA3", "SEPA4", "SEPA5", "SEPA6", "SEPA7", "SEPA8", "SEPA9" };
	static const int dual[] = { 0, 0, 0, 1, 0, 0, 0, 0, 1, 0 };
	struct env e;
	struct lsc_err err;
	char	*body;
	size_t	 i;

	(void)state;
	env_open(&e, 6000, 10);
	body = ris_answer(names, 10, dual, 10);
	fake_http_push_body(e.f, 200, body, 0);
	free(body);
	/* 10 * 10/12 * 0.9 = 7 names, then the 3 left */
	body = ris_answer(names, 7, dual, 10);
	fake_http_push_body(e.f, 200, body, 0);
	free(body);
	body = ris_answer(names + 7, 3, dual + 7, 10);
	fake_http_push_body(e.f, 200, body, 0);
	free(body);
	assert_int_equal(ris_select(e.c, names, 10, on_device, &e, &err), 0);
	assert_int_equal(e.f->nreqs, 3);
	assert_int_equal(e.stats.calls[AXL_OP_SELECTCMDEVICE], 3);
	assert_int_equal(e.nseen, 10);
	for (i = 0; i < 10; i++) {
		char want[64];

		snprintf(want, sizeof(want), "%s|1|Registered|", names[i]);
		assert_non_null(strstr(e.seen.data, want));
	}
	assert_null(strstr(e.seen.data, "UnRegistered"));
	/* the cap is still what the server takes; only fewer names */
	assert_non_null(strstr(e.f->reqs[1].body,
	    "<soap:MaxReturnedDevices>10</soap:MaxReturnedDevices>"));
	assert_null(strstr(e.f->reqs[1].body, "SEPA7"));
	assert_non_null(strstr(e.f->reqs[2].body, "SEPA7"));

	/* the next call starts at the smaller size */
	body = ris_answer(names, 7, NULL, 10);
	fake_http_push_body(e.f, 200, body, 0);
	free(body);
	body = ris_answer(names + 7, 3, NULL, 10);
	fake_http_push_body(e.f, 200, body, 0);
	free(body);
	assert_int_equal(ris_select(e.c, names, 10, NULL, NULL, &err), 0);
	assert_int_equal(e.f->nreqs, 5);
	env_close(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut_answer_asked_again_with_fewer_names),
		cmocka_unit_test(test_request_exact),
		cmocka_unit_test(test_resent_counted),
		cmocka_unit_test(test_chunks_of_max_names),
		cmocka_unit_test(test_pacing),
		cmocka_unit_test(test_rate_fault_retried),
		cmocka_unit_test(test_rate_fault_bounded),
		cmocka_unit_test(test_other_failures),
		cmocka_unit_test(test_merge_nodes),
		cmocka_unit_test(test_callback_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
