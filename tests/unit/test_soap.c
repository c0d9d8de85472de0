/*
 * test_soap.c — envelopes, the streaming parser, faults, hostile replies.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "axl/base/buf.h"
#include "axl/base/err.h"
#include "axl/http.h"
#include "axl/soap.h"
#include "tests/unit/fake_http.h"

#define AXL14	"http://www.cisco.com/AXL/API/14.0"
#define RISNS	"http://schemas.cisco.com/ast/soap"

/* --- envelopes ----------------------------------------------------------- */

static void
test_envelope_exact(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(soap_begin(&b, AXL14, "listPhone", 7), 0);
	assert_int_equal(soap_elem(&b, "name", "SEP%"), 0);
	assert_int_equal(soap_elem(&b, "description", NULL), 0);
	assert_int_equal(soap_end(&b, "listPhone"), 0);
	assert_string_equal(b.data,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/"
	    "soap/envelope/\" xmlns:ns=\"" AXL14 "\"><soapenv:Header/>"
	    "<soapenv:Body><ns:listPhone sequence=\"7\"><name>SEP%</name>"
	    "</ns:listPhone></soapenv:Body></soapenv:Envelope>");
	buf_free(&b, 0);

	assert_int_equal(soap_begin_ns(&b, "soap", RISNS, "selectCmDevice", 0),
	    0);
	assert_int_equal(soap_elem_ns(&b, "soap", "StateInfo", ""), 0);
	assert_int_equal(soap_end_ns(&b, "soap", "selectCmDevice"), 0);
	assert_non_null(strstr(b.data, "xmlns:soap=\"" RISNS "\""));
	assert_non_null(strstr(b.data, "<soap:selectCmDevice>"
	    "<soap:StateInfo></soap:StateInfo></soap:selectCmDevice>"));
	buf_free(&b, 0);
}

static void
test_envelope_escaping(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	soap_elem(&b, "description", "Lobby & Reception <1> \"Ana\" O'Neil");
	soap_elem(&b, "devicePoolName", "Zürich_Ünterstraße 東京");
	soap_elem(&b, "name", "a\tb\nc\rd");
	assert_false(buf_failed(&b));
	assert_string_equal(b.data,
	    "<description>Lobby &amp; Reception &lt;1&gt; &quot;Ana&quot; "
	    "O&apos;Neil</description>"
	    "<devicePoolName>Zürich_Ünterstraße 東京</devicePoolName>"
	    "<name>a&#9;b&#10;c&#13;d</name>");
	buf_free(&b, 0);
}

static void
test_envelope_refuses_bad_text(void **state)
{
	static const char *const bad[] = {
		"ctl\x01", "\x7f\x80", "over\xc0\xaflong", "trunc\xe2\x82",
		"sur\xed\xa0\x80rogate", "big\xf4\x90\x80\x80", "\xef\xbf\xbe",
		"esc\x1b[0m",
	};
	struct buf b = BUF_INIT;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&b);
		assert_int_equal(soap_elem(&b, "name", bad[i]), -1);
		assert_true(buf_failed(&b));
	}
	buf_reset(&b);
	assert_int_equal(soap_elem(&b, "bad name", "x"), -1);
	buf_reset(&b);
	assert_int_equal(soap_begin(&b, AXL14, "op\"><x", 0), -1);
	buf_reset(&b);
	assert_int_equal(soap_begin(&b, AXL14 "\"/><evil", "op", 0), 0);
	assert_non_null(strstr(b.data, "14.0&quot;/&gt;&lt;evil\""));
	buf_free(&b, 0);
}

/* --- parsing ------------------------------------------------------------- */

struct collect {
	struct buf	 out;		/* one line per record */
	size_t		 nfields;
	size_t		 ncontext;
	int		 stop_at;	/* 1-based record to fail on; 0: none */
};

static int
collect_record(void *arg, const struct soap_record *r, struct lsc_err *err)
{
	struct collect *c = arg;
	size_t	 i;

	if (c->stop_at != 0 && r->index + 1 == (size_t)c->stop_at)
		return err_set(err, ERR_STORE, "store: disk full");
	buf_printf(&c->out, "%zu", r->index);
	for (i = 0; i < c->nfields; i++)
		buf_printf(&c->out, "|%s", r->values[i] != NULL ?
		    r->values[i] : "(null)");
	for (i = 0; i < c->ncontext; i++)
		buf_printf(&c->out, "|@%s", r->context[i] != NULL ?
		    r->context[i] : "(null)");
	buf_puts(&c->out, "\n");
	return 0;
}

static const char *const phone_record[] = { "return", "phone", NULL };
static const char *const phone_fields[] = {
	"name", "@uuid", "description", "model", "devicePoolName",
	"certificateOperation", "certificateStatus", "upgradeFinishTime",
	"authenticationMode", NULL
};

static void
phone_spec(struct soap_spec *s, struct collect *c)
{
	memset(s, 0, sizeof(*s));
	memset(c, 0, sizeof(*c));
	s->ns = AXL14;
	s->response = "listPhoneResponse";
	s->record = phone_record;
	s->fields = phone_fields;
	s->on_record = collect_record;
	s->arg = c;
	c->nfields = 9;
}

