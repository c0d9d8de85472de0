/*
 * test_axl.c — AXL operations over the fake transport and the fake clock:
 * version negotiation, request shapes, paging and re-paging, retries.
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
#include "axl/http.h"
#include "tests/unit/fake_http.h"

#define URL	"https://cucm.example:8443/axl/"
#define ENV_OPEN \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope " \
	"xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">" \
	"<soapenv:Body>"
#define ENV_CLOSE "</soapenv:Body></soapenv:Envelope>"

struct env {
	struct fake_http	*f;
	struct fake_clock	 clk;
	struct axl_stats	 stats;
	struct axl_client	*c;
	struct buf		 seen;	/* what the callbacks got */
	size_t			 nseen;
};

static void
env_open(struct env *e, const char *version, unsigned page)
{
	struct axl_options o;
	struct lsc_err err;

	memset(e, 0, sizeof(*e));
	e->f = fake_http_new();
	fake_clock_init(&e->clk);
	memset(&o, 0, sizeof(o));
	o.url = URL;
	o.version = version;
	o.page_size = page;
	o.clock = &e->clk.c;
	o.stats = &e->stats;
	e->c = axl_new(&e->f->t, &o, &err);
	assert_non_null(e->c);
}

static void
env_close(struct env *e)
{
	axl_free(e->c);
	http_free(&e->f->t);
	buf_free(&e->seen, 0);
}

/* A reply with op's response element in version v's namespace. */
static char *
reply(const char *op, const char *v, const char *inner)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, ENV_OPEN "<ns:%sResponse xmlns:ns=\"http://www.cisco."
	    "com/AXL/API/%s\">%s</ns:%sResponse>" ENV_CLOSE, op, v, inner, op);
	return buf_take(&b);
}

static void
push_reply(struct env *e, const char *op, const char *v, const char *inner)
{
	char	*r = reply(op, v, inner);

	fake_http_push_body(e->f, 200, r, FAKE_CHUNK_RANDOM);
	free(r);
}

/* n phones SEP000000000<from..>, in pool. */
static void
push_phones(struct env *e, int from, int n, const char *pool)
{
	struct buf b = BUF_INIT;
	int	 i;

	buf_puts(&b, "<return>");
	for (i = from; i < from + n; i++)
		buf_printf(&b, "<phone uuid=\"{%08d-0000-0000-0000-"
		    "000000000000}\"><name>SEP%012d</name><description>Phone "
		    "%d</description><model>Cisco 8845</model><devicePoolName>"
		    "%s</devicePoolName>"
		    "<certificateOperation>No Pending Operation"
		    "</certificateOperation><authenticationMode>By Null String"
		    "</authenticationMode><certificateStatus>None"
		    "</certificateStatus><upgradeFinishTime/></phone>", i, i, i,
		    pool);
	buf_puts(&b, "</return>");
	push_reply(e, "listPhone", "14.0", b.data);
	buf_free(&b, 0);
}

static void
push_fixture(struct env *e, long status, const char *rel)
{
	char	*body = fixture_load(rel, NULL);

	fake_http_push_body(e->f, status, body, FAKE_CHUNK_RANDOM);
	free(body);
}

static void
push_status(struct env *e, long status, long retry_after)
{
	struct fake_reply r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.body = "<html><body>Service Unavailable</body></html>";
	if (retry_after >= 0) {
		r.retry_after = retry_after;
		r.retry_after_set = 1;
	}
	fake_http_push(e->f, &r);
}

/* A "Query request too large" fault for op suggesting fewer than rows. */
static void
push_too_large(struct env *e, const char *op, int rows)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, ENV_OPEN "<soapenv:Fault><faultcode>soapenv:Server"
	    "</faultcode><faultstring>Query request too large. Total rows "
	    "matched: 2816 rows. Suggestive Row Fetch: less than %d rows"
	    "</faultstring><detail><axlError><axlcode>-1</axlcode>"
	    "<axlmessage>Query request too large. Total rows matched: 2816 "
	    "rows. Suggestive Row Fetch: less than %d rows</axlmessage>"
	    "<request>%s</request></axlError></detail></soapenv:Fault>"
	    ENV_CLOSE, rows, rows, op);
	fake_http_push_body(e->f, 500, b.data, FAKE_CHUNK_RANDOM);
	buf_free(&b, 0);
}

static int
on_phone(void *arg, const struct axl_phone *p, struct lsc_err *err)
{
	struct env *e = arg;

	(void)err;
	buf_printf(&e->seen, "%s|%s|%s|%s|%s|%s|%s", p->name,
	    p->description ? p->description : "-",
	    p->model ? p->model : "-", p->device_pool ? p->device_pool : "-",
	    p->cert_operation ? p->cert_operation : "-",
	    p->cert_status ? p->cert_status : "-",
	    p->finish_time ? p->finish_time : "-");
	if (p->have_lsc)
		buf_printf(&e->seen, "|%lld|%s|%s|%s|%lld",
		    (long long)p->lsc_valid_until,
		    p->lsc_issuer ? p->lsc_issuer : "(null)",
		    p->last_ip ? p->last_ip : "(null)",
		    p->last_node ? p->last_node : "(null)",
		    (long long)p->last_seen);
	buf_puts(&e->seen, "\n");
	e->nseen++;
	return 0;
}

/* The inventory of one selector, nothing between pages. */
static int
inventory(struct env *e, const char *pool, const char *like,
    struct axl_inventory_info *info, struct lsc_err *err)
{
	struct axl_selector sel = { pool, like };

	return axl_inventory(e->c, &sel, 1, on_phone, NULL, e, info, err);
}

/* The type tables' rows of the count reply (the fixtures' enums). */
#define TYPE_ROWS "<row><kind>1</kind><enum>1</enum><name>No Pending " \
	"Operation</name></row><row><kind>1</kind><enum>2</enum><name>" \
	"Install/Upgrade</name></row><row><kind>2</kind><enum>1</enum><name>" \
	"None</name></row><row><kind>2</kind><enum>2</enum><name>Operation " \
	"Pending</name></row><row><kind>2</kind><enum>3</enum><name>Upgrade " \
	"Success</name></row><row><kind>3</kind><enum>622</enum><name>Cisco " \
	"7841</name></row><row><kind>3</kind><enum>36213</enum><name>Cisco " \
	"8811</name></row><row><kind>3</kind><enum>36224</enum><name>Cisco " \
	"8845</name></row>"

/* A count reply: the type tables and n phones. */
static void
push_count(struct env *e, unsigned long n)
{
	char	 inner[1024];

	snprintf(inner, sizeof(inner), "<return>" TYPE_ROWS "<row><kind>0"
	    "</kind><enum>%lu</enum><name/></row></return>", n);
	push_reply(e, "executeSQLQuery", "14.0", inner);
}

/* n inventory rows SEP000000000<from..>, in the statement's pool-th pool. */
static void
push_rows(struct env *e, int from, int n, int pool)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "<return>");
	for (int i = from; i < from + n; i++)
		buf_printf(&b, "<row><n>SEP%012d</n><x>%d|622|1|1|%d|0|||</x>"
		    "</row>", i, pool, i);
	buf_puts(&b, "</return>");
	push_reply(e, "executeSQLQuery", "14.0", b.data);
	buf_free(&b, 0);
}

/* The text of the first <tag> in s, XML entities undone; caller frees. */
static char *
element_text(const char *s, const char *tag)
{
	struct buf b = BUF_INIT;
	char	 open[64], close[64];
	const char *p, *q;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	assert_non_null(p = strstr(s, open));
	p += strlen(open);
	assert_non_null(q = strstr(p, close));
	while (p < q) {
		if (strncmp(p, "&apos;", 6) == 0)
			buf_puts(&b, "'"), p += 6;
		else if (strncmp(p, "&quot;", 6) == 0)
			buf_puts(&b, "\""), p += 6;
		else if (strncmp(p, "&amp;", 5) == 0)
			buf_puts(&b, "&"), p += 5;
		else if (strncmp(p, "&lt;", 4) == 0)
			buf_puts(&b, "<"), p += 4;
		else if (strncmp(p, "&gt;", 4) == 0)
			buf_puts(&b, ">"), p += 4;
		else
			buf_append(&b, p++, 1);
	}
	return buf_take(&b);
}

/* --- version ------------------------------------------------------------- */

