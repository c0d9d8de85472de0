/*
 * test_trust.c — the trust report's pieces on a hand-made fleet: chains
 * grouped, each chain's root found (sent, or named when no phone sent
 * it), CAs ordered root first with the phones chaining to each, the PEM
 * bundle and its comments, the answer in words with the MIC warning, and
 * hostile certificate fields escaped in every format.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "jobs/store_probe.h"
#include "reports/report.h"
#include "reports/report_int.h"
#include "tests/unit/fixture_store.h"

#define NOW	1750000000

#define ROOT_FP	"AA:01"
#define ISS_FP	"AA:02"
#define HOSTILE	"CN=evil\n-----BEGIN CERTIFICATE-----\x1b[2J<script>\"=x"

static void
probe(struct report_trust *t, const char *pool, const char *name,
    const char *outcome, const char *kind, const char *issuer,
    const char *aki, const char *chain)
{
	struct report_probe p;
	struct lsc_err e;
	char fp[64];

	memset(&p, 0, sizeof(p));
	snprintf(fp, sizeof(fp), "FF:%s", name);
	p.cluster = "hq";
	p.pool = pool;
	p.model = "Cisco 8845";
	p.name = name;
	p.address = "127.1.0.1";
	p.at = NOW - 60;
	p.outcome = outcome;
	if (strcmp(outcome, "presented") == 0) {
		p.kind = kind;
		p.subject = kind != NULL && strcmp(kind, "self_signed") == 0 ?
		    issuer : "CN=phone";
		p.issuer = issuer;
		p.aki = aki;
		p.sha256 = fp;
		p.chain = chain;
	}
	err_clear(&e);
	if (report_trust_add_probe(t, &p, &e) == -1)
		fail_msg("%s", e.msg);
}

static void
ca(struct report_trust *t, const char *fp, const char *subject,
    const char *issuer, const char *ski, const char *aki, int self,
    const char *der)
{
	struct report_ca c;
	struct lsc_err e;

	memset(&c, 0, sizeof(c));
	c.sha256 = fp;
	c.subject = subject;
	c.issuer = issuer;
	c.ski = ski;
	c.aki = aki;
	c.self_signed = self;
	err_clear(&e);
	if (report_trust_add_ca(t, &c, (const unsigned char *)der, strlen(der),
	    &e) == -1)
		fail_msg("%s", e.msg);
}

/*
 * Pool A: 3 CAPF LSCs (leaf only), 2 MICs (leaf only), 1 unreachable.
 * Pool B: 2 enterprise LSCs sending the issuing CA, 1 sending the issuing
 * CA and the root, 1 self-signed with a hostile name.
 */
static void
fleet(struct report_trust *t)
{
	struct lsc_err e;

	memset(t, 0, sizeof(*t));
	/* added issuing first: the order must come from the chain */
	ca(t, ISS_FP, "CN=Ent Issuing", "CN=Ent Root", "11", "10", 0,
	    "foobar");
	ca(t, ROOT_FP, "CN=Ent Root", "CN=Ent Root", "10", "10", 1, "fo");
	for (int i = 0; i < 3; i++) {
		char n[16];

		snprintf(n, sizeof(n), "CAPF%d", i);
		probe(t, "A", n, "presented", "capf_lsc", "CN=CAPF-1234", "C1",
		    "");
	}
	probe(t, "A", "MIC0", "presented", "mic", "CN=Cisco Manufacturing CA "
	    "SHA2", "D1", "");
	probe(t, "A", "MIC1", "presented", "mic", "CN=Cisco Manufacturing CA "
	    "SHA2", "D1", "");
	probe(t, "A", "GONE", "unreachable", NULL, NULL, NULL, NULL);
	probe(t, "B", "ENT0", "presented", "enterprise_lsc", "CN=Ent Issuing",
	    "11", ISS_FP);
	probe(t, "B", "ENT1", "presented", "enterprise_lsc", "CN=Ent Issuing",
	    "11", ISS_FP);
	probe(t, "B", "ENT2", "presented", "enterprise_lsc", "CN=Ent Issuing",
	    "11", ISS_FP " " ROOT_FP);
	probe(t, "B", "SELF", "presented", "self_signed", HOSTILE, NULL, "");
	err_clear(&e);
	if (report_trust_analyse(t, &e) == -1)
		fail_msg("%s", e.msg);
}