/*
 * Feeds a fixture in chunks: chunk 0 is all at once, FAKE_CHUNK_RANDOM
 * 1..64 bytes.  Returns soap_parser_finish()'s result.
 */
static int
parse_data(const struct soap_spec *spec, const char *data, size_t len,
    size_t chunk, struct soap_parser **pp, struct lsc_err *err)
{
	struct soap_parser *p;
	unsigned seed = 7;
	size_t	 off, n;
	int	 rc;

	err_clear(err);
	p = soap_parser_new(spec, err);
	assert_non_null(p);
	for (off = 0; off < len; off += n) {
		if (chunk == FAKE_CHUNK_RANDOM) {
			seed = seed * 1103515245u + 12345u;
			n = 1 + ((seed >> 16) % 64);
		} else
			n = chunk ? chunk : len;
		if (n > len - off)
			n = len - off;
		if (soap_parser_feed(p, data + off, n, err) == -1)
			break;
	}
	rc = soap_parser_finish(p, err);
	if (pp != NULL)
		*pp = p;
	else
		soap_parser_free(p);
	return rc;
}

static int
parse_fixture(const struct soap_spec *spec, const char *rel, size_t chunk,
    struct soap_parser **pp, struct lsc_err *err)
{
	size_t	 len;
	char	*data = fixture_load(rel, &len);
	int	 rc;

	rc = parse_data(spec, data, len, chunk, pp, err);
	free(data);
	return rc;
}

static const size_t chunkings[] = { 0, 1, FAKE_CHUNK_RANDOM, 4096 };

static void
test_parse_list_phone_any_chunking(void **state)
{
	struct soap_spec s;
	struct collect c;
	struct lsc_err err;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(chunkings) / sizeof(chunkings[0]); i++) {
		phone_spec(&s, &c);
		assert_int_equal(parse_fixture(&s, "axl/listPhone-page.xml",
		    chunkings[i], NULL, &err), 0);
		assert_string_equal(c.out.data,
		    "0|SEP001122334455|{8E1C2A63-1F8B-4B6D-9C0E-0A1B2C3D4E5F}|"
		    "Lobby & Reception <1> \"Ana\" Müller|Cisco 8845|"
		    "HQ_Phones|No Pending Operation|Upgrade Success||"
		    "By Null String\n"
		    "1|SEP00AABBCCDDEE|{0F7E6D5C-4B3A-2918-0706-F5E4D3C2B1A0}|"
		    "|Cisco 7841|HQ_Phones|Install/Upgrade|Operation Pending|"
		    "2026:12:01:18:00|By Existing Certificate (precedence to "
		    "LSC)\n"
		    "2|SEPAABBCCDDEEFF|{11111111-2222-3333-4444-555555555555}|"
		    "(null)|Cisco 8811|HQ_Phones|No Pending Operation|None||"
		    "By Null String\n");
		buf_free(&c.out, 0);
	}
}

static void
test_parse_empty_list(void **state)
{
	struct soap_spec s;
	struct collect c;
	struct soap_parser *p;
	struct lsc_err err;

	(void)state;
	phone_spec(&s, &c);
	assert_int_equal(parse_fixture(&s, "axl/listPhone-empty.xml", 1, &p,
	    &err), 0);
	assert_int_equal(soap_parser_records(p), 0);
	soap_parser_free(p);
	assert_null(c.out.data);
}

/*
 * Markup inside a value is not a value: it is skipped, and the records
 * after it are all read (a listing once shrank to its first phone when the
 * end tags of such markup cut the element path short).  Unknown elements
 * inside a record are ignored; an element among the records that is not
 * one fails the read rather than shortening the page.
 */
static void
test_parse_markup_in_value(void **state)
{
	static const char head[] =
	    "<soapenv:Envelope xmlns:soapenv=\"" SOAP_ENV_NS "\">"
	    "<soapenv:Body><ns:listPhoneResponse xmlns:ns=\"" AXL14 "\">"
	    "<return>";
	static const char tail[] =
	    "</return></ns:listPhoneResponse></soapenv:Body>"
	    "</soapenv:Envelope>";
	static const char markup[] =
	    "<phone uuid=\"{1}\"><name>SEP000000000001</name>"
	    "<description>a<b><c/></b>z</description>"
	    "<futureTag><deeper>x</deeper></futureTag>"
	    "<model>Cisco 8845</model></phone>"
	    "<phone uuid=\"{2}\"><name>SEP000000000002</name>"
	    "<description><x/></description><model>Cisco 7841</model>"
	    "</phone>"
	    "<phone uuid=\"{3}\"><name>SEP000000000003</name></phone>";
	static const char stray[] =
	    "<phone uuid=\"{1}\"><name>SEP000000000001</name></phone>"
	    "<notAPhone/>"
	    "<phone uuid=\"{2}\"><name>SEP000000000002</name></phone>";
	struct soap_spec s;
	struct collect c;
	struct lsc_err err;
	struct buf doc = BUF_INIT;
	size_t	 i;

	(void)state;
	buf_puts(&doc, head);
	buf_puts(&doc, markup);
	buf_puts(&doc, tail);
	for (i = 0; i < sizeof(chunkings) / sizeof(chunkings[0]); i++) {
		phone_spec(&s, &c);
		assert_int_equal(parse_data(&s, doc.data, doc.len,
		    chunkings[i], NULL, &err), 0);
		assert_string_equal(c.out.data,
		    "0|SEP000000000001|{1}|az|Cisco 8845|(null)|(null)|(null)|"
		    "(null)|(null)\n"
		    "1|SEP000000000002|{2}||Cisco 7841|(null)|(null)|(null)|"
		    "(null)|(null)\n"
		    "2|SEP000000000003|{3}|(null)|(null)|(null)|(null)|(null)|"
		    "(null)|(null)\n");
		buf_free(&c.out, 0);
	}
	buf_free(&doc, 0);

	buf_puts(&doc, head);
	buf_puts(&doc, stray);
	buf_puts(&doc, tail);
	phone_spec(&s, &c);
	assert_int_equal(parse_data(&s, doc.data, doc.len, 1, NULL, &err), -1);
	assert_int_equal(err.kind, ERR_PARSE);
	assert_non_null(strstr(err.msg, "unexpected element notAPhone among "
	    "the phone records"));
	buf_free(&c.out, 0);
	buf_free(&doc, 0);
}