static void
test_connect_auto_picks_highest(void **state)
{
	static const struct {
		const char *fixture, *release, *version;
	} cases[] = {
		{ "axl/getCCMVersion-14.xml", "14.0.1.13900-155", "14.0" },
		{ "axl/getCCMVersion-15.xml", "15.0.1.10000-32", "15.0" },
		{ "axl/getCCMVersion-12.5.xml", "12.5.1.16900-48", "12.5" },
	};
	struct env e;
	struct lsc_err err;
	char	 release[64];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		env_open(&e, "auto", 0);
		assert_string_equal(axl_version(e.c), "auto");
		push_fixture(&e, 200, cases[i].fixture);
		assert_int_equal(axl_connect(e.c, release, sizeof(release),
		    &err), 0);
		assert_string_equal(release, cases[i].release);
		assert_string_equal(axl_version(e.c), cases[i].version);
		/* Asked with 12.5, which every supported release accepts. */
		assert_string_equal(e.f->reqs[0].soapaction,
		    "CUCM:DB ver=12.5 getCCMVersion");
		assert_non_null(strstr(e.f->reqs[0].body, "xmlns:ns=\"http://"
		    "www.cisco.com/AXL/API/12.5\""));
		/* GetCCMVersionReq has no sequence attribute. */
		assert_non_null(strstr(e.f->reqs[0].body,
		    "<ns:getCCMVersion></ns:getCCMVersion>"));
		assert_int_equal(e.stats.calls[AXL_OP_GETCCMVERSION], 1);
		env_close(&e);
	}
}

static void
test_connect_refusals(void **state)
{
	struct env e;
	struct lsc_err err;

	(void)state;
	env_open(&e, "auto", 0);
	push_fixture(&e, 200, "axl/getCCMVersion-12.0.xml");
	assert_int_equal(axl_connect(e.c, NULL, 0, &err), -1);
	assert_int_equal(err.kind, ERR_FAULT);
	assert_string_equal(err.msg, "CUCM 12.0 is older than 12.5, the "
	    "oldest release lscrenew supports");
	env_close(&e);

	env_open(&e, "15.0", 0);
	push_fixture(&e, 200, "axl/getCCMVersion-14.xml");
	assert_int_equal(axl_connect(e.c, NULL, 0, &err), -1);
	assert_int_equal(err.kind, ERR_FAULT);
	assert_string_equal(err.msg, "CUCM 14.0 does not accept AXL schema "
	    "15.0 (use 14.0 or auto)");
	env_close(&e);

	env_open(&e, "12.5", 0);
	push_fixture(&e, 200, "axl/getCCMVersion-15.xml");
	assert_int_equal(axl_connect(e.c, NULL, 0, &err), 0);
	assert_string_equal(axl_version(e.c), "12.5");
	env_close(&e);

	env_open(&e, "auto", 0);
	push_fixture(&e, 200, "axl/getCCMVersion-14.garbled.xml");
	assert_int_equal(axl_connect(e.c, NULL, 0, &err), -1);
	assert_int_equal(err.kind, ERR_PARSE);
	assert_string_equal(err.msg, "getCCMVersion: unexpected version "
	    "\"fourteen\"");
	env_close(&e);

	env_open(&e, "auto", 0);
	push_status(&e, 401, -1);
	assert_int_equal(axl_connect(e.c, NULL, 0, &err), -1);
	assert_int_equal(err.kind, ERR_AUTH);
	assert_string_equal(err.msg, "getCCMVersion: HTTP 401: the AXL account"
	    " was refused (check username/password and the Standard AXL API "
	    "Access role)");
	env_close(&e);
}

/* A release past N-2 refuses 12.5 with CUCM's HTTP 599 page: the newer
 * schemas are asked, newest first. */
static void
test_connect_after_599(void **state)
{
	struct env e;
	struct lsc_err err;
	char	 release[64];
	char	*page = fixture_load("axl/http599-version.html", NULL);

	(void)state;
	env_open(&e, "auto", 0);
	fake_http_push_body(e.f, 599, page, 0);
	push_fixture(&e, 200, "axl/getCCMVersion-16.ns15.xml");
	assert_int_equal(axl_connect(e.c, release, sizeof(release), &err), 0);
	assert_string_equal(release, "16.0.1.10000-8");
	assert_string_equal(axl_version(e.c), "15.0");
	assert_string_equal(e.f->reqs[1].soapaction,
	    "CUCM:DB ver=15.0 getCCMVersion");
	env_close(&e);

	/* the failing twin: 599 to every schema lscrenew knows */
	env_open(&e, "auto", 0);
	fake_http_push_body(e.f, 599, page, 0);
	fake_http_push_body(e.f, 599, page, 0);
	fake_http_push_body(e.f, 599, page, 0);
	assert_int_equal(axl_connect(e.c, NULL, 0, &err), -1);
	assert_int_equal(err.kind, ERR_HTTP);
	assert_int_equal(err.http_status, 599);
	assert_non_null(strstr(err.msg, "getCCMVersion: HTTP 599"));
	assert_int_equal(e.f->nreqs, 3);
	env_close(&e);
	free(page);
}

static void
test_bad_options(void **state)
{
	struct axl_options o;
	struct fake_http *f = fake_http_new();
	struct lsc_err err;
	int	 ex;
	struct env e;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.url = URL;
	o.version = "13.0";
	assert_null(axl_new(&f->t, &o, &err));
	assert_int_equal(err.kind, ERR_CONFIG);
	assert_string_equal(err.msg, "AXL version 13.0: expected auto, 12.5, "
	    "14.0 or 15.0");
	http_free(&f->t);

	/* "auto" must connect before anything else. */
	env_open(&e, "auto", 0);
	assert_int_equal(axl_pool_exists(e.c, "HQ", &ex, &err), -1);
	assert_int_equal(err.kind, ERR_USAGE);
	assert_int_equal(e.f->nreqs, 0);
	env_close(&e);
}

/* Every operation names the same version in SOAPAction and namespace. */
static void
test_version_agrees_everywhere(void **state)
{
	static const char *const versions[] = { "12.5", "14.0", "15.0" };
	static const char *const ops[] = {
		"listPhone", "executeSQLQuery", "executeSQLQuery",
		"executeSQLQuery", "updatePhone", "applyPhone", "restartPhone",
		"resetPhone", "updatePhone"
	};
	struct axl_inventory_info info;
	struct axl_capf capf = { "Install/Upgrade", "By Null String", NULL,
	    NULL, NULL, NULL, NULL };
	struct env e;
	struct lsc_err err;
	char	 want[128];
	int	 ex, can;
	size_t	 i, k;

	(void)state;
	for (i = 0; i < 3; i++) {
		const char *v = versions[i];

		env_open(&e, v, 0);
		push_reply(&e, "listPhone", v, "<return/>");
		push_reply(&e, "executeSQLQuery", v, "<return><row><kind>0"
		    "</kind><enum>0</enum><name/></row></return>");
		push_reply(&e, "executeSQLQuery", v, "<return/>");
		push_reply(&e, "executeSQLQuery", v, "<return/>");
		push_reply(&e, "updatePhone", v, "<return>true</return>");
		push_reply(&e, "applyPhone", v, "<return>true</return>");
		push_reply(&e, "restartPhone", v, "<return>true</return>");
		push_reply(&e, "resetPhone", v, "<return>true</return>");
		push_reply(&e, "updatePhone", v, "<return>true</return>");
		assert_int_equal(axl_list_phones(e.c, "HQ", NULL, on_phone, &e,
		    &err), 0);
		assert_int_equal(inventory(&e, "HQ", NULL, &info, &err), 0);
		assert_int_equal(axl_pool_exists(e.c, "HQ", &ex, &err), 0);
		assert_int_equal(axl_update_capf(e.c, "SEP001122334455", &capf,
		    &err), 0);
		assert_int_equal(axl_notify_phone(e.c, "SEP001122334455",
		    AXL_NOTIFY_APPLY, &err), 0);
		assert_int_equal(axl_notify_phone(e.c, "SEP001122334455",
		    AXL_NOTIFY_RESTART, &err), 0);
		assert_int_equal(axl_notify_phone(e.c, "SEP001122334455",
		    AXL_NOTIFY_RESET, &err), 0);
		assert_int_equal(axl_can_write(e.c, &can, &err), 0);
		assert_int_equal(e.f->nreqs, 9);
		for (k = 0; k < e.f->nreqs; k++) {
			snprintf(want, sizeof(want), "CUCM:DB ver=%s %s", v,
			    ops[k]);
			assert_string_equal(e.f->reqs[k].soapaction, want);
			snprintf(want, sizeof(want), "xmlns:ns=\"http://www."
			    "cisco.com/AXL/API/%s\"", v);
			assert_non_null(strstr(e.f->reqs[k].body, want));
			snprintf(want, sizeof(want), "<ns:%s sequence=\"%zu\">",
			    ops[k], k + 1);
			assert_non_null(strstr(e.f->reqs[k].body, want));
		}
		env_close(&e);
	}
}

/* A reply in another version's namespace is refused. */
static void
test_wrong_version_reply(void **state)
{
	struct env e;
	struct lsc_err err;

	(void)state;
	env_open(&e, "14.0", 0);
	push_fixture(&e, 200, "axl/listPhone-page.wrong-ns.xml");
	assert_int_equal(axl_list_phones(e.c, "HQ_Phones", NULL, on_phone, &e,
	    &err), -1);
	assert_int_equal(err.kind, ERR_PARSE);
	assert_string_equal(err.msg, "listPhone: reply listPhoneResponse in "
	    "namespace http://www.cisco.com/AXL/API/12.5, expected "
	    "http://www.cisco.com/AXL/API/14.0");
	assert_int_equal(e.f->nreqs, 1);
	env_close(&e);
}

