/*
 * test_probe.c — the phone certificate probe: certificates described from
 * PEM fixtures ($LSCRENEW_FIXTURES/probe, made by make-fixtures.sh with the
 * openssl command): MIC, CAPF and enterprise LSCs, an expired one,
 * classification, fingerprint, days left, the CA to trust, verification;
 * then the network part against a TLS server in a thread of this test.
 * "Now" is 2026-06-01 00:00 UTC.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "axl/probe.h"

#define NOW	((int64_t)1780272000)	/* 2026-06-01 00:00:00 UTC */

static char *
fixture_path(const char *name)
{
	static char path[1024];
	const char *dir = getenv("LSCRENEW_FIXTURES");

	snprintf(path, sizeof(path), "%s/probe/%s", dir != NULL ? dir :
	    "tests/fixtures", name);
	return path;
}

static char *
slurp(const char *name, size_t *len)
{
	FILE *f = fopen(fixture_path(name), "rb");
	char *data;
	long n;

	if (f == NULL)
		fail_msg("%s: %s (set LSCRENEW_FIXTURES)", fixture_path(name),
		    strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	data[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return data;
}

/* The fingerprint openssl printed when the fixture was made. */
static void
assert_fingerprint(const struct probe_cert *c, const char *name)
{
	size_t len;
	char *want = slurp(name, &len);

	want[strcspn(want, "\r\n")] = '\0';
	assert_string_equal(c->sha256, want);
	free(want);
}

/* Describes a fixture; the probe verifies against ca (a fixture, or NULL). */
static int
describe(const char *name, const char *ca, const char *host, int64_t now,
    struct probe_cert *c, struct lsc_err *e)
{
	struct probe *p;
	size_t len;
	char *pem = slurp(name, &len), cafile[1024];
	int rc;

	err_clear(e);
	if (ca != NULL)
		snprintf(cafile, sizeof(cafile), "%s", fixture_path(ca));
	p = probe_new(ca != NULL ? cafile : NULL, 0, e);
	assert_non_null(p);
	rc = probe_pem(p, name, pem, len, host, now, c, e);
	probe_free(p);
	free(pem);
	return rc;
}

static void
test_mic(void **state)
{
	struct probe_cert c;
	struct lsc_err e;

	(void)state;
	assert_int_equal(describe("mic.pem", NULL, NULL, NOW, &c, &e), 0);
	assert_int_equal(c.kind, PROBE_MIC);
	assert_string_equal(probe_kind_name(c.kind), "mic");
	assert_string_equal(c.subject,
	    "CN=CP-8845-SEP001122334455, O=Cisco Systems Inc.");
	assert_string_equal(c.subject_cn, "CP-8845-SEP001122334455");
	assert_string_equal(c.issuer, "CN=Cisco Manufacturing CA SHA2, O=Cisco");
	assert_string_equal(c.issuer_cn, "Cisco Manufacturing CA SHA2");
	assert_int_equal(c.not_before, 1583020800);	/* 2020-03-01 */
	assert_int_equal(c.not_after, 1898553600);	/* 2030-03-01 */
	assert_int_equal(c.days_left, 1369);
	assert_false(c.expired);
	assert_false(c.not_yet_valid);
	assert_string_equal(c.key_type, "RSA");
	assert_string_equal(c.key_curve, "");
	assert_int_equal(c.key_bits, 2048);
	assert_string_equal(c.signature, "sha256WithRSAEncryption");
	assert_string_equal(c.names, "");
	assert_int_equal(c.name_match, -1);
	assert_int_equal(c.chain_len, 1);
	assert_string_equal(c.chain[0].subject, c.subject);
	assert_string_equal(c.chain[0].issuer, c.issuer);
	assert_false(c.chain_root);
	/* a browser must trust the manufacturing CA */
	assert_string_equal(c.trust, "CN=Cisco Manufacturing CA SHA2, O=Cisco");
	assert_int_equal(c.verify, PROBE_VERIFY_NONE);
	assert_string_equal(c.tls_version, "");
	assert_true(strlen(c.serial) > 0);
	assert_fingerprint(&c, "mic.sha256");
}

static void
test_capf_lsc(void **state)
{
	struct probe_cert c;
	struct lsc_err e;

	(void)state;
	assert_int_equal(describe("capf-lsc.pem", NULL, "127.0.0.1", NOW, &c,
	    &e), 0);
	assert_int_equal(c.kind, PROBE_LSC_CAPF);
	assert_string_equal(probe_kind_name(c.kind), "lsc-capf");
	assert_string_equal(c.subject, "CN=SEP001122334455, OU=LSC, O=cucmsim");
	assert_string_equal(c.issuer_cn, "CAPF-7cceb445");
	assert_int_equal(c.not_after, 1906502400);	/* 2030-06-01 */
	assert_int_equal(c.days_left, 1461);
	assert_string_equal(c.key_type, "EC");
	assert_string_equal(c.key_curve, "P-256");
	assert_int_equal(c.key_bits, 256);
	assert_string_equal(c.signature, "sha256WithRSAEncryption");
	assert_string_equal(c.names, "IP:127.0.0.1");
	assert_int_equal(c.name_match, 1);
	assert_string_equal(c.trust, "CN=CAPF-7cceb445, O=cucmsim cluster");
	assert_fingerprint(&c, "capf-lsc.sha256");

	/* another address is not among its names */
	assert_int_equal(describe("capf-lsc.pem", NULL, "127.0.0.2", NOW, &c,
	    &e), 0);
	assert_int_equal(c.name_match, 0);
	assert_string_equal(c.host, "127.0.0.2");

	/* a day before notBefore */
	assert_int_equal(describe("capf-lsc.pem", "capf-ca.pem", NULL,
	    1748736000 - 86400, &c, &e), 0);
	assert_true(c.not_yet_valid);
	assert_int_equal(c.verify, PROBE_VERIFY_FAILED);
	assert_string_equal(c.verify_error, "certificate is not yet valid");
}

static void
test_enterprise_chain(void **state)
{
	struct probe_cert c;
	struct lsc_err e;

	(void)state;
	assert_int_equal(describe("enterprise-lsc.pem", NULL,
	    "sep00112233aabb.example.com", NOW, &c, &e), 0);
	assert_int_equal(c.kind, PROBE_LSC_CA);
	assert_string_equal(probe_kind_name(c.kind), "lsc-ca");
	assert_string_equal(c.issuer,
	    "CN=Acme Enterprise Issuing CA 1, O=Acme");
	assert_int_equal(c.not_after, 1803859200);	/* 2027-03-01 */
	assert_int_equal(c.days_left, 273);
	assert_string_equal(c.key_type, "RSA");
	assert_int_equal(c.key_bits, 3072);
	assert_string_equal(c.names,
	    "DNS:sep00112233aabb.example.com, IP:127.0.0.1");
	assert_int_equal(c.name_match, 1);
	/* leaf and issuing CA; the root was not sent: trust is its issuer */
	assert_int_equal(c.chain_len, 2);
	assert_string_equal(c.chain[1].subject,
	    "CN=Acme Enterprise Issuing CA 1, O=Acme");
	assert_string_equal(c.chain[1].issuer,
	    "CN=Acme Enterprise Root CA, O=Acme");
	assert_false(c.chain_root);
	assert_string_equal(c.trust, "CN=Acme Enterprise Root CA, O=Acme");
	assert_fingerprint(&c, "enterprise-lsc.sha256");

	assert_int_equal(describe("enterprise-lsc.pem", NULL,
	    "other.example.com", NOW, &c, &e), 0);
	assert_int_equal(c.name_match, 0);
	/* the subject's CN is never taken for a host name */
	assert_int_equal(describe("enterprise-lsc.pem", NULL,
	    "SEP00112233AABB", NOW, &c, &e), 0);
	assert_int_equal(c.name_match, 0);
}

/* What the store keeps of a chain: fingerprints, key ids, each CA's DER. */
static void
test_chain_for_the_store(void **state)
{
	struct probe_cert *c = calloc(1, sizeof(*c)),
	    *ca = calloc(1, sizeof(*ca));
	const struct probe_chain_cert *leaf, *issuing;
	struct lsc_err e;
	char want[96];
	size_t k = 0;

	(void)state;
	assert_non_null(c);
	assert_non_null(ca);
	assert_int_equal(describe("enterprise-lsc.pem", NULL, NULL, NOW, c,
	    &e), 0);
	assert_int_equal(describe("enterprise-issuing.pem", NULL, NULL, NOW,
	    ca, &e), 0);
	leaf = &c->chain[0];
	issuing = &c->chain[1];
	/* the browser's "AB:CD:..." as the store's lowercase hex */
	for (const char *p = c->sha256; *p != '\0'; p++)
		if (*p != ':')
			want[k++] = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
	want[k] = '\0';
	assert_string_equal(leaf->sha256, want);
	assert_int_equal(strlen(issuing->sha256), 64);
	assert_string_equal(issuing->sha256, ca->chain[0].sha256);
	/* the leaf names its issuer's key; the issuer is not its own */
	assert_true(leaf->aki[0] != '\0');
	assert_string_equal(leaf->aki, issuing->ski);
	assert_false(leaf->self_signed);
	assert_false(issuing->self_signed);
	/* the CA's DER, as sent, is the one its own PEM holds */
	assert_true(issuing->der_len > 0);
	assert_int_equal(issuing->der_len, ca->chain[0].der_len);
	assert_memory_equal(c->der + issuing->der_off, ca->der +
	    ca->chain[0].der_off, issuing->der_len);
	assert_int_equal(c->der_used, leaf->der_len + issuing->der_len);
	free(c);
	free(ca);
}

static void
test_expired(void **state)
{
	struct probe_cert c;
	struct lsc_err e;

	(void)state;
	assert_int_equal(describe("expired-lsc.pem", "capf-ca.pem", NULL, NOW,
	    &c, &e), 0);
	assert_int_equal(c.kind, PROBE_LSC_CAPF);
	assert_true(c.expired);
	assert_int_equal(c.not_after, 1735689600);	/* 2025-01-01 */
	assert_int_equal(c.days_left, -516);
	assert_string_equal(c.key_type, "RSA");
	assert_int_equal(c.key_bits, 1024);
	assert_int_equal(c.verify, PROBE_VERIFY_FAILED);
	assert_string_equal(c.verify_error, "certificate has expired");
	assert_fingerprint(&c, "expired-lsc.sha256");

	/* an hour past notAfter is already day -1; the second before, 0 */
	assert_int_equal(describe("expired-lsc.pem", NULL, NULL,
	    1735689600 + 3600, &c, &e), 0);
	assert_int_equal(c.days_left, -1);
	assert_true(c.expired);
	assert_int_equal(describe("expired-lsc.pem", NULL, NULL,
	    1735689600 - 1, &c, &e), 0);
	assert_int_equal(c.days_left, 0);
	assert_false(c.expired);
}

static void
test_self_signed(void **state)
{
	struct probe_cert c;
	struct lsc_err e;

	(void)state;
	/* a CA's own certificate is neither a MIC nor an LSC, whatever its
	 * name says */
	assert_int_equal(describe("capf-ca.pem", NULL, NULL, NOW, &c, &e), 0);
	assert_int_equal(c.kind, PROBE_SELF_SIGNED);
	assert_true(c.chain_root);
	assert_string_equal(c.trust, "CN=CAPF-7cceb445, O=cucmsim cluster");
	assert_int_equal(describe("mic-ca.pem", NULL, NULL, NOW, &c, &e), 0);
	assert_int_equal(c.kind, PROBE_SELF_SIGNED);
	assert_string_equal(probe_kind_name(c.kind), "self-signed");
	assert_string_equal(probe_kind_name(PROBE__MAX), "unknown");
}

static void
test_verify(void **state)
{
	struct probe_cert c;
	struct lsc_err e;

	(void)state;
	assert_int_equal(describe("enterprise-lsc.pem", "enterprise-root.pem",
	    NULL, NOW, &c, &e), 0);
	assert_int_equal(c.verify, PROBE_VERIFY_OK);
	assert_string_equal(c.verify_error, "");
	/* an intermediate imported into a browser is an anchor too */
	assert_int_equal(describe("enterprise-lsc.pem",
	    "enterprise-issuing.pem", NULL, NOW, &c, &e), 0);
	assert_int_equal(c.verify, PROBE_VERIFY_OK);
	assert_int_equal(describe("capf-lsc.pem", "capf-ca.pem", NULL, NOW,
	    &c, &e), 0);
	assert_int_equal(c.verify, PROBE_VERIFY_OK);
	assert_int_equal(describe("mic.pem", "mic-ca.pem", NULL, NOW, &c,
	    &e), 0);
	assert_int_equal(c.verify, PROBE_VERIFY_OK);

	/* the failing twins: the wrong CA */
	assert_int_equal(describe("enterprise-lsc.pem", "capf-ca.pem", NULL,
	    NOW, &c, &e), 0);
	assert_int_equal(c.verify, PROBE_VERIFY_FAILED);
	assert_string_equal(c.verify_error,
	    "unable to get local issuer certificate");
	assert_int_equal(describe("capf-lsc.pem", "mic-ca.pem", NULL, NOW, &c,
	    &e), 0);
	assert_int_equal(c.verify, PROBE_VERIFY_FAILED);
	/* the certificate is described all the same */
	assert_int_equal(c.kind, PROBE_LSC_CAPF);
	assert_int_equal(c.days_left, 1461);
}

static void
test_bad_input(void **state)
{
	struct probe_cert c;
	struct lsc_err e;
	struct probe *p;

	(void)state;
	assert_int_equal(describe("not-a-cert.pem", NULL, NULL, NOW, &c, &e),
	    -1);
	assert_int_equal(e.kind, ERR_PARSE);
	assert_string_equal(e.msg, "not-a-cert.pem: not a PEM certificate: "
	    "no certificate in it");
	assert_int_equal(describe("truncated.pem", NULL, NULL, NOW, &c, &e),
	    -1);
	assert_int_equal(e.kind, ERR_PARSE);
	assert_true(strncmp(e.msg, "truncated.pem: not a PEM certificate: ",
	    38) == 0);
	assert_null(strchr(e.msg, '\n'));

	p = probe_new(NULL, 0, &e);
	assert_non_null(p);
	assert_int_equal(probe_pem(p, "empty", "", 0, NULL, NOW, &c, &e), -1);
	assert_int_equal(e.kind, ERR_PARSE);
	probe_free(p);
	probe_free(NULL);

	/* a CA file that cannot be read, or holds no certificate */
	err_clear(&e);
	assert_null(probe_new("/nonexistent/ca.pem", 0, &e));
	assert_int_equal(e.kind, ERR_USAGE);
	assert_string_equal(e.msg, "/nonexistent/ca.pem: No such file or "
	    "directory");
	err_clear(&e);
	assert_null(probe_new(fixture_path("not-a-cert.pem"), 0, &e));
	assert_int_equal(e.kind, ERR_USAGE);
	assert_non_null(strstr(e.msg, "not-a-cert.pem: no CA certificate can "
	    "be read from it"));
}

/* ---- the network: a TLS server in a thread ----------------------------- */

enum serve {
	SERVE_TLS,		/* a handshake with chain/key */
	SERVE_SILENT,		/* accept, say nothing */
	SERVE_HTTP		/* plain HTTP, then close */
};

struct server {
	enum serve	 mode;
	const char	*chain, *key;	/* fixture names */
	int		 lfd;
	unsigned	 port;
	pthread_t	 thread;
	int		 handshake_ok;
	char		 sni[256];	/* "" when none was sent */
	int		 app_bytes;	/* read after the handshake */
};

static void *
serve(void *arg)
{
	struct server *s = arg;
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	const char *sni;
	char buf[256], chain[1024];
	int fd, n;

	if ((fd = accept(s->lfd, NULL, NULL)) == -1)
		return NULL;
	switch (s->mode) {
	case SERVE_SILENT:
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		break;
	case SERVE_HTTP:
		if (read(fd, buf, sizeof(buf)) <= 0)
			break;
		n = snprintf(buf, sizeof(buf), "HTTP/1.1 400 \r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n");
		if (write(fd, buf, (size_t)n) != n)
			break;
		break;
	case SERVE_TLS:
		ctx = SSL_CTX_new(TLS_server_method());
		/* a 1024-bit key must be servable, as old phones do */
		SSL_CTX_set_security_level(ctx, 0);
		snprintf(chain, sizeof(chain), "%s", fixture_path(s->chain));
		if (SSL_CTX_use_certificate_chain_file(ctx, chain) != 1 ||
		    SSL_CTX_use_PrivateKey_file(ctx, fixture_path(s->key),
		    SSL_FILETYPE_PEM) != 1 || (ssl = SSL_new(ctx)) == NULL)
			break;
		SSL_set_fd(ssl, fd);
		if (SSL_accept(ssl) != 1)
			break;
		s->handshake_ok = 1;
		if ((sni = SSL_get_servername(ssl,
		    TLSEXT_NAMETYPE_host_name)) != NULL)
			snprintf(s->sni, sizeof(s->sni), "%s", sni);
		/* the probe sends nothing after the handshake */
		n = SSL_read(ssl, buf, sizeof(buf));
		s->app_bytes = n > 0 ? n : 0;
		break;
	}
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	close(fd);
	return NULL;
}

/* Listens on 127.0.0.1 (a free port) and serves one connection. */
static void
server_start(struct server *s)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_not_equal(s->lfd = socket(AF_INET, SOCK_STREAM, 0), -1);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	assert_int_equal(listen(s->lfd, 4), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&sin, &sl), 0);
	s->port = ntohs(sin.sin_port);
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void
server_stop(struct server *s)
{
	pthread_join(s->thread, NULL);
	close(s->lfd);
}

static void
test_connect_lsc(void **state)
{
	struct server s = { SERVE_TLS, "capf-lsc.pem", "capf-lsc.key", -1, 0,
	    0, 0, "", 0 };
	struct probe_cert c;
	struct lsc_err e;
	struct probe *p;

	(void)state;
	server_start(&s);
	err_clear(&e);
	assert_non_null(p = probe_new(fixture_path("capf-ca.pem"), 0, &e));
	assert_int_equal(probe_connect(p, "127.0.0.1", s.port, NOW, &c, &e),
	    0);
	server_stop(&s);
	probe_free(p);
	assert_true(s.handshake_ok);
	assert_string_equal(s.sni, "");		/* an address: no SNI */
	assert_int_equal(s.app_bytes, 0);
	assert_int_equal(c.kind, PROBE_LSC_CAPF);
	assert_string_equal(c.host, "127.0.0.1");
	assert_int_equal(c.port, s.port);
	assert_int_equal(c.name_match, 1);
	assert_int_equal(c.verify, PROBE_VERIFY_OK);
	assert_int_equal(c.chain_len, 1);
	assert_true(strncmp(c.tls_version, "TLSv1.", 6) == 0);
	assert_true(strlen(c.cipher) > 0);
	assert_fingerprint(&c, "capf-lsc.sha256");
}

static void
test_connect_chain_and_sni(void **state)
{
	struct server s = { SERVE_TLS, "enterprise-lsc.pem",
	    "enterprise-lsc.key", -1, 0, 0, 0, "", 0 };
	struct probe_cert c;
	struct lsc_err e;
	struct probe *p;

	struct addrinfo hints, *res = NULL, *ai;
	int v4 = 0;

	(void)state;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo("localhost", "443", &hints, &res) == 0)
		for (ai = res; ai != NULL; ai = ai->ai_next)
			v4 |= ai->ai_family == AF_INET;
	freeaddrinfo(res);
	if (!v4)
		skip();		/* no "localhost" at 127.0.0.1 here */
	server_start(&s);
	err_clear(&e);
	assert_non_null(p = probe_new(fixture_path("enterprise-root.pem"), 0,
	    &e));
	/* localhost may resolve to ::1 first: the probe tries the next */
	assert_int_equal(probe_connect(p, "localhost", s.port, NOW, &c, &e),
	    0);
	server_stop(&s);
	probe_free(p);
	assert_true(s.handshake_ok);
	assert_string_equal(s.sni, "localhost");
	assert_int_equal(c.kind, PROBE_LSC_CA);
	assert_int_equal(c.chain_len, 2);
	assert_string_equal(c.trust, "CN=Acme Enterprise Root CA, O=Acme");
	assert_int_equal(c.verify, PROBE_VERIFY_OK);
}