static struct report_ca *
find_ca(struct report_trust *t, const char *subject)
{
	for (size_t i = 0; i < t->nca; i++)
		if (strcmp(t->ca[i].subject, subject) == 0)
			return &t->ca[i];
	fail_msg("no CA %s", subject);
	return NULL;
}

static void
test_chains_and_roots(void **state)
{
	struct report_trust t;
	struct report_ca *c;
	unsigned long total = 0;

	(void)state;
	fleet(&t);
	/* capf, mic, enterprise (issuing only), enterprise (+root), self */
	assert_int_equal(t.nch, 5);
	assert_string_equal(t.ch[0].kind, "capf_lsc");	/* most phones */
	assert_int_equal(t.ch[0].phones, 3);
	for (size_t i = 0; i < t.nch; i++)
		total += t.ch[i].phones;
	assert_int_equal(total, 9);	/* the unreachable one has none */
	/* the enterprise chains share the sent root */
	c = find_ca(&t, "CN=Ent Root");
	assert_non_null(c->b64);
	assert_int_equal(c->depth, 0);
	assert_int_equal(c->phones, 3);
	c = find_ca(&t, "CN=Ent Issuing");
	assert_int_equal(c->depth, 1);
	assert_int_equal(c->phones, 3);
	/* roots nobody sent are named with their key identifier */
	c = find_ca(&t, "CN=CAPF-1234");
	assert_null(c->b64);
	assert_string_equal(c->ski, "C1");
	assert_int_equal(c->phones, 3);
	c = find_ca(&t, "CN=Cisco Manufacturing CA SHA2");
	assert_null(c->b64);
	assert_int_equal(c->phones, 2);
	/* root first: every CA's issuer comes before it */
	for (size_t i = 1; i < t.nca; i++)
		assert_true(t.ca[i - 1].depth <= t.ca[i].depth);
	for (size_t i = 0; i < t.nch; i++)
		if (!t.ch[i].self)
			assert_int_equal(t.ca[t.ch[i].root].depth, 0);
		else
			assert_string_equal(t.ch[i].kind, "self_signed");
	report_trust_free(&t);
}

/* A CA whose issuer is itself a sub-CA that names it back: the walk
 * ends, it does not loop. */
static void
test_issuer_loop(void **state)
{
	struct report_trust t;
	struct lsc_err e;

	(void)state;
	memset(&t, 0, sizeof(t));
	ca(&t, "L1", "CN=X", "CN=Y", "X", "Y", 0, "a");
	ca(&t, "L2", "CN=Y", "CN=X", "Y", "X", 0, "b");
	probe(&t, "A", "P", "presented", "enterprise_lsc", "CN=X", "X", "L1");
	err_clear(&e);
	assert_int_equal(report_trust_analyse(&t, &e), 0);
	assert_int_equal(t.nch, 1);
	report_trust_free(&t);
}

static char *
pem(struct report_trust *t, struct report_opts *o)
{
	struct report_ctx ctx;
	struct buf b = BUF_INIT;
	struct lsc_err e;

	memset(&ctx, 0, sizeof(ctx));
	err_clear(&e);
	ctx.out = &b;
	ctx.e = &e;
	ctx.o = o;
	ctx.width = 100;
	assert_int_equal(report_trust_pem(t, &ctx), 0);
	assert_int_equal(ctx.res.rows, 2);	/* CAs written */
	assert_int_equal(ctx.res.files, 2);	/* roots named */
	return buf_take(&b);
}