/* --- listPhone ------------------------------------------------------------ */

static void
test_list_phones_request_and_values(void **state)
{
	struct env e;
	struct lsc_err err;

	(void)state;
	env_open(&e, "14.0", 0);
	push_fixture(&e, 200, "axl/listPhone-page.xml");
	assert_int_equal(axl_list_phones(e.c, "HQ_Phones", "SEP%", on_phone,
	    &e, &err), 0);
	assert_string_equal(e.f->reqs[0].body,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope "
	    "xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
	    "xmlns:ns=\"http://www.cisco.com/AXL/API/14.0\"><soapenv:Header/>"
	    "<soapenv:Body><ns:listPhone sequence=\"1\"><searchCriteria>"
	    "<name>SEP%</name><devicePoolName>HQ_Phones</devicePoolName>"
	    "</searchCriteria><returnedTags><name/><description/><model/>"
	    "<devicePoolName/><certificateOperation/><certificateStatus/>"
	    "<upgradeFinishTime/></returnedTags>"
	    "<skip>0</skip><first>1000</first></ns:listPhone></soapenv:Body>"
	    "</soapenv:Envelope>");
	assert_string_equal(e.seen.data,
	    "SEP001122334455|Lobby & Reception <1> \"Ana\" Müller|Cisco 8845|"
	    "HQ_Phones|No Pending Operation|Upgrade Success|\n"
	    "SEP00AABBCCDDEE||Cisco 7841|HQ_Phones|Install/Upgrade|Operation "
	    "Pending|2026:12:01:18:00\n"
	    "SEPAABBCCDDEEFF|-|Cisco 8811|HQ_Phones|No Pending Operation|None|"
	    "\n");
	/* Three phones of a thousand asked: one call. */
	assert_int_equal(e.stats.calls[AXL_OP_LISTPHONE], 1);
	env_close(&e);
}

static void
test_list_phones_escapes_pool(void **state)
{
	struct env e;
	struct lsc_err err;

	(void)state;
	env_open(&e, "14.0", 0);
	push_reply(&e, "listPhone", "14.0", "<return/>");
	assert_int_equal(axl_list_phones(e.c, "R&D <Zürich> \"A\"", NULL,
	    on_phone, &e, &err), 0);
	assert_non_null(strstr(e.f->reqs[0].body, "<searchCriteria>"
	    "<devicePoolName>R&amp;D &lt;Zürich&gt; &quot;A&quot;"
	    "</devicePoolName></searchCriteria>"));
	assert_int_equal(axl_list_phones(e.c, "bad\x01pool", NULL, on_phone,
	    &e, &err), -1);
	assert_int_equal(err.kind, ERR_CONFIG);
	assert_string_equal(err.msg, "listPhone: the device pool name is not "
	    "valid UTF-8 or holds a control character");
	assert_int_equal(e.f->nreqs, 1);
	env_close(&e);
}

static void
test_list_phones_pages(void **state)
{
	struct env e;
	struct lsc_err err;

	(void)state;
	env_open(&e, "14.0", 2);
	push_phones(&e, 0, 2, "HQ");
	push_phones(&e, 2, 2, "HQ");
	push_phones(&e, 4, 1, "HQ");
	assert_int_equal(axl_list_phones(e.c, "HQ", NULL, on_phone, &e, &err),
	    0);
	assert_int_equal(e.nseen, 5);
	assert_int_equal(e.f->nreqs, 3);
	assert_non_null(strstr(e.f->reqs[0].body, "<skip>0</skip><first>2"));
	assert_non_null(strstr(e.f->reqs[1].body, "<skip>2</skip><first>2"));
	assert_non_null(strstr(e.f->reqs[2].body, "<skip>4</skip><first>2"));
	env_close(&e);

	/* A multiple of the page: one more, empty, page ends it. */
	env_open(&e, "14.0", 2);
	push_phones(&e, 0, 2, "HQ");
	push_phones(&e, 2, 2, "HQ");
	push_phones(&e, 4, 0, "HQ");
	assert_int_equal(axl_list_phones(e.c, "HQ", NULL, on_phone, &e, &err),
	    0);
	assert_int_equal(e.nseen, 4);
	assert_int_equal(e.f->nreqs, 3);
	assert_int_equal(e.stats.calls[AXL_OP_LISTPHONE], 3);
	assert_int_equal(e.stats.retries, 0);
	env_close(&e);
}

/* searchCriteria is a LIKE pattern: HQ_1 also matches HQX1. */
static void
test_list_phones_keeps_exact_pool(void **state)
{
	struct env e;
	struct lsc_err err;

	(void)state;
	env_open(&e, "14.0", 0);
	push_reply(&e, "listPhone", "14.0", "<return>"
	    "<phone><name>SEPA</name><devicePoolName>HQ_1</devicePoolName>"
	    "</phone><phone><name>SEPB</name><devicePoolName>HQX1"
	    "</devicePoolName></phone><phone><name>SEPC</name>"
	    "<devicePoolName>hq_1</devicePoolName></phone></return>");
	assert_int_equal(axl_list_phones(e.c, "HQ_1", NULL, on_phone, &e,
	    &err), 0);
	assert_int_equal(e.nseen, 2);
	assert_non_null(strstr(e.seen.data, "SEPA|"));
	assert_null(strstr(e.seen.data, "SEPB|"));
	env_close(&e);
}

static void
test_list_phones_repages_on_too_large(void **state)
{
	static const char *const faults[] = {
		"Query request too large. Total rows matched: 2816 rows. "
		"Suggestive Row Fetch: less than 5 rows",
		"Query request too large. Total rows matched: 2816. Suggested "
		"row fetch: less than 5 rows",
	};
	struct env e;
	struct lsc_err err;
	struct buf b = BUF_INIT;
	size_t	 i;

	(void)state;
	for (i = 0; i < 2; i++) {
		env_open(&e, "14.0", 10);
		buf_reset(&b);
		buf_printf(&b, ENV_OPEN "<soapenv:Fault><faultcode>soapenv:"
		    "Server</faultcode><faultstring>%s</faultstring><detail>"
		    "<axlError><axlcode>-1</axlcode><axlmessage>%s</axlmessage>"
		    "<request>listPhone</request></axlError></detail>"
		    "</soapenv:Fault>" ENV_CLOSE, faults[i], faults[i]);
		fake_http_push_body(e.f, 500, b.data, 7);
		push_phones(&e, 0, 4, "HQ");
		push_phones(&e, 4, 1, "HQ");
		assert_int_equal(axl_list_phones(e.c, "HQ", NULL, on_phone, &e,
		    &err), 0);
		assert_int_equal(e.nseen, 5);
		assert_int_equal(e.f->nreqs, 3);
		/* Same skip, 80% of the suggestion, kept afterwards. */
		assert_non_null(strstr(e.f->reqs[0].body,
		    "<skip>0</skip><first>10</first>"));
		assert_non_null(strstr(e.f->reqs[1].body,
		    "<skip>0</skip><first>4</first>"));
		assert_non_null(strstr(e.f->reqs[2].body,
		    "<skip>4</skip><first>4</first>"));
		assert_int_equal(e.stats.faults, 1);
		assert_int_equal(e.stats.retries, 1);
		assert_int_equal(e.clk.nsleeps, 0);
		env_close(&e);
	}
	buf_free(&b, 0);
}

static void
test_list_phones_too_large_gives_up(void **state)
{
	struct env e;
	struct lsc_err err;
	int	 i;

	(void)state;
	env_open(&e, "14.0", 4);
	for (i = 0; i < 3; i++)
		push_fixture(&e, 500, "axl/fault-query-too-large.xml");
	assert_int_equal(axl_list_phones(e.c, "HQ", NULL, on_phone, &e, &err),
	    -1);
	assert_int_equal(err.kind, ERR_TOOLARGE);
	assert_int_equal(err.suggest_rows, 844);
	assert_string_equal(err.msg, "listPhone: Query request too large. "
	    "Total rows matched: 2816 rows. Suggestive Row Fetch: less than "
	    "844 rows");
	/* 4, then halved (the suggestion is no smaller), then 1: give up. */
	assert_int_equal(e.f->nreqs, 3);
	assert_non_null(strstr(e.f->reqs[1].body, "<first>2</first>"));
	assert_non_null(strstr(e.f->reqs[2].body, "<first>1</first>"));
	/* No smaller page got through: the next read starts as before. */
	push_phones(&e, 0, 1, "HQ");
	assert_int_equal(axl_list_phones(e.c, "HQ", NULL, on_phone, &e, &err),
	    0);
	assert_non_null(strstr(e.f->reqs[3].body,
	    "<skip>0</skip><first>4</first>"));
	env_close(&e);
}