/* A hostile or broken twin and the words its refusal must contain. */
struct twin {
	const char	*fixture;
	const char	*words;
};

static void
test_parse_list_phone_twins(void **state)
{
	static const struct twin twins[] = {
		{ "axl/listPhone-page.truncated.xml",
		    "reply truncated (XML parse error at line " },
		{ "axl/listPhone-page.wrong-ns.xml",
		    "reply listPhoneResponse in namespace "
		    "http://www.cisco.com/AXL/API/12.5, expected "
		    "http://www.cisco.com/AXL/API/14.0" },
		{ "axl/listPhone-page.soap12.xml",
		    "not a SOAP 1.1 envelope (root element Envelope in "
		    "namespace http://www.w3.org/2003/05/soap-envelope)" },
		{ "axl/listPhone-page.entity-bomb.xml",
		    "reply has a DOCTYPE (refused: SOAP forbids one)" },
		{ "axl/listPhone-page.xxe.xml",
		    "reply has a DOCTYPE (refused: SOAP forbids one)" },
		{ "axl/listPhone-page.external-dtd.xml",
		    "reply has a DOCTYPE (refused: SOAP forbids one)" },
		{ "axl/listPhone-page.undeclared-entity.xml",
		    "malformed reply (XML parse error at line 7: Entity 'xxe' "
		    "not defined" },
		{ "axl/listPhone-page.huge-value.xml",
		    "value of description longer than 8192 bytes" },
		{ "axl/listPhone-page.deep.xml",
		    "reply nested deeper than 64 elements" },
		{ "axl/listPhone-page.html.xml",
		    "not a SOAP 1.1 envelope (root element html in namespace "
		    "(none))" },
		{ "axl/listPhone-page.two-bodies.xml",
		    "more than one element in the SOAP Body" },
		{ "axl/listPhone-empty.not-xml.xml",
		    "malformed reply (XML parse error at line 1: " },
		{ "axl/updatePhone-ok.wrong-element.xml",
		    "unexpected reply element getPhoneResponse (expected "
		    "listPhoneResponse)" },
		{ "axl/applyPhone-ok.empty.xml", "empty reply" },
	};
	struct soap_spec s;
	struct collect c;
	struct soap_parser *p;
	struct lsc_err err;
	size_t	 i, j;

	(void)state;
	for (i = 0; i < sizeof(twins) / sizeof(twins[0]); i++) {
		for (j = 0; j < sizeof(chunkings) / sizeof(chunkings[0]);
		    j++) {
			phone_spec(&s, &c);
			assert_int_equal(parse_fixture(&s, twins[i].fixture,
			    chunkings[j], &p, &err), -1);
			if (strstr(err.msg, twins[i].words) == NULL)
				fail_msg("%s (chunk %zu): \"%s\" lacks \"%s\"",
				    twins[i].fixture, chunkings[j], err.msg,
				    twins[i].words);
			assert_int_equal(err.kind, ERR_PARSE);
			/* Hostile prologs are refused before any record. */
			if (strstr(twins[i].fixture, "entity") != NULL ||
			    strstr(twins[i].fixture, "xxe") != NULL ||
			    strstr(twins[i].fixture, "dtd") != NULL)
				assert_int_equal(soap_parser_records(p), 0);
			soap_parser_free(p);
			buf_free(&c.out, 0);
		}
	}
}

/* A reply in an encoding libxml2 cannot convert: an error for the caller,
 * not a word on stderr (found by fuzz_sql). */