static void
test_connect_weak_expired(void **state)
{
	struct server s = { SERVE_TLS, "expired-lsc.pem", "expired-lsc.key",
	    -1, 0, 0, 0, "", 0 };
	struct probe_cert c;
	struct lsc_err e;
	struct probe *p;

	(void)state;
	server_start(&s);
	err_clear(&e);
	assert_non_null(p = probe_new(NULL, 0, &e));
	/* an expired 1024-bit LSC is read, not refused */
	assert_int_equal(probe_connect(p, "127.0.0.1", s.port, NOW, &c, &e),
	    0);
	server_stop(&s);
	probe_free(p);
	assert_true(c.expired);
	assert_int_equal(c.key_bits, 1024);
	assert_int_equal(c.verify, PROBE_VERIFY_NONE);
}

static void
test_connect_refused(void **state)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct probe_cert c;
	struct lsc_err e;
	struct probe *p;
	char want[64];
	int fd;

	(void)state;
	/* a port that was free a moment ago */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_not_equal(fd = socket(AF_INET, SOCK_STREAM, 0), -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	close(fd);
	err_clear(&e);
	assert_non_null(p = probe_new(NULL, 0, &e));
	assert_int_equal(probe_connect(p, "127.0.0.1", ntohs(sin.sin_port),
	    NOW, &c, &e), -1);
	probe_free(p);
	assert_int_equal(e.kind, ERR_NETWORK);
	snprintf(want, sizeof(want), "127.0.0.1:%u: connect: Connection "
	    "refused", (unsigned)ntohs(sin.sin_port));
	assert_string_equal(e.msg, want);
}