static void
test_list_phones_shrinks_on_drop(void **state)
{
	struct env e;
	struct lsc_err err;
	struct fake_reply r;
	struct buf b = BUF_INIT;
	int	 i;

	(void)state;
	env_open(&e, "14.0", 8);
	/* The first page is cut after its first phones, status 200. */
	buf_puts(&b, ENV_OPEN "<ns:listPhoneResponse xmlns:ns=\"http://www."
	    "cisco.com/AXL/API/14.0\"><return>");
	for (i = 0; i < 8; i++)
		buf_printf(&b, "<phone><name>SEP%012d</name><devicePoolName>HQ"
		    "</devicePoolName></phone>", i);
	buf_puts(&b, "</return></ns:listPhoneResponse>" ENV_CLOSE);
	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.body = b.data;
	r.chunk = 40;
	r.fail = ERR_NETWORK;
	r.fail_after = 400;
	fake_http_push(e.f, &r);
	push_phones(&e, 0, 4, "HQ");
	push_phones(&e, 4, 2, "HQ");
	assert_int_equal(axl_list_phones(e.c, "HQ", NULL, on_phone, &e, &err),
	    0);
	assert_int_equal(e.f->nreqs, 3);
	assert_non_null(strstr(e.f->reqs[1].body,
	    "<skip>0</skip><first>4</first>"));
	assert_non_null(strstr(e.f->reqs[2].body,
	    "<skip>4</skip><first>4</first>"));
	/* Phones of the cut page that came in full do not come again. */
	assert_int_equal(e.nseen, 6);
	assert_int_equal(count_substr(e.seen.data, "SEP000000000005|"), 1);
	assert_int_equal(e.clk.nsleeps, 0);
	assert_int_equal(e.stats.retries, 1);
	/* The next read of the run starts with the page that got through. */
	push_phones(&e, 0, 1, "BR");
	assert_int_equal(axl_list_phones(e.c, "BR", NULL, on_phone, &e, &err),
	    0);
	assert_non_null(strstr(e.f->reqs[3].body,
	    "<skip>0</skip><first>4</first>"));
	buf_free(&b, 0);
	env_close(&e);
}

/*
 * The smaller page a re-paged read got through with is where the next
 * pool's read starts: no second "too large" per pool.  listPhone and
 * executeSQLQuery remember theirs apart.
 */
static void
test_repaged_size_kept_for_next_pool(void **state)
{
	struct env e;
	struct axl_inventory_info info;
	struct lsc_err err;

	(void)state;
	env_open(&e, "14.0", 10);
	push_too_large(&e, "listPhone", 5);
	push_phones(&e, 0, 4, "HQ");
	push_phones(&e, 4, 1, "HQ");
	push_phones(&e, 10, 3, "BR");
	assert_int_equal(axl_list_phones(e.c, "HQ", NULL, on_phone, &e, &err),
	    0);
	assert_int_equal(axl_list_phones(e.c, "BR", NULL, on_phone, &e, &err),
	    0);
	assert_int_equal(e.nseen, 8);
	assert_int_equal(e.f->nreqs, 4);
	assert_non_null(strstr(e.f->reqs[0].body,
	    "<skip>0</skip><first>10</first>"));
	assert_non_null(strstr(e.f->reqs[1].body,
	    "<skip>0</skip><first>4</first>"));
	/* The second pool's first request already asks the smaller page. */
	assert_non_null(strstr(e.f->reqs[3].body, "<devicePoolName>BR"
	    "</devicePoolName>"));
	assert_non_null(strstr(e.f->reqs[3].body,
	    "<skip>0</skip><first>4</first>"));
	assert_int_equal(e.stats.faults, 1);

	/* The inventory starts at its own page, and keeps its own cap. */
	push_count(&e, 100);
	push_too_large(&e, "executeSQLQuery", 3);
	push_rows(&e, 0, 1, 0);
	push_count(&e, 100);
	push_reply(&e, "executeSQLQuery", "14.0", "<return/>");
	assert_int_equal(inventory(&e, "HQ", NULL, &info, &err), 0);
	assert_int_equal(inventory(&e, "BR", NULL, &info, &err), 0);
	assert_int_equal(e.f->nreqs, 9);
	assert_non_null(strstr(e.f->reqs[5].body, "SELECT FIRST 10 "));
	assert_non_null(strstr(e.f->reqs[6].body, "SELECT FIRST 2 "));
	assert_non_null(strstr(e.f->reqs[8].body, "SELECT FIRST 2 "));
	assert_non_null(strstr(e.f->reqs[8].body,
	    "dp.name IN (&apos;BR&apos;)"));

	/* And listPhone is still where it was. */
	push_phones(&e, 0, 0, "HQ");
	assert_int_equal(axl_list_phones(e.c, "HQ", NULL, on_phone, &e, &err),
	    0);
	assert_non_null(strstr(e.f->reqs[9].body,
	    "<skip>0</skip><first>4</first>"));
	assert_int_equal(e.stats.faults, 2);
	assert_int_equal(e.stats.retries, 2);
	assert_int_equal(fake_http_remaining(e.f), 0);
	env_close(&e);
}

/* --- the inventory (executeSQLQuery) ------------------------------------ */

#define INV_COLS "d.name AS n, d.description AS e, d.lscissuername AS i, " \
	"CASE dp.name WHEN 'HQ''; DROP TABLE device; --' THEN 0 END || '|' || " \
	"d.tkmodel || '|' || d.tkcertificateoperation || '|' || " \
	"d.tkcertificatestatus || '|' || NVL(d.lscvaliduntil, 0) || '|' || " \
	"NVL(rd.lastseen, 0) || '|' || NVL(d.upgradefinishtime, '') || '|' || " \
	"NVL(rd.lastknownipaddress, '') || '|' || NVL(rd.lastknownucm, '') AS x"
#define INV_FROM " FROM device d INNER JOIN devicepool dp ON " \
	"d.fkdevicepool = dp.pkid LEFT OUTER JOIN registrationdynamic rd ON " \
	"rd.fkdevice = d.pkid"
#define INV_COUNT "SELECT 1 AS kind, enum, name FROM " \
	"typecertificateoperation UNION ALL SELECT 2, enum, name FROM " \
	"typecertificatestatus UNION ALL SELECT 3, enum, name FROM typemodel " \
	"UNION ALL SELECT 0, COUNT(*), ''"

#define HOSTILE "HQ'; DROP TABLE device; --"

static void
test_inventory_sql_is_exact(void **state)
{
	struct axl_inventory_info info;
	struct env e;
	struct lsc_err err;
	char	*sql;

	(void)state;
	env_open(&e, "14.0", 0);
	push_count(&e, 3);
	push_fixture(&e, 200, "axl/executeSQLQuery-inventory.xml");
	assert_int_equal(inventory(&e, HOSTILE, "SEP\\'%;--", &info, &err),
	    0);
	sql = element_text(e.f->reqs[0].body, "sql");
	assert_string_equal(sql, INV_COUNT INV_FROM
	    " WHERE d.tkclass = 1 AND ((dp.name IN ('HQ''; DROP TABLE device;"
	    " --') AND UPPER(d.name) LIKE UPPER('SEP\\''%;--')))");
	free(sql);
	/* one row more than counted: the short page ends the stream */
	sql = element_text(e.f->reqs[1].body, "sql");
	assert_string_equal(sql, "SELECT FIRST 4 " INV_COLS INV_FROM
	    " WHERE d.tkclass = 1 AND ((dp.name IN ('HQ''; DROP TABLE device;"
	    " --') AND UPPER(d.name) LIKE UPPER('SEP\\''%;--'))) ORDER BY "
	    "d.name");
	free(sql);
	assert_string_equal(e.seen.data,
	    "SEP001122334455|Lobby & Reception|Cisco 8845|" HOSTILE "|No "
	    "Pending Operation|Upgrade Success||1893456000|CN=CAPF-1a2b3c4d,"
	    "OU=VTG,O=Example,C=US|10.1.2.3|cucm-sub1|1764230400\n"
	    "SEP00AABBCCDDEE||Cisco 7841|" HOSTILE "|Install/Upgrade|Operation "
	    "Pending|2026:12:01:18:00|0|(null)|(null)|(null)|0\n"
	    "SEPAABBCCDDEEFF|Lab|Cisco 8811|" HOSTILE "|No Pending Operation|"
	    "None||"
	    "1767225600|CN=Enterprise Issuing CA 2,O=Example|10.1.2.9|"
	    "cucm-sub2|1764000000\n");
	assert_int_equal(info.expected, 3);
	assert_int_equal(info.read, 3);
	assert_false(info.fallback);
	assert_int_equal(e.f->nreqs, 2);
	env_close(&e);

	/* Control characters never reach the server. */
	env_open(&e, "14.0", 0);
	assert_int_equal(inventory(&e, "HQ\n; DROP", NULL, &info, &err), -1);
	assert_int_equal(err.kind, ERR_CONFIG);
	assert_int_equal(e.f->nreqs, 0);
	env_close(&e);
}

/* Pools without a pattern in one IN list, one term per pattern; a pool
 * list longer than a statement holds is read in several. */