static void
test_parse_bad_encoding_is_quiet(void **state)
{
	static const char reply[] = "<?xml version='1.0' encoding='utf-7'?>"
	    "<soapen\x11\x53\xcf\xe5\xfc\x7f pe xmlns:so=\"x\"/>";
	struct soap_spec s;
	struct collect c;
	struct lsc_err err;
	FILE	*tmp = tmpfile();
	int	 saved = dup(2);

	(void)state;
	assert_non_null(tmp);
	assert_int_not_equal(saved, -1);
	assert_int_not_equal(dup2(fileno(tmp), 2), -1);
	phone_spec(&s, &c);
	assert_int_equal(parse_data(&s, reply, sizeof(reply) - 1, 0, NULL,
	    &err), -1);
	assert_int_not_equal(dup2(saved, 2), -1);
	close(saved);
	assert_int_equal(err.kind, ERR_PARSE);
	assert_int_equal(ftell(tmp), 0);
	fclose(tmp);
}

static void
test_parse_prolog_bounded(void **state)
{
	struct soap_spec s;
	struct collect c;
	struct buf b = BUF_INIT;
	struct lsc_err err;
	int	 i;

	(void)state;
	/* A comment is legal before the root, but not 5 KB of it. */
	buf_puts(&b, "<?xml version=\"1.0\"?><!--");
	for (i = 0; i < 5000; i++)
		buf_puts(&b, "x");
	buf_puts(&b, "--><soapenv:Envelope xmlns:soapenv=\"" SOAP_ENV_NS
	    "\"/>");
	phone_spec(&s, &c);
	assert_int_equal(parse_data(&s, b.data, b.len, 512, NULL, &err), -1);
	assert_string_equal(err.msg, "no SOAP envelope in the first 4096 "
	    "bytes of the reply");
	buf_free(&b, 0);
}

static void
test_parse_stream_many_records(void **state)
{
	struct soap_spec s;
	struct collect c;
	struct buf b = BUF_INIT;
	struct soap_parser *p;
	struct lsc_err err;
	int	 i;

	(void)state;
	buf_puts(&b, "<soapenv:Envelope xmlns:soapenv=\"" SOAP_ENV_NS "\">"
	    "<soapenv:Body><ns:listPhoneResponse xmlns:ns=\"" AXL14 "\">"
	    "<return>");
	for (i = 0; i < 20000; i++)
		buf_printf(&b, "<phone uuid=\"{%08d-0000-0000-0000-0000000000"
		    "00}\"><name>SEP%012d</name><description>%s</description>"
		    "</phone>", i, i, "some description of a phone");
	buf_puts(&b, "</return></ns:listPhoneResponse></soapenv:Body>"
	    "</soapenv:Envelope>");
	phone_spec(&s, &c);
	s.on_record = NULL;
	assert_int_equal(parse_data(&s, b.data, b.len, 16384, &p, &err), 0);
	assert_int_equal(soap_parser_records(p), 20000);
	soap_parser_free(p);
	buf_free(&b, 0);
}

static void
test_parse_callback_stops(void **state)
{
	struct soap_spec s;
	struct collect c;
	struct soap_parser *p;
	struct lsc_err err;

	(void)state;
	phone_spec(&s, &c);
	c.stop_at = 2;
	assert_int_equal(parse_fixture(&s, "axl/listPhone-page.xml", 1, &p,
	    &err), -1);
	assert_int_equal(err.kind, ERR_STORE);
	assert_string_equal(err.msg, "store: disk full");
	assert_int_equal(soap_parser_records(p), 2);
	soap_parser_free(p);
	buf_free(&c.out, 0);
}

static void
test_parse_scalar(void **state)
{
	static const char *const scalars[] = {
		"return/componentVersion/version", "return/nothing", NULL
	};
	struct soap_spec s;
	struct soap_parser *p;
	struct lsc_err err;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.ns = "http://www.cisco.com/AXL/API/12.5";
	s.response = "getCCMVersionResponse";
	s.scalars = scalars;
	assert_int_equal(parse_fixture(&s, "axl/getCCMVersion-14.xml",
	    FAKE_CHUNK_RANDOM, &p, &err), 0);
	assert_string_equal(soap_parser_scalar(p, 0), "14.0.1.13900-155");
	assert_null(soap_parser_scalar(p, 1));
	assert_null(soap_parser_scalar(p, 2));
	soap_parser_free(p);
}

/* The real executeSQLQuery reply of Cisco TAC doc 217581. */
static void
test_parse_real_sql_reply(void **state)
{
	static const char *const record[] = { "return", "row", NULL };
	static const char *const fields[] = { "count", NULL };
	struct soap_spec s;
	struct collect c;
	struct lsc_err err;

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(&c, 0, sizeof(c));
	s.ns = "http://www.cisco.com/AXL/API/8.0";
	s.response = "executeSQLQueryResponse";
	s.record = record;
	s.fields = fields;
	s.on_record = collect_record;
	s.arg = &c;
	c.nfields = 1;
	assert_int_equal(parse_fixture(&s, "axl/executeSQLQuery-count-8.0.xml",
	    1, NULL, &err), 0);
	assert_string_equal(c.out.data, "0|2\n");
	buf_free(&c.out, 0);

	memset(&c, 0, sizeof(c));
	c.nfields = 1;
	assert_int_equal(parse_fixture(&s,
	    "axl/executeSQLQuery-count-8.0.bad-version.xml", 0, NULL, &err),
	    -1);
	assert_non_null(strstr(err.msg, "namespace "
	    "http://www.cisco.com/AXL/API/8.5, expected "
	    "http://www.cisco.com/AXL/API/8.0"));
	buf_free(&c.out, 0);
}