static void
test_connect_silent(void **state)
{
	struct server s = { SERVE_SILENT, NULL, NULL, -1, 0, 0, 0, "", 0 };
	struct probe_cert c;
	struct lsc_err e;
	struct probe *p;
	char want[96];

	(void)state;
	server_start(&s);
	err_clear(&e);
	assert_non_null(p = probe_new(NULL, 300, &e));
	assert_int_equal(probe_connect(p, "127.0.0.1", s.port, NOW, &c, &e),
	    -1);
	probe_free(p);
	server_stop(&s);
	assert_int_equal(e.kind, ERR_NETWORK);
	snprintf(want, sizeof(want), "127.0.0.1:%u: TLS handshake: timed out "
	    "after 300 ms", s.port);
	assert_string_equal(e.msg, want);
}

static void
test_connect_not_tls(void **state)
{
	struct server s = { SERVE_HTTP, NULL, NULL, -1, 0, 0, 0, "", 0 };
	struct probe_cert c;
	struct lsc_err e;
	struct probe *p;
	char want[64];

	(void)state;
	server_start(&s);
	err_clear(&e);
	assert_non_null(p = probe_new(NULL, 2000, &e));
	assert_int_equal(probe_connect(p, "127.0.0.1", s.port, NOW, &c, &e),
	    -1);
	probe_free(p);
	server_stop(&s);
	assert_int_equal(e.kind, ERR_TLS);
	snprintf(want, sizeof(want), "127.0.0.1:%u: TLS handshake: ", s.port);
	assert_true(strncmp(e.msg, want, strlen(want)) == 0);
	assert_null(strchr(e.msg, '\n'));
}

static void
test_connect_unresolvable(void **state)
{
	struct probe_cert c;
	struct lsc_err e;
	struct probe *p;

	(void)state;
	err_clear(&e);
	assert_non_null(p = probe_new(NULL, 0, &e));
	assert_int_equal(probe_connect(p, "no-such-phone.invalid", 443, NOW,
	    &c, &e), -1);
	probe_free(p);
	assert_int_equal(e.kind, ERR_NETWORK);
	assert_true(strncmp(e.msg, "no-such-phone.invalid:443: resolving: ",
	    38) == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mic),
		cmocka_unit_test(test_capf_lsc),
		cmocka_unit_test(test_enterprise_chain),
		cmocka_unit_test(test_chain_for_the_store),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_self_signed),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_connect_lsc),
		cmocka_unit_test(test_connect_chain_and_sni),
		cmocka_unit_test(test_connect_weak_expired),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_connect_silent),
		cmocka_unit_test(test_connect_not_tls),
		cmocka_unit_test(test_connect_unresolvable),
	};

	/* the test's server writes session tickets to a probe that left */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