static void
test_inventory_selectors(void **state)
{
	static const struct axl_selector sel[] = {
		{ "A", NULL }, { "B", "SEP%" }, { "C", "SEP%" }, { "D", "CSF%" },
		{ "E", NULL },
	};
	struct axl_selector many[150];
	char	 names[150][8];
	struct axl_inventory_info info;
	struct env e;
	struct lsc_err err;
	char	*sql;

	(void)state;
	env_open(&e, "14.0", 0);
	push_count(&e, 0);
	push_reply(&e, "executeSQLQuery", "14.0", "<return/>");
	assert_int_equal(axl_inventory(e.c, sel, 5, on_phone, NULL, &e, &info,
	    &err), 0);
	sql = element_text(e.f->reqs[1].body, "sql");
	assert_non_null(strstr(sql, " WHERE d.tkclass = 1 AND (dp.name IN "
	    "('A', 'E') OR (dp.name IN ('B', 'C') AND UPPER(d.name) LIKE "
	    "UPPER('SEP%')) OR (dp.name IN ('D') AND UPPER(d.name) LIKE "
	    "UPPER('CSF%'))) ORDER BY d.name"));
	free(sql);
	env_close(&e);

	env_open(&e, "14.0", 0);
	for (unsigned i = 0; i < 150; i++) {
		snprintf(names[i], sizeof(names[i]), "P%03u", i);
		many[i].pool = names[i];
		many[i].name_like = NULL;
	}
	push_count(&e, 1);
	push_rows(&e, 0, 1, 1);
	push_count(&e, 1);
	push_rows(&e, 1, 1, 20);
	assert_int_equal(axl_inventory(e.c, many, 150, on_phone, NULL, &e,
	    &info, &err), 0);
	assert_int_equal(e.f->nreqs, 4);
	assert_non_null(strstr(e.f->reqs[1].body, "&apos;P099&apos;)"));
	assert_null(strstr(e.f->reqs[1].body, "P100"));
	assert_non_null(strstr(e.f->reqs[3].body, "(&apos;P100&apos;,"));
	assert_int_equal(info.expected, 2);
	assert_int_equal(e.nseen, 2);
	env_close(&e);
}

static void
test_inventory_twins(void **state)
{
	struct axl_inventory_info info;
	struct env e;
	struct lsc_err err;

	(void)state;
	env_open(&e, "14.0", 0);
	push_count(&e, 3);
	push_fixture(&e, 200, "axl/executeSQLQuery-inventory.bad-number.xml");
	assert_int_equal(inventory(&e, "HQ", NULL, &info, &err), -1);
	assert_int_equal(err.kind, ERR_PARSE);
	assert_string_equal(err.msg, "executeSQLQuery: SEPAABBCCDDEEFF: "
	    "lscvaliduntil \"2026-01-01\" is not a number");
	env_close(&e);

	env_open(&e, "14.0", 0);
	push_count(&e, 3);
	push_fixture(&e, 200, "axl/executeSQLQuery-inventory.truncated.xml");
	assert_int_equal(inventory(&e, "HQ", NULL, &info, &err), -1);
	assert_int_equal(err.kind, ERR_PARSE);
	assert_non_null(strstr(err.msg, "executeSQLQuery: reply truncated "
	    "(XML parse error at line "));
	assert_int_equal(e.f->nreqs, 2);
	env_close(&e);

	/* a count that is not one */
	env_open(&e, "14.0", 0);
	push_reply(&e, "executeSQLQuery", "14.0", "<return><row><kind>0"
	    "</kind><enum>many</enum></row></return>");
	assert_int_equal(inventory(&e, "HQ", NULL, &info, &err), -1);
	assert_int_equal(err.kind, ERR_PARSE);
	assert_string_equal(err.msg, "executeSQLQuery: the count or type row "
	    "(0, many) is not two numbers");
	env_close(&e);
}

/* Page after page by key: each asks for the names after the last one
 * delivered, sized from the bytes a row took. */
static void
test_inventory_pages(void **state)
{
	struct axl_inventory_info info;
	struct env e;
	struct lsc_err err;
	const char *first;
	unsigned long n;

	(void)state;
	env_open(&e, "14.0", 2);
	push_count(&e, 30000);
	push_rows(&e, 0, 2, 0);
	push_rows(&e, 2, 1, 0);
	assert_int_equal(inventory(&e, "HQ", NULL, &info, &err), 0);
	assert_int_equal(e.nseen, 3);
	assert_non_null(strstr(e.f->reqs[1].body, "SELECT FIRST 2 "));
	assert_null(strstr(e.f->reqs[1].body, "d.name &gt;"));
	assert_non_null(strstr(e.f->reqs[2].body, "AND d.name &gt; "
	    "&apos;SEP000000000001&apos; ORDER BY d.name"));
	/* the second page holds what fits in 2 MB at the size seen */
	assert_non_null(first = strstr(e.f->reqs[2].body, "SELECT FIRST "));
	n = strtoul(first + 13, NULL, 10);
	assert_true(n > 1000 && n <= 20000);
	assert_int_equal(fake_http_remaining(e.f), 0);
	env_close(&e);

	/* The last page asks one row more than the count leaves: exactly
	 * a page of phones costs no empty page after it, and a phone
	 * added since the count fills the extra row and asks again. */
	env_open(&e, "14.0", 2);
	push_count(&e, 4);
	push_rows(&e, 0, 2, 0);
	push_rows(&e, 2, 2, 0);
	assert_int_equal(inventory(&e, "HQ", NULL, &info, &err), 0);
	assert_int_equal(e.nseen, 4);
	assert_non_null(strstr(e.f->reqs[2].body, "SELECT FIRST 3 "));
	assert_int_equal(e.f->nreqs, 3);
	env_close(&e);
	env_open(&e, "14.0", 2);
	push_count(&e, 2);
	push_rows(&e, 0, 3, 0);	/* FIRST 3: full, one added since */
	push_reply(&e, "executeSQLQuery", "14.0", "<return/>");
	assert_int_equal(inventory(&e, "HQ", NULL, &info, &err), 0);
	assert_int_equal(e.nseen, 3);
	assert_non_null(strstr(e.f->reqs[1].body, "SELECT FIRST 3 "));
	assert_non_null(strstr(e.f->reqs[2].body, "SELECT FIRST 1 "));
	assert_int_equal(e.f->nreqs, 3);
	env_close(&e);
}

/* A page refused as too large, or cut mid-way, is asked again after the
 * last phone delivered, smaller; no phone comes twice. */
static void
test_inventory_resumes_after_the_last_phone(void **state)
{
	struct axl_inventory_info info;
	struct fake_reply r;
	struct env e;
	struct lsc_err err;
	char	*page;

	(void)state;
	env_open(&e, "14.0", 4);
	push_count(&e, 6);
	push_rows(&e, 0, 4, 0);
	push_too_large(&e, "executeSQLQuery", 3);
	/* two phones, then the connection drops inside the third */
	page = strdup(ENV_OPEN "<ns:executeSQLQueryResponse xmlns:ns=\"http://"
	    "www.cisco.com/AXL/API/14.0\"><return><row><n>SEP000000000004</n>"
	    "<x>0|622|1|1|4|0|||</x></row><row><n>SEP000000000005</n>"
	    "<x>0|622|1|1|5|0|||</x></row><row><n>SEP0000");
	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.body = page;
	r.fail = ERR_NETWORK;
	r.fail_after = strlen(page);
	fake_http_push(e.f, &r);
	free(page);
	push_rows(&e, 6, 0, 0);
	assert_int_equal(inventory(&e, "HQ", NULL, &info, &err), 0);
	assert_int_equal(e.nseen, 6);
	assert_int_equal(e.f->nreqs, 5);
	assert_non_null(strstr(e.f->reqs[2].body, "&gt; &apos;SEP000000000003"
	    "&apos;"));
	assert_non_null(strstr(e.f->reqs[3].body, "SELECT FIRST 2 "));
	assert_non_null(strstr(e.f->reqs[3].body, "&gt; &apos;SEP000000000003"
	    "&apos;"));
	assert_non_null(strstr(e.f->reqs[4].body, "SELECT FIRST 1 "));
	assert_non_null(strstr(e.f->reqs[4].body, "&gt; &apos;SEP000000000005"
	    "&apos;"));
	assert_int_equal(count_substr(e.seen.data, "SEP000000000005|"), 1);
	env_close(&e);
}

/* A cluster that keeps sending rows, or sends one again, stops the read. */
static void
test_inventory_bounded(void **state)
{
	struct axl_inventory_info info;
	struct env e;
	struct lsc_err err;
	int	 i;

	(void)state;
	env_open(&e, "14.0", 100);
	push_count(&e, 10);
	for (i = 0; i < 3; i++)
		push_rows(&e, i * 100, 100, 0);
	assert_int_equal(inventory(&e, "HQ", NULL, &info, &err), -1);
	assert_int_equal(err.kind, ERR_PARSE);
	assert_string_equal(err.msg, "executeSQLQuery: CUCM sent more than "
	    "111 phones although it counted 10: read stopped");
	env_close(&e);

	env_open(&e, "14.0", 2);
	push_count(&e, 4);
	push_rows(&e, 0, 2, 0);
	push_rows(&e, 1, 2, 0);
	assert_int_equal(inventory(&e, "HQ", NULL, &info, &err), -1);
	assert_int_equal(err.kind, ERR_PARSE);
	assert_string_equal(err.msg, "executeSQLQuery: CUCM sent "
	    "SEP000000000001 again (rows after it were asked for)");
	env_close(&e);
}