/* --- faults -------------------------------------------------------------- */

struct fault_case {
	const char	*fixture;
	const char	*faultcode;
	const char	*faultstring;
	long		 axlcode;
	const char	*axlmessage;
	const char	*request;
};

static void
test_parse_real_faults(void **state)
{
	static const struct fault_case cases[] = {
		{ "axl/fault-query-too-large.xml", "soapenv:Server",
		    "Query request too large. Total rows matched: 2816 rows. "
		    "Suggestive Row Fetch: less than 844 rows", -1,
		    "Query request too large. Total rows matched: 2816 rows. "
		    "Suggestive Row Fetch: less than 844 rows",
		    "executeSQLQuery" },
		{ "axl/fault-max-memory.xml", "soapenv:Server",
		    "Maximum AXL Memory Allocation Consumed. Please retry once "
		    "requests in progress have completed", -1,
		    "Maximum AXL Memory Allocation Consumed. Please retry once "
		    "requests in progress have completed", "executeSQLQuery" },
		{ "axl/fault-listChange-5007.xml", "soapenv:Server",
		    "The queueId value does not match the server. This "
		    "indicates that it is either incorrect or the server "
		    "restarted and a full sync is needed.", 5007,
		    "The queueId value does not match the server. This "
		    "indicates that it is either incorrect or the server "
		    "restarted and a full sync is needed.", "listChange" },
		{ "axl/fault-userrank-5003.xml", "soapenv:Server",
		    "You do not have the privilege to remove this End User as "
		    "you have lower User Rank", 5003,
		    "You do not have the privilege to remove this End User as "
		    "you have lower User Rank", "removeUser" },
		{ "axl/fault-sql-691.xml", "soapenv:Client",
		    "Missing key in referenced table for referential constraint"
		    " (informix.fk_devicexml4k_fkdevice).", -691,
		    "Missing key in referenced table for referential constraint"
		    " (informix.fk_devicexml4k_fkdevice).",
		    "executeSQLUpdate" },
		{ "axl/fault-notfound-5007.xml", "soapenv:Client",
		    "Item not valid: The specified Phone was not found", 5007,
		    "Item not valid: The specified Phone was not found",
		    "updatePhone" },
		{ "ris/fault-rate.xml", "ns1:Server.RateControl",
		    "AxisFault: Exceeded allowed rate for Reatime information. "
		    "Current allowed rate for realtime information is 15 "
		    "requests per minute.", 0, "", "" },
	};
	struct soap_spec s;
	struct collect c;
	struct soap_parser *p;
	const struct soap_fault *f;
	struct lsc_err err;
	size_t	 i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (j = 0; j < sizeof(chunkings) / sizeof(chunkings[0]);
		    j++) {
			phone_spec(&s, &c);
			assert_int_equal(parse_fixture(&s, cases[i].fixture,
			    chunkings[j], &p, &err), 1);
			f = soap_parser_fault(p);
			assert_string_equal(f->faultcode, cases[i].faultcode);
			assert_string_equal(f->faultstring,
			    cases[i].faultstring);
			assert_int_equal(f->axlcode, cases[i].axlcode);
			assert_string_equal(f->axlmessage,
			    cases[i].axlmessage);
			assert_string_equal(f->request, cases[i].request);
			soap_parser_free(p);
		}
	}
}

static void
test_parse_fault_twins(void **state)
{
	static const struct twin twins[] = {
		{ "axl/fault-query-too-large.https-ns.xml",
		    "not a SOAP 1.1 envelope (root element Envelope in "
		    "namespace https://schemas.xmlsoap.org/soap/envelope/)" },
		{ "axl/fault-max-memory.https-ns.xml",
		    "not a SOAP 1.1 envelope" },
		{ "axl/fault-listChange-5007.https-ns.xml",
		    "not a SOAP 1.1 envelope" },
		{ "axl/fault-userrank-5003.https-ns.xml",
		    "not a SOAP 1.1 envelope" },
		{ "axl/fault-sql-691.truncated.xml", "reply truncated" },
		{ "axl/fault-notfound-5007.truncated.xml", "reply truncated" },
		{ "ris/fault-rate.truncated.xml", "reply truncated" },
		{ "ris/fault-rate-code-only.https-ns.xml",
		    "not a SOAP 1.1 envelope" },
	};
	struct soap_spec s;
	struct collect c;
	struct lsc_err err;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(twins) / sizeof(twins[0]); i++) {
		phone_spec(&s, &c);
		assert_int_equal(parse_fixture(&s, twins[i].fixture, 1, NULL,
		    &err), -1);
		if (strstr(err.msg, twins[i].words) == NULL)
			fail_msg("%s: \"%s\" lacks \"%s\"", twins[i].fixture,
			    err.msg, twins[i].words);
	}
}