static void
test_pem_bundle(void **state)
{
	struct report_trust t;
	struct report_opts o;
	char *s, *root, *iss;

	(void)state;
	report_opts_init(&o);
	o.now = NOW;
	fleet(&t);
	s = pem(&t, &o);
	/* base64 of "fo" and "foobar", root first */
	root = strstr(s, "-----BEGIN CERTIFICATE-----\nZm8=\n"
	    "-----END CERTIFICATE-----\n");
	iss = strstr(s, "-----BEGIN CERTIFICATE-----\nZm9vYmFy\n"
	    "-----END CERTIFICATE-----\n");
	assert_non_null(root);
	assert_non_null(iss);
	assert_true(root < iss);
	assert_non_null(strstr(s, "# subject: CN=Ent Root\n# issuer: CN=Ent "
	    "Root\n# sha256: AA:01\n# root, phones chaining to it: 3\n"));
	assert_non_null(strstr(s, "# subject: CN=Ent Issuing\n"));
	assert_non_null(strstr(s, "# not sent: CN=CAPF-1234\n"
	    "#   key identifier: C1\n#   fetch it from: CUCM (the CAPF "
	    "certificate, in the CAPF-trust store of every node)\n"
	    "#   phones chaining to it: 3\n"));
	assert_non_null(strstr(s, "# not sent: CN=Cisco Manufacturing CA "
	    "SHA2\n#   key identifier: D1\n#   fetch it from: CUCM (Cisco's "
	    "manufacturing CAs are in its CAPF-trust store)\n"));
	/* nothing a phone named starts a line of its own */
	assert_null(strstr(s, "evil"));
	for (const char *l = s; l != NULL; l = strchr(l, '\n'))
		if (*l == '\n' && *++l != '\0')
			assert_true(*l == '#' || *l == '\n' || *l == '-' ||
			    strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789+/=", *l) != NULL);
	free(s);
	report_trust_free(&t);
}

static char *
render(struct report_trust *t, enum report_format f)
{
	struct report_ctx ctx;
	struct report_opts o;
	struct buf b = BUF_INIT;
	struct lsc_err e;

	report_opts_init(&o);
	o.kind = REPORT_TRUST;
	o.format = f;
	o.now = NOW;
	memset(&ctx, 0, sizeof(ctx));
	err_clear(&e);
	ctx.out = &b;
	ctx.e = &e;
	ctx.o = &o;
	ctx.width = 200;
	if (f == REPORT_FORMAT_HTML) {
		if (report_trust_html(&ctx, t, &b) == -1)
			fail_msg("%s", e.msg);
	} else if (report_trust_render(&ctx, t) == -1)
		fail_msg("%s", e.msg);
	assert_false(buf_failed(&b));
	return buf_take(&b);
}

/* The text with its wrapped lines joined again. */
static char *
unwrapped(char *s)
{
	char *o = s;

	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '\n' && p[1] == ' ' && p[2] == ' ') {
			*o++ = ' ';
			p += 2;
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
	return s;
}

static void
test_answer(void **state)
{
	struct report_trust t;
	char *s;

	(void)state;
	fleet(&t);
	s = unwrapped(render(&t, REPORT_FORMAT_TEXT));
	assert_non_null(strstr(s, "To open every phone page of pool A "
	    "(cluster hq) without a warning, a browser must trust: "));
	assert_non_null(strstr(s, "CN=CAPF-1234 (not sent by the phones: "
	    "fetch it from CUCM (the CAPF certificate, in the CAPF-trust store "
	    "of every node); key identifier C1), for 3 phones"));
	assert_non_null(strstr(s, "Warning: 2 phones present their MIC."));
	assert_non_null(strstr(s, "Cisco's CUCM security guide recommends "
	    "LSCs"));
	assert_non_null(strstr(s, "1 phone presented no certificate"));
	assert_non_null(strstr(s, "To open every phone page of pool B "
	    "(cluster hq) without a warning, a browser must trust: CN=Ent "
	    "Root, for 3 phones; 1 phone's own self-signed certificate, one by "
	    "one (give it an LSC instead)."));
	/* pool B has no MIC: no warning in its answer */
	assert_null(strstr(strstr(s, "pool B (cluster"), "Warning"));
	free(s);
	report_trust_free(&t);
}

/* The hostile self-signed subject, in every format. */
static void
test_escaping(void **state)
{
	struct report_trust t;
	char *s;

	(void)state;
	fleet(&t);
	s = render(&t, REPORT_FORMAT_TEXT);
	assert_null(strchr(s, '\x1b'));
	assert_null(strstr(s, "evil\n"));
	free(s);
	s = render(&t, REPORT_FORMAT_HTML);
	assert_null(strstr(s, "<script>"));
	assert_non_null(strstr(s, "&lt;script&gt;"));
	assert_null(strchr(s, '\x1b'));
	free(s);
	s = render(&t, REPORT_FORMAT_JSON);
	assert_non_null(strstr(s, "evil\\n-----BEGIN"));
	assert_non_null(strstr(s, "\\u001b[2J<script>\\\"=x"));
	free(s);
	/* CSV keeps the data as it is, quoted (csv.c) */
	s = render(&t, REPORT_FORMAT_CSV);
	assert_non_null(strstr(s, "\"CN=evil\n-----BEGIN CERTIFICATE-----"));
	free(s);
	s = render(&t, REPORT_FORMAT_PROM);
	assert_non_null(strstr(s, "root=\"self-signed\""));
	assert_non_null(strstr(s, "lscrenew_trust_phones{cluster=\"hq\","
	    "pool=\"A\",model=\"Cisco 8845\",kind=\"capf_lsc\",root=\"CN="
	    "CAPF-1234\"} 3\n"));
	assert_non_null(strstr(s, "kind=\"unreachable\",root=\"\"} 1\n"));
	free(s);
	report_trust_free(&t);
}

/* ---- through the store: the phone side in the other reports ---------------- */

static void
add_probe(struct store *s, const char *name, const char *outcome,
    const char *kind, const char *cls)
{
	struct store_probe p;
	struct lsc_err e;

	memset(&p, 0, sizeof(p));
	p.cluster = "hq";
	p.phone = name;
	p.at = FIXTURE_NOW - 3600;
	p.address = "127.1.0.9";
	p.port = 443;
	p.outcome = outcome;
	p.kind = kind;
	p.subject = kind != NULL ? "CN=phone" : NULL;
	p.issuer = kind != NULL ? "CN=CAPF-0badc0de" : NULL;
	p.sha256 = kind != NULL ? "ab01" : NULL;
	p.aki = kind != NULL ? "cd02" : NULL;
	p.chain = kind != NULL ? "" : NULL;
	p.reason = kind == NULL ? "connect: Connection refused" : NULL;
	p.verified = -1;
	p.class = cls;
	p.class_reason = cls;
	err_clear(&e);
	if (store_probe_add(s, &p, NULL, 0, NULL, &e) == -1)
		fail_msg("%s", e.msg);
}

static char *
render_store(struct store *s, enum report_kind k, enum report_format f)
{
	struct report_opts o;
	struct lsc_err e;
	char *data = NULL;
	size_t n = 0;
	FILE *fp;

	report_opts_init(&o);
	o.kind = k;
	o.format = f;
	o.now = FIXTURE_NOW;
	o.save_mark = 0;
	o.width = 250;
	err_clear(&e);
	assert_non_null(fp = open_memstream(&data, &n));
	if (report_render(s, &o, fp, &e) == -1)
		fail_msg("%s", e.msg);
	assert_int_equal(fclose(fp), 0);
	return data;
}

/* A name in the fixture's left-behind set, from its JSON. */
static char *
left_behind_names(struct store *s, char names[2][64])
{
	char *j = render_store(s, REPORT_LEFT_BEHIND, REPORT_FORMAT_JSON);
	const char *p = j;

	for (int i = 0; i < 2; i++) {
		size_t n;

		assert_non_null(p = strstr(p, "\"name\": \""));
		p += 9;
		n = strcspn(p, "\"");
		assert_true(n < 64);
		memcpy(names[i], p, n);
		names[i][n] = '\0';
	}
	return j;
}

static void
test_phone_side(void **state)
{
	struct lsc_err e;
	struct store *s;
	char names[2][64], *out, *at;

	(void)state;
	err_clear(&e);
	assert_non_null(s = fixture_store_new(&e));
	free(left_behind_names(s, names));
	add_probe(s, names[0], "presented", "capf_lsc", "other_lsc");
	add_probe(s, names[1], "refused", NULL, "unreachable");

	out = render_store(s, REPORT_LEFT_BEHIND, REPORT_FORMAT_JSON);
	assert_non_null(at = strstr(out, names[0]));
	assert_non_null(at = strstr(at, "\"last_probe\": "
	    "\"2025-06-16T05:00:00Z\",\n      \"presents\": \"capf_lsc\",\n"
	    "      \"agreement\": \"other_lsc\""));
	assert_non_null(strstr(out, "\"presents\": \"refused\",\n"
	    "      \"agreement\": \"unreachable\""));
	free(out);
	out = render_store(s, REPORT_LEFT_BEHIND, REPORT_FORMAT_CSV);
	assert_non_null(strstr(out, ",last_probe,presents,agreement\r\n"));
	assert_non_null(strstr(out, ",2025-06-16 05:00:00,capf_lsc,"
	    "other_lsc\r\n"));
	free(out);
	out = render_store(s, REPORT_LEFT_BEHIND, REPORT_FORMAT_TEXT);
	assert_non_null(strstr(out, "PHONE SHOWS"));
	assert_non_null(strstr(out, "capf_lsc, other_lsc"));
	free(out);

	out = render_store(s, REPORT_SUMMARY, REPORT_FORMAT_JSON);
	assert_non_null(at = strstr(out, "\"total\": {"));
	assert_non_null(strstr(at, "\"probed\": 2,\n    \"phone_agrees\": 0,"
	    "\n    \"phone_differs\": 1,\n    \"phone_no_certificate\": 1"));
	free(out);
	out = render_store(s, REPORT_METRICS, REPORT_FORMAT_PROM);
	assert_non_null(strstr(out, "result=\"differs\"} 1\n"));
	assert_non_null(strstr(out, "result=\"no_certificate\"} 1\n"));
	free(out);
	out = render_store(s, REPORT_SUMMARY, REPORT_FORMAT_HTML);
	assert_non_null(strstr(out, "<th class=\"num\">Probed</th>"));
	assert_non_null(strstr(out, "id=\"trust-section\""));
	assert_non_null(strstr(out, "CN=CAPF-0badc0de (no phone sent it; key "
	    "identifier cd02)"));
	free(out);
	out = render_store(s, REPORT_TRUST, REPORT_FORMAT_TEXT);
	assert_non_null(strstr(out, "newest probe of each of 2 phones, 1 "
	    "distinct chain)"));
	free(out);
	store_close(s);
}

/* "-o /dev/null" or "--pem /dev/stdout" run as root must not put a file
 * where a device was: the atomic write replaces regular files only. */
static void
test_never_replaces_a_device(void **state)
{
	struct report_opts o;
	struct lsc_err e;
	struct store *s;
	struct stat sb;
	char dir[] = "/tmp/lscrenew-trust-XXXXXX", path[64];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	err_clear(&e);
	assert_non_null(s = fixture_store_new(&e));
	report_opts_init(&o);
	o.kind = REPORT_TRUST;
	o.now = FIXTURE_NOW;
	o.save_mark = 0;
	assert_int_equal(report_write_pem(s, &o, path, &e), -1);
	assert_int_equal(e.kind, ERR_SYSTEM);
	assert_non_null(strstr(e.msg, "fifo: not a regular file; refusing to "
	    "replace it"));
	err_clear(&e);
	assert_int_equal(report_write_file(s, &o, path, &e), -1);
	assert_non_null(strstr(e.msg, "not a regular file"));
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISFIFO(sb.st_mode));
	/* a regular file is replaced as before */
	snprintf(path, sizeof(path), "%s/b.pem", dir);
	assert_int_equal(report_write_pem(s, &o, path, &e), 0);
	assert_int_equal(report_write_pem(s, &o, path, &e), 0);
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	unlink(path);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	unlink(path);
	rmdir(dir);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chains_and_roots),
		cmocka_unit_test(test_issuer_loop),
		cmocka_unit_test(test_pem_bundle),
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_phone_side),
		cmocka_unit_test(test_never_replaces_a_device),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