/* A row CUCM cannot have sent: an enum the type tables do not name, a pool
 * not asked for, values missing from x. */
static void
test_inventory_bad_rows(void **state)
{
	static const struct {
		const char *x, *msg;
	} bad[] = {
		{ "0|622|1|99|0|0|||", "SEP000000000000: enum \"99\" is not in "
		    "typecertificatestatus" },
		{ "0|9999|1|1|0|0|||", "SEP000000000000: enum \"9999\" is not "
		    "in typemodel" },
		{ "0|622|-1|1|0|0|||", "SEP000000000000: enum \"-1\" is not in "
		    "typecertificateoperation" },
		{ "1|622|1|1|0|0|||", "SEP000000000000: device pool \"1\" is "
		    "not one asked for" },
		{ "0|622|1|1|0|0", "SEP000000000000: column x \"0|622|1|1|0|0\" "
		    "holds 6 values, not 9" },
		{ "", "SEP000000000000: column x is empty" },
	};
	struct axl_inventory_info info;
	struct env e;
	struct lsc_err err;
	char	 row[256], msg[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		env_open(&e, "14.0", 0);
		push_count(&e, 1);
		snprintf(row, sizeof(row), "<return><row><n>SEP000000000000</n>"
		    "<x>%s</x></row></return>", bad[i].x);
		push_reply(&e, "executeSQLQuery", "14.0", row);
		assert_int_equal(inventory(&e, "HQ", NULL, &info, &err), -1);
		assert_int_equal(err.kind, ERR_PARSE);
		snprintf(msg, sizeof(msg), "executeSQLQuery: %s", bad[i].msg);
		assert_string_equal(err.msg, msg);
		assert_int_equal(e.nseen, 0);
		env_close(&e);
	}
}

/* SQL refused before a phone came: listPhone, no LSC data, said once. */
static void
test_inventory_falls_back_to_listphone(void **state)
{
	static const struct axl_selector sel[] = {
		{ "HQ", NULL }, { "BR", "SEP%" }
	};
	struct axl_inventory_info info;
	struct env e;
	struct lsc_err err;

	(void)state;
	env_open(&e, "14.0", 0);
	push_count(&e, 2);
	fake_http_push_body(e.f, 500, ENV_OPEN "<soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>"
	    "Column (lscvaliduntil) not found in any table in the query (or "
	    "SLV is undefined).</faultstring><detail><axlError><axlcode>-217"
	    "</axlcode><axlmessage>Column (lscvaliduntil) not found in any "
	    "table in the query (or SLV is undefined).</axlmessage><request>"
	    "executeSQLQuery</request></axlError></detail></soapenv:Fault>"
	    ENV_CLOSE, FAKE_CHUNK_RANDOM);
	push_phones(&e, 0, 2, "HQ");
	push_phones(&e, 2, 1, "BR");
	assert_int_equal(axl_inventory(e.c, sel, 2, on_phone, NULL, &e, &info,
	    &err), 0);
	assert_true(info.fallback);
	assert_non_null(strstr(info.why, "Column (lscvaliduntil) not found"));
	assert_int_equal(e.nseen, 3);
	assert_non_null(strstr(e.f->reqs[3].body, "<name>SEP%</name>"
	    "<devicePoolName>BR</devicePoolName>"));
	/* no LSC fields from listPhone */
	assert_null(strstr(e.seen.data, "(null)"));
	env_close(&e);

	/* After a phone came, a fault is a failure, not a fallback. */
	env_open(&e, "14.0", 1);
	push_count(&e, 2);
	push_rows(&e, 0, 1, 0);
	push_fixture(&e, 500, "axl/fault-sql-691.xml");
	assert_int_equal(inventory(&e, "HQ", NULL, &info, &err), -1);
	assert_int_equal(err.kind, ERR_FAULT);
	assert_false(info.fallback);
	env_close(&e);
}

static void
test_pool_exists(void **state)
{
	struct env e;
	struct lsc_err err;
	int	 ex = -1;
	char	*sql;

	(void)state;
	env_open(&e, "14.0", 0);
	push_reply(&e, "executeSQLQuery", "14.0",
	    "<return><row><name>HQ</name></row></return>");
	push_reply(&e, "executeSQLQuery", "14.0", "<return/>");
	assert_int_equal(axl_pool_exists(e.c, "HQ", &ex, &err), 0);
	assert_int_equal(ex, 1);
	sql = element_text(e.f->reqs[0].body, "sql");
	assert_string_equal(sql, "SELECT name FROM devicepool WHERE name = "
	    "'HQ'");
	free(sql);
	assert_int_equal(axl_pool_exists(e.c, "Nope", &ex, &err), 0);
	assert_int_equal(ex, 0);
	env_close(&e);
}

/* --- writes -------------------------------------------------------------- */

static void
test_update_capf_schema_order(void **state)
{
	struct axl_capf capf = {
		"Install/Upgrade", "By Authentication String", "123456",
		"EC Preferred, RSA Backup", "2048", "384", "2026:12:01:18:00"
	};
	struct env e;
	struct lsc_err err;

	(void)state;
	env_open(&e, "14.0", 0);
	push_fixture(&e, 200, "axl/updatePhone-ok.xml");
	assert_int_equal(axl_update_capf(e.c, "SEP001122334455", &capf, &err),
	    0);
	/* UpdatePhoneReq (AXLSoap.xsd 14.0 lines 16682-16708). */
	assert_non_null(strstr(e.f->reqs[0].body,
	    "<ns:updatePhone sequence=\"1\"><name>SEP001122334455</name>"
	    "<certificateOperation>Install/Upgrade</certificateOperation>"
	    "<authenticationMode>By Authentication String"
	    "</authenticationMode><keySize>2048</keySize><keyOrder>EC "
	    "Preferred, RSA Backup</keyOrder><ecKeySize>384</ecKeySize>"
	    "<authenticationString>123456</authenticationString>"
	    "<upgradeFinishTime>2026:12:01:18:00</upgradeFinishTime>"
	    "</ns:updatePhone>"));
	assert_string_equal(e.f->reqs[0].soapaction,
	    "CUCM:DB ver=14.0 updatePhone");
	env_close(&e);

	/* Unset fields are not sent at all. */
	env_open(&e, "14.0", 0);
	push_fixture(&e, 200, "axl/updatePhone-ok.xml");
	capf.auth_mode = "By Null String";
	capf.auth_string = capf.key_order = capf.key_size = NULL;
	capf.ec_key_size = NULL;
	assert_int_equal(axl_update_capf(e.c, "SEP001122334455", &capf, &err),
	    0);
	assert_non_null(strstr(e.f->reqs[0].body, "<name>SEP001122334455"
	    "</name><certificateOperation>Install/Upgrade"
	    "</certificateOperation><authenticationMode>By Null String"
	    "</authenticationMode><upgradeFinishTime>2026:12:01:18:00"
	    "</upgradeFinishTime></ns:updatePhone>"));

	capf.finish_time = "2026-12-01 18:00";
	assert_int_equal(axl_update_capf(e.c, "SEP001122334455", &capf, &err),
	    -1);
	assert_int_equal(err.kind, ERR_USAGE);
	assert_string_equal(err.msg, "SEP001122334455: updatePhone: "
	    "upgradeFinishTime \"2026-12-01 18:00\" is not YYYY:MM:DD:HH:MM");
	assert_int_equal(e.f->nreqs, 1);
	env_close(&e);
}

static void
test_update_wrong_element_and_notfound(void **state)
{
	struct axl_capf capf = { "Install/Upgrade", NULL, NULL, NULL, NULL,
	    NULL, NULL };
	struct env e;
	struct lsc_err err;

	(void)state;
	env_open(&e, "14.0", 0);
	push_fixture(&e, 200, "axl/updatePhone-ok.wrong-element.xml");
	push_fixture(&e, 500, "axl/fault-notfound-5007.xml");
	push_fixture(&e, 500, "axl/fault-sql-691.xml");
	assert_int_equal(axl_update_capf(e.c, "SEP001122334455", &capf, &err),
	    -1);
	assert_int_equal(err.kind, ERR_PARSE);
	assert_string_equal(err.msg, "SEP001122334455: updatePhone: "
	    "unexpected reply element getPhoneResponse (expected "
	    "updatePhoneResponse)");

	assert_int_equal(axl_update_capf(e.c, "SEP001122334455", &capf, &err),
	    -1);
	assert_int_equal(err.kind, ERR_NOTFOUND);
	assert_int_equal(err.axl_code, 5007);
	assert_string_equal(err.msg, "SEP001122334455: updatePhone: Item not "
	    "valid: The specified Phone was not found");

	assert_int_equal(axl_update_capf(e.c, "SEP001122334455", &capf, &err),
	    -1);
	assert_int_equal(err.kind, ERR_FAULT);
	assert_int_equal(err.axl_code, -691);
	/* Faults are final: one request each. */
	assert_int_equal(e.f->nreqs, 3);
	assert_int_equal(e.stats.faults, 2);
	assert_int_equal(e.clk.nsleeps, 0);
	env_close(&e);
}