static void
test_parse_long_fault_is_cut(void **state)
{
	struct soap_spec s;
	struct collect c;
	struct buf b = BUF_INIT;
	struct soap_parser *p;
	struct lsc_err err;
	int	 i;

	(void)state;
	buf_puts(&b, "<e:Envelope xmlns:e=\"" SOAP_ENV_NS "\"><e:Body><e:Fault>"
	    "<faultcode>e:Server</faultcode><faultstring>");
	for (i = 0; i < 300; i++)
		buf_puts(&b, "é");	/* 600 bytes of 2-byte characters */
	buf_puts(&b, "</faultstring></e:Fault></e:Body></e:Envelope>");
	phone_spec(&s, &c);
	assert_int_equal(parse_data(&s, b.data, b.len, 0, &p, &err), 1);
	assert_int_equal(strlen(soap_parser_fault(p)->faultstring), 510);
	assert_true(utf8_xml_valid(soap_parser_fault(p)->faultstring, 510));
	soap_parser_free(p);
	buf_free(&b, 0);
}

/* --- RisPort shapes ------------------------------------------------------ */

static const char *const ris_record[] = {
	"selectCmDeviceReturn", "SelectCmDeviceResult", "CmNodes", "item",
	"CmDevices", "item", NULL
};
static const char *const ris_fields[] = {
	"Name", "Status", "TimeStamp", "IPAddress/item/IP", NULL
};
static const char *const ris_context[] = {
	"selectCmDeviceReturn/SelectCmDeviceResult/CmNodes/item/Name", NULL
};
static const char *const ris_scalars[] = {
	"selectCmDeviceReturn/SelectCmDeviceResult/TotalDevicesFound", NULL
};

static void
ris_spec(struct soap_spec *s, struct collect *c)
{
	memset(s, 0, sizeof(*s));
	memset(c, 0, sizeof(*c));
	s->ns = RISNS;
	s->response = "selectCmDeviceResponse";
	s->record = ris_record;
	s->fields = ris_fields;
	s->context = ris_context;
	s->scalars = ris_scalars;
	s->on_record = collect_record;
	s->arg = c;
	c->nfields = 4;
	c->ncontext = 1;
}

static void
test_parse_ris_nodes(void **state)
{
	struct soap_spec s;
	struct collect c;
	struct soap_parser *p;
	struct lsc_err err;
	size_t	 j;

	(void)state;
	for (j = 0; j < sizeof(chunkings) / sizeof(chunkings[0]); j++) {
		ris_spec(&s, &c);
		assert_int_equal(parse_fixture(&s,
		    "ris/selectCmDevice-two-nodes.xml", chunkings[j], &p, &err),
		    0);
		assert_string_equal(soap_parser_scalar(p, 0), "5");
		assert_string_equal(c.out.data,
		    "0|SEP001122334455|UnRegistered|1764230000|10.1.2.3|"
		    "@cucm-sub1\n"
		    "1|SEP00AABBCCDDEE|Registered|1764100000|10.1.2.4|"
		    "@cucm-sub1\n"
		    "2|SEPAABBCCDDEEFF|UnRegistered|1764000000|10.1.2.5|"
		    "@cucm-sub1\n"
		    "3|SEP001122334455|Registered|1764200000|10.1.2.33|"
		    "@cucm-sub2\n"
		    "4|SEP00AABBCCDDEE|UnRegistered|1764300000|10.1.2.44|"
		    "@cucm-sub2\n"
		    "5|SEPAABBCCDDEEFF|UnRegistered|1764100000|10.1.2.55|"
		    "@cucm-sub2\n");
		soap_parser_free(p);
		buf_free(&c.out, 0);
	}
}

static void
test_parse_ris_none_and_twins(void **state)
{
	static const struct twin twins[] = {
		{ "ris/selectCmDevice-two-nodes.truncated.xml",
		    "reply truncated" },
		{ "ris/selectCmDevice-two-nodes.wrong-ns.xml",
		    "in namespace http://schemas.cisco.com/ast/soap/v2, "
		    "expected http://schemas.cisco.com/ast/soap" },
		{ "ris/selectCmDevice-two-nodes.entity-bomb.xml",
		    "reply has a DOCTYPE" },
		{ "ris/selectCmDevice-none.not-soap.xml",
		    "not a SOAP 1.1 envelope (root element Envelop" },
	};
	struct soap_spec s;
	struct collect c;
	struct soap_parser *p;
	struct lsc_err err;
	size_t	 i;

	(void)state;
	ris_spec(&s, &c);
	assert_int_equal(parse_fixture(&s, "ris/selectCmDevice-none.xml", 1,
	    &p, &err), 0);
	assert_int_equal(soap_parser_records(p), 0);
	assert_string_equal(soap_parser_scalar(p, 0), "0");
	soap_parser_free(p);

	for (i = 0; i < sizeof(twins) / sizeof(twins[0]); i++) {
		ris_spec(&s, &c);
		assert_int_equal(parse_fixture(&s, twins[i].fixture,
		    FAKE_CHUNK_RANDOM, NULL, &err), -1);
		if (strstr(err.msg, twins[i].words) == NULL)
			fail_msg("%s: \"%s\" lacks \"%s\"", twins[i].fixture,
			    err.msg, twins[i].words);
		buf_free(&c.out, 0);
	}
}

/* --- soap_post over the fake transport ------------------------------------ */

static int
post_fixture(struct fake_http *f, struct soap_spec *s, struct lsc_err *err,
    struct soap_parser **pp)
{
	struct http_request req = {
		"https://cucm.example:8443/axl/", "CUCM:DB ver=14.0 listPhone",
		"<x/>", 4, "listPhone", 0, 0
	};
	struct http_response resp;
	struct soap_parser *p = soap_parser_new(s, err);
	int	 rc;

	rc = soap_post(&f->t, &req, p, &resp, err);
	if (pp != NULL)
		*pp = p;
	else
		soap_parser_free(p);
	return rc;
}

static void
test_post_statuses(void **state)
{
	struct fake_http *f = fake_http_new();
	struct fake_reply r;
	struct soap_spec s;
	struct collect c;
	struct soap_parser *p;
	struct lsc_err err;
	char	*body, *fault;

	(void)state;
	body = fixture_load("axl/listPhone-page.xml", NULL);
	fault = fixture_load("axl/fault-notfound-5007.xml", NULL);
	fake_http_push_body(f, 200, body, 1);
	fake_http_push_body(f, 500, fault, 3);
	memset(&r, 0, sizeof(r));
	r.status = 503;
	r.retry_after = 12;
	r.retry_after_set = 1;
	r.body = "<html>Service Unavailable</html>";
	fake_http_push(f, &r);
	fake_http_push_body(f, 401, "<html>401 Unauthorized</html>", 0);
	fake_http_push_body(f, 404, "<html><body>Not Found</body></html>", 0);
	fake_http_push_body(f, 500, "<html>Internal Error</html>", 0);
	fake_http_push_body(f, 500, body, 0);
	fake_http_push_fail(f, ERR_TLS, 1);

	phone_spec(&s, &c);
	assert_int_equal(post_fixture(f, &s, &err, NULL), 0);
	assert_int_equal(count_substr(c.out.data, "\n"), 3);

	assert_int_equal(post_fixture(f, &s, &err, &p), 1);
	assert_int_equal(soap_parser_fault(p)->axlcode, 5007);
	assert_int_equal(err.http_status, 500);
	soap_parser_free(p);

	assert_int_equal(post_fixture(f, &s, &err, NULL), -1);
	assert_int_equal(err.kind, ERR_THROTTLED);
	assert_true(err.not_applied);
	assert_int_equal(err.retry_after, 12);
	assert_string_equal(err.msg, "listPhone: HTTP 503 (service "
	    "unavailable)");

	assert_int_equal(post_fixture(f, &s, &err, NULL), -1);
	assert_int_equal(err.kind, ERR_AUTH);
	assert_int_equal(err.http_status, 401);

	assert_int_equal(post_fixture(f, &s, &err, NULL), -1);
	assert_int_equal(err.kind, ERR_HTTP);
	assert_string_equal(err.msg, "listPhone: HTTP 404: <html><body>Not "
	    "Found</body></html>");

	assert_int_equal(post_fixture(f, &s, &err, NULL), -1);
	assert_int_equal(err.kind, ERR_HTTP);
	assert_string_equal(err.msg, "listPhone: HTTP 500 (not a SOAP reply: "
	    "Internal Error)");

	assert_int_equal(post_fixture(f, &s, &err, NULL), -1);
	assert_int_equal(err.kind, ERR_HTTP);
	assert_string_equal(err.msg, "listPhone: HTTP 500 (no SOAP fault in "
	    "the reply)");

	assert_int_equal(post_fixture(f, &s, &err, NULL), -1);
	assert_int_equal(err.kind, ERR_TLS);
	assert_true(err.not_applied);

	assert_int_equal(f->nreqs, 8);
	buf_free(&c.out, 0);
	free(body);
	free(fault);
	http_free(&f->t);
}

static void
test_post_parse_error_names_op(void **state)
{
	struct fake_http *f = fake_http_new();
	struct soap_spec s;
	struct collect c;
	struct lsc_err err;
	char	*body;

	(void)state;
	body = fixture_load("axl/listPhone-page.truncated.xml", NULL);
	fake_http_push_body(f, 200, body, FAKE_CHUNK_RANDOM);
	phone_spec(&s, &c);
	assert_int_equal(post_fixture(f, &s, &err, NULL), -1);
	assert_int_equal(err.kind, ERR_PARSE);
	assert_non_null(strstr(err.msg, "listPhone: reply truncated (XML "
	    "parse error at line "));
	assert_null(strchr(err.msg, '\n'));
	buf_free(&c.out, 0);
	free(body);
	http_free(&f->t);
}

/* Tomcat's error report, as CUCM's AXL servlet sends it for an HTTP 500. */
#define TOMCAT_500 \
	"<!doctype html><html lang=\"en\"><head><title>HTTP Status 500 \xe2" \
	"\x80\x93 Internal Server Error</title><style type=\"text/css\">" \
	"body {font-family:Tahoma,Arial,sans-serif;} h1 {font-size:22px;}" \
	"</style></head><body><h1>HTTP Status 500 \xe2\x80\x93 Internal " \
	"Server Error</h1><hr class=\"line\" /><p><b>Type</b> Exception " \
	"Report</p><p><b>Message</b> Request processing failed</p><p><b>" \
	"Exception</b></p><pre>java.lang.NullPointerException\n\tat com." \
	"cisco.axl.servletRouters.AXLAlpha.doPost(AXLAlpha.java:412)</pre>" \
	"<h3>Cisco Unified Communications Manager</h3></body></html>"