static void
test_notify(void **state)
{
	static const struct {
		enum axl_notify how;
		const char *op;
	} cases[] = {
		{ AXL_NOTIFY_APPLY, "applyPhone" },
		{ AXL_NOTIFY_RESTART, "restartPhone" },
		{ AXL_NOTIFY_RESET, "resetPhone" },
	};
	struct env e;
	struct lsc_err err;
	char	 want[128];
	size_t	 i;

	(void)state;
	env_open(&e, "15.0", 0);
	for (i = 0; i < 3; i++) {
		push_reply(&e, cases[i].op, "15.0", "<return>true</return>");
		assert_int_equal(axl_notify_phone(e.c, "SEP001122334455",
		    cases[i].how, &err), 0);
		snprintf(want, sizeof(want), "<ns:%s sequence=\"%zu\"><name>"
		    "SEP001122334455</name></ns:%s>", cases[i].op, i + 1,
		    cases[i].op);
		assert_non_null(strstr(e.f->reqs[i].body, want));
	}
	assert_int_equal(e.stats.calls[AXL_OP_APPLYPHONE], 1);
	assert_int_equal(e.stats.calls[AXL_OP_RESTARTPHONE], 1);
	assert_int_equal(e.stats.calls[AXL_OP_RESETPHONE], 1);
	push_fixture(&e, 200, "axl/applyPhone-ok.empty.xml");
	assert_int_equal(axl_notify_phone(e.c, "SEP001122334455",
	    AXL_NOTIFY_APPLY, &err), -1);
	assert_string_equal(err.msg, "SEP001122334455: applyPhone: empty "
	    "reply");
	env_close(&e);
}

static void
test_can_write(void **state)
{
	struct env e;
	struct lsc_err err;
	int	 can = -1;

	(void)state;
	env_open(&e, "14.0", 0);
	push_fixture(&e, 500, "axl/fault-notfound-5007.xml");
	push_status(&e, 401, -1);
	push_fixture(&e, 500, "axl/fault-sql-691.xml");
	assert_int_equal(axl_can_write(e.c, &can, &err), 0);
	assert_int_equal(can, 1);
	assert_non_null(strstr(e.f->reqs[0].body, "<ns:updatePhone sequence="
	    "\"1\"><name>LSCRENEW-WRITE-PROBE-NO-SUCH-DEVICE</name>"
	    "</ns:updatePhone>"));
	assert_int_equal(axl_can_write(e.c, &can, &err), 0);
	assert_int_equal(can, 0);
	assert_int_equal(axl_can_write(e.c, &can, &err), -1);
	assert_int_equal(err.kind, ERR_FAULT);
	assert_int_equal(e.f->nreqs, 3);
	env_close(&e);
}

/* --- retries ------------------------------------------------------------- */

/*
 * Requests the transport sent twice (libcurl's retry on a dead kept-alive
 * connection, a re-authentication) reached the cluster: they are calls in
 * the run summary, or it disagrees with the cluster's own counters.  Reads
 * may be resent; writes are marked so the transport never resends them.
 */
static void
test_resent_requests_counted(void **state)
{
	struct axl_capf capf = { "Install/Upgrade", NULL, NULL, NULL, NULL,
	    NULL, NULL };
	struct fake_reply r;
	struct env e;
	struct lsc_err err;
	char	*body;

	(void)state;
	env_open(&e, "14.0", 10);
	memset(&r, 0, sizeof(r));
	r.status = 200;
	body = reply("listPhone", "14.0", "<return/>");
	r.body = body;
	r.resent = 1;
	fake_http_push(e.f, &r);
	free(body);
	assert_int_equal(axl_list_phones(e.c, "HQ", NULL, on_phone, &e, &err),
	    0);
	assert_int_equal(e.stats.calls[AXL_OP_LISTPHONE], 2);
	assert_int_equal(e.stats.retries, 1);
	assert_false(e.f->reqs[0].no_resend);

	push_reply(&e, "updatePhone", "14.0", "<return>{X}</return>");
	assert_int_equal(axl_update_capf(e.c, "SEP001122334455", &capf, &err),
	    0);
	assert_true(e.f->reqs[1].no_resend);
	push_reply(&e, "applyPhone", "14.0", "<return>{X}</return>");
	assert_int_equal(axl_notify_phone(e.c, "SEP001122334455",
	    AXL_NOTIFY_APPLY, &err), 0);
	assert_true(e.f->reqs[2].no_resend);
	assert_int_equal(e.stats.calls[AXL_OP_UPDATEPHONE], 1);
	assert_int_equal(e.stats.retries, 1);
	env_close(&e);
}

static void
test_write_503_bounded_attempts(void **state)
{
	struct axl_capf capf = { "Install/Upgrade", NULL, NULL, NULL, NULL,
	    NULL, NULL };
	struct env e;
	struct lsc_err err;
	int	 i;

	(void)state;
	env_open(&e, "14.0", 0);
	for (i = 0; i < 6; i++)
		push_status(&e, 503, -1);
	assert_int_equal(axl_update_capf(e.c, "SEP001122334455", &capf, &err),
	    -1);
	assert_int_equal(err.kind, ERR_THROTTLED);
	assert_string_equal(err.msg, "SEP001122334455: updatePhone: HTTP 503 "
	    "(AXL write throttled) after 5 attempts");
	/* Five attempts, four waits: none after the last attempt. */
	assert_int_equal(e.f->nreqs, 5);
	assert_int_equal(e.clk.nsleeps, 4);
	assert_int_equal(e.stats.calls[AXL_OP_UPDATEPHONE], 5);
	assert_int_equal(e.stats.retries, 4);
	assert_int_equal(e.stats.slept_ms, fake_clock_total(&e.clk));
	assert_int_equal(e.clk.c.slept_ms, fake_clock_total(&e.clk));
	/* Growing waits, each within the cap. */
	for (i = 1; i < 4; i++) {
		assert_true(e.clk.sleeps[i] > e.clk.sleeps[i - 1]);
		assert_true(e.clk.sleeps[i] <= 30000);
	}
	env_close(&e);
}

static void
test_backoff_budget(void **state)
{
	struct axl_options o;
	struct fake_http *f = fake_http_new();
	struct fake_clock clk;
	struct axl_stats st;
	struct axl_client *c;
	struct lsc_err err;
	int	 i, ex;

	(void)state;
	fake_clock_init(&clk);
	clk.rnd = 0.99;
	memset(&o, 0, sizeof(o));
	memset(&st, 0, sizeof(st));
	o.url = URL;
	o.version = "14.0";
	o.retry.attempts = 20;
	o.retry.base_ms = 1000;
	o.retry.cap_ms = 4000;
	o.retry.budget_ms = 10000;
	o.clock = &clk.c;
	o.stats = &st;
	c = axl_new(&f->t, &o, &err);
	for (i = 0; i < 20; i++)
		fake_http_push_fail(f, ERR_NETWORK, 0);
	assert_int_equal(axl_pool_exists(c, "HQ", &ex, &err), -1);
	assert_int_equal(err.kind, ERR_NETWORK);
	/* Never more than the budget, never a sleep after the last try. */
	assert_int_equal(fake_clock_total(&clk), 10000);
	assert_int_equal(f->nreqs, clk.nsleeps + 1);
	assert_true(f->nreqs < 20);
	assert_non_null(strstr(err.msg, "after "));
	axl_free(c);
	http_free(&f->t);
}

static void
test_retry_after_honoured(void **state)
{
	struct env e;
	struct lsc_err err;
	int	 ex;

	(void)state;
	env_open(&e, "14.0", 0);
	push_status(&e, 503, 20);
	push_status(&e, 503, 3600);
	push_reply(&e, "executeSQLQuery", "14.0", "<return/>");
	assert_int_equal(axl_pool_exists(e.c, "HQ", &ex, &err), 0);
	assert_int_equal(e.clk.nsleeps, 2);
	assert_int_equal(e.clk.sleeps[0], 20000);	/* as asked */
	assert_int_equal(e.clk.sleeps[1], 30000);	/* capped */
	env_close(&e);
}

static void
test_write_not_retried_when_ambiguous(void **state)
{
	struct axl_capf capf = { "Install/Upgrade", NULL, NULL, NULL, NULL,
	    NULL, NULL };
	struct env e;
	struct lsc_err err;

	(void)state;
	env_open(&e, "14.0", 0);
	/* Connected, request sent, connection reset: maybe applied. */
	fake_http_push_fail(e.f, ERR_NETWORK, 0);
	push_fixture(&e, 200, "axl/updatePhone-ok.xml");
	assert_int_equal(axl_update_capf(e.c, "SEP001122334455", &capf, &err),
	    -1);
	assert_int_equal(err.kind, ERR_NETWORK);
	assert_string_equal(err.msg, "SEP001122334455: updatePhone: "
	    "cucm.example: fake network failure");
	assert_int_equal(e.f->nreqs, 1);
	assert_int_equal(e.clk.nsleeps, 0);
	env_close(&e);

	/* Never connected: provably not applied, so resent. */
	env_open(&e, "14.0", 0);
	fake_http_push_fail(e.f, ERR_NETWORK, 1);
	push_fixture(&e, 200, "axl/updatePhone-ok.xml");
	assert_int_equal(axl_update_capf(e.c, "SEP001122334455", &capf, &err),
	    0);
	assert_int_equal(e.f->nreqs, 2);
	env_close(&e);

	/* The memory fault is not applied either. */
	env_open(&e, "14.0", 0);
	push_fixture(&e, 500, "axl/fault-max-memory.xml");
	push_fixture(&e, 200, "axl/updatePhone-ok.xml");
	assert_int_equal(axl_update_capf(e.c, "SEP001122334455", &capf, &err),
	    0);
	assert_int_equal(e.f->nreqs, 2);
	assert_int_equal(e.stats.faults, 1);
	env_close(&e);

	/* A TLS failure is not retried (it will not heal by itself). */
	env_open(&e, "14.0", 0);
	fake_http_push_fail(e.f, ERR_TLS, 1);
	assert_int_equal(axl_update_capf(e.c, "SEP001122334455", &capf, &err),
	    -1);
	assert_int_equal(err.kind, ERR_TLS);
	assert_int_equal(e.f->nreqs, 1);
	env_close(&e);
}

static void
test_read_retried_on_network(void **state)
{
	struct axl_inventory_info info;
	struct env e;
	struct lsc_err err;

	(void)state;
	env_open(&e, "14.0", 0);
	fake_http_push_fail(e.f, ERR_NETWORK, 0);
	push_fixture(&e, 500, "axl/fault-max-memory.xml");
	push_count(&e, 3);
	push_fixture(&e, 200, "axl/executeSQLQuery-inventory.xml");
	assert_int_equal(inventory(&e, "HQ", NULL, &info, &err), 0);
	assert_int_equal(e.nseen, 3);
	assert_int_equal(e.f->nreqs, 4);
	assert_int_equal(e.clk.nsleeps, 2);
	assert_int_equal(e.stats.retries, 2);
	env_close(&e);
}

static void
test_http_errors(void **state)
{
	struct env e;
	struct lsc_err err;

	(void)state;
	env_open(&e, "14.0", 0);
	push_status(&e, 401, -1);
	push_status(&e, 404, -1);
	assert_int_equal(axl_list_phones(e.c, "HQ", NULL, on_phone, &e, &err),
	    -1);
	assert_int_equal(err.kind, ERR_AUTH);
	assert_string_equal(err.msg, "listPhone: HTTP 401: the AXL account was"
	    " refused (check username/password and the Standard AXL API "
	    "Access role)");
	assert_int_equal(axl_list_phones(e.c, "HQ", NULL, on_phone, &e, &err),
	    -1);
	assert_int_equal(err.kind, ERR_HTTP);
	assert_int_equal(err.http_status, 404);
	assert_string_equal(err.msg, "listPhone: HTTP 404: <html><body>"
	    "Service Unavailable</body></html>");
	assert_int_equal(e.f->nreqs, 2);

	/* Tomcat's error page on a 500: named by its title, never retried. */
	fake_http_push_body(e.f, 500, "<!DOCTYPE html><html><head><title>"
	    "HTTP Status 500 - Internal Server Error</title></head><body><pre>"
	    "java.lang.NullPointerException</pre></body></html>",
	    FAKE_CHUNK_RANDOM);
	assert_int_equal(axl_list_phones(e.c, "HQ", NULL, on_phone, &e, &err),
	    -1);
	assert_int_equal(err.kind, ERR_HTTP);
	assert_int_equal(err.http_status, 500);
	assert_string_equal(err.msg, "listPhone: HTTP 500 (not a SOAP reply: "
	    "HTTP Status 500 - Internal Server Error)");
	assert_int_equal(e.f->nreqs, 3);
	env_close(&e);
}

static void
test_stats(void **state)
{
	struct env e;
	struct lsc_err err;
	uint64_t out = 0, in = 0;
	int	 ex;
	size_t	 i;

	(void)state;
	env_open(&e, "14.0", 0);
	e.f->clock = &e.clk;
	e.f->latency_ms = 7;
	push_status(&e, 503, 1);
	push_reply(&e, "executeSQLQuery", "14.0", "<return/>");
	assert_int_equal(axl_pool_exists(e.c, "HQ", &ex, &err), 0);
	for (i = 0; i < e.f->nreqs; i++)
		out += strlen(e.f->reqs[i].body);
	for (i = 0; i < e.f->nreplies; i++)
		in += e.f->replies[i].body_len;
	assert_int_equal(e.stats.bytes_out, out);
	assert_int_equal(e.stats.bytes_in, in);
	assert_int_equal(e.stats.calls[AXL_OP_EXECUTESQLQUERY], 2);
	assert_int_equal(e.stats.busy_ms, 14);
	assert_int_equal(e.stats.slept_ms, 1500);
	assert_int_equal(e.stats.retries, 1);
	assert_int_equal(e.stats.faults, 0);
	env_close(&e);
}

/* --- upgradeFinishTime --------------------------------------------------- */

static void
test_finish_time(void **state)
{
	static const char *const bad[] = {
		"2026:02:30:10:00", "2026:13:01:00:00", "2026:1:01:00:00",
		"2026-01-01 00:00", "2026:01:01:24:00", "2026:01:01:23:60",
		"2026:01:01:23:59x", "2100:02:29:00:00", "1969:12:31:23:59",
		"+026:01:01:00:00", "", "2026:00:10:00:00",
	};
	char	 out[32];
	int64_t	 t;
	size_t	 i;

	(void)state;
	assert_int_equal(axl_format_finish_time(0, out, sizeof(out)), 0);
	assert_string_equal(out, "1970:01:01:00:00");
	assert_int_equal(axl_format_finish_time(1764868800 + 59, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "2025:12:04:17:20");
	assert_int_equal(axl_format_finish_time(1764868800, out, 16), -1);
	assert_int_equal(axl_parse_finish_time("2025:12:04:17:20", &t), 0);
	assert_int_equal(t, 1764868800);
	assert_int_equal(axl_parse_finish_time("2028:02:29:23:59", &t), 0);
	assert_int_equal(axl_format_finish_time(t, out, sizeof(out)), 0);
	assert_string_equal(out, "2028:02:29:23:59");
	assert_int_equal(axl_parse_finish_time("2000:02:29:00:00", &t), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (axl_parse_finish_time(bad[i], &t) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(axl_parse_finish_time(NULL, &t), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_auto_picks_highest),
		cmocka_unit_test(test_connect_refusals),
		cmocka_unit_test(test_connect_after_599),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_version_agrees_everywhere),
		cmocka_unit_test(test_wrong_version_reply),
		cmocka_unit_test(test_list_phones_request_and_values),
		cmocka_unit_test(test_list_phones_escapes_pool),
		cmocka_unit_test(test_list_phones_pages),
		cmocka_unit_test(test_list_phones_keeps_exact_pool),
		cmocka_unit_test(test_list_phones_repages_on_too_large),
		cmocka_unit_test(test_list_phones_too_large_gives_up),
		cmocka_unit_test(test_list_phones_shrinks_on_drop),
		cmocka_unit_test(test_repaged_size_kept_for_next_pool),
		cmocka_unit_test(test_inventory_sql_is_exact),
		cmocka_unit_test(test_inventory_selectors),
		cmocka_unit_test(test_inventory_twins),
		cmocka_unit_test(test_inventory_pages),
		cmocka_unit_test(test_inventory_resumes_after_the_last_phone),
		cmocka_unit_test(test_inventory_bounded),
		cmocka_unit_test(test_inventory_bad_rows),
		cmocka_unit_test(test_inventory_falls_back_to_listphone),
		cmocka_unit_test(test_pool_exists),
		cmocka_unit_test(test_update_capf_schema_order),
		cmocka_unit_test(test_update_wrong_element_and_notfound),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_can_write),
		cmocka_unit_test(test_resent_requests_counted),
		cmocka_unit_test(test_write_503_bounded_attempts),
		cmocka_unit_test(test_backoff_budget),
		cmocka_unit_test(test_retry_after_honoured),
		cmocka_unit_test(test_write_not_retried_when_ambiguous),
		cmocka_unit_test(test_read_retried_on_network),
		cmocka_unit_test(test_http_errors),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_finish_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