/* An HTTP 500 that is not SOAP reads as what it is, in one line. */
static void
test_post_500_not_soap(void **state)
{
	static const struct {
		const char	*body;
		const char	*msg;
	} cases[] = {
		{ TOMCAT_500, "listPhone: HTTP 500 (not a SOAP reply: HTTP "
		    "Status 500 \xe2\x80\x93 Internal Server Error)" },
		/* No title: the first text, style and comments skipped. */
		{ "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0//EN\" [ "
		    "<!ENTITY a \"b\"> ]><html><head><style>p {}</style><!-- "
		    "<p>x</p> "
		    "--></head><body>\n  <h1>Service\t\r\n  Error</h1>"
		    "<pre>java.lang.IllegalStateException</pre></body></html>",
		    "listPhone: HTTP 500 (not a SOAP reply: Service Error)" },
		{ "  Internal error: no database\r\n",
		    "listPhone: HTTP 500 (not a SOAP reply: Internal error: no "
		    "database)" },
		{ "<html><title></title><body><br/></body></html>",
		    "listPhone: HTTP 500 (not a SOAP reply)" },
		{ "<html><body>bad \xff\xfe bytes</body></html>",
		    "listPhone: HTTP 500 (not a SOAP reply: bad ?? bytes)" },
		{ "<!DOCTYPE HTML><html><body><p>Axis fault</p><pre>org."
		    "apache.axiom.soap.impl.SOAPEnvelopeImpl.getBody</pre>"
		    "</body></html>",
		    "listPhone: HTTP 500 (not a SOAP reply: Axis fault)" },
		/* SOAP, but damaged or hostile: the parser's words stand. */
		{ "<?xml version=\"1.0\"?><!DOCTYPE soapenv:Envelope [<!ENTITY "
		    "x \"y\">]><soapenv:Envelope xmlns:soapenv=\"http://"
		    "schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body/>"
		    "</soapenv:Envelope>", "listPhone: HTTP 500 (reply has a "
		    "DOCTYPE (refused: SOAP forbids one))" },
		{ "<env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-"
		    "envelope\"><env:Body/></env:Envelope>",
		    "listPhone: HTTP 500 (not a SOAP 1.1 envelope (root "
		    "element Envelope in namespace http://www.w3.org/2003/05/"
		    "soap-envelope))" },
		{ "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap."
		    "org/soap/envelope/\"><soapenv:Body><soapenv:Fault>",
		    "listPhone: HTTP 500 (reply truncated (XML parse error at "
		    "line 1: " },
		{ "", "listPhone: HTTP 500 (empty reply)" },
	};
	static const size_t chunks[] = { 0, 1, 7, FAKE_CHUNK_RANDOM };
	struct fake_http *f;
	struct soap_spec s;
	struct collect c;
	struct lsc_err err;
	size_t	 i, j, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (j = 0; j < sizeof(chunks) / sizeof(chunks[0]); j++) {
			f = fake_http_new();
			fake_http_push_body(f, 500, cases[i].body, chunks[j]);
			phone_spec(&s, &c);
			assert_int_equal(post_fixture(f, &s, &err, NULL), -1);
			assert_int_equal(err.kind, ERR_HTTP);
			assert_int_equal(err.http_status, 500);
			n = strlen(cases[i].msg);
			if (strncmp(err.msg, cases[i].msg, n) != 0 ||
			    (cases[i].msg[n - 1] == ')' && err.msg[n] != '\0'))
				fail_msg("case %zu, chunk %zu: \"%s\"", i,
				    chunks[j], err.msg);
			assert_null(strchr(err.msg, '<'));
			assert_null(strstr(err.msg, "java"));
			buf_free(&c.out, 0);
			http_free(&f->t);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelope_exact),
		cmocka_unit_test(test_envelope_escaping),
		cmocka_unit_test(test_envelope_refuses_bad_text),
		cmocka_unit_test(test_parse_list_phone_any_chunking),
		cmocka_unit_test(test_parse_empty_list),
		cmocka_unit_test(test_parse_markup_in_value),
		cmocka_unit_test(test_parse_list_phone_twins),
		cmocka_unit_test(test_parse_bad_encoding_is_quiet),
		cmocka_unit_test(test_parse_prolog_bounded),
		cmocka_unit_test(test_parse_stream_many_records),
		cmocka_unit_test(test_parse_callback_stops),
		cmocka_unit_test(test_parse_scalar),
		cmocka_unit_test(test_parse_real_sql_reply),
		cmocka_unit_test(test_parse_real_faults),
		cmocka_unit_test(test_parse_fault_twins),
		cmocka_unit_test(test_parse_long_fault_is_cut),
		cmocka_unit_test(test_parse_ris_nodes),
		cmocka_unit_test(test_parse_ris_none_and_twins),
		cmocka_unit_test(test_post_statuses),
		cmocka_unit_test(test_post_parse_error_names_op),
		cmocka_unit_test(test_post_500_not_soap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
