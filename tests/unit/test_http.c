/*
 * test_http.c — the libcurl transport.
 *
 * Without a CUCM: option checks, the https-only refusal, a refused
 * connection, and a small TLS server on 127.0.0.1 run in a thread of this
 * test (certificate made here with OpenSSL) that replays scripted answers
 * and keeps each raw request, to check headers, credentials, the session
 * cookie, re-authentication, Retry-After, snippets and the size cap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "axl/base/buf.h"
#include "axl/base/err.h"
#include "axl/http.h"

#define USER		"axluser"
#define PASS		"s3cr3t pass"
#define BASIC		"Authorization: Basic YXhsdXNlcjpzM2NyM3QgcGFzcw=="
#define MAX_STEPS	16

/* --- a scripted TLS server --------------------------------------------- */

struct step {
	int		 status;	/* 0: read the request, then reset the
					   connection without a reply; -1: the
					   same after refusing connections */
	const char	*headers;	/* extra, each ending in \r\n */
	const char	*body;
};

struct server {
	int		 lfd;
	int		 port;
	int		 plain;		/* no TLS at all */
	int		 close_each;	/* one request per connection */
	SSL_CTX		*ctx;
	struct step	 steps[MAX_STEPS];
	int		 nsteps;
	char		*reqs[MAX_STEPS];	/* raw requests */
	int		 nreqs;
	int		 accepts;
	pthread_t	 th;
};

static EVP_PKEY	*srv_key;
static X509	*srv_cert;
static char	 ca_pem[64];		/* the server's own certificate */
static char	 other_pem[64];		/* an unrelated one */

static X509 *
make_cert(EVP_PKEY *key, const char *cn)
{
	X509	*x = X509_new();
	X509_NAME *n;
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
	    "IP:127.0.0.1,DNS:localhost");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
	    "critical,CA:TRUE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	X509_sign(x, key, EVP_sha256());
	return x;
}

static void
write_pem(char *path, size_t len, X509 *x)
{
	FILE	*fp;
	int	 fd;

	snprintf(path, len, "/tmp/lscrenew-test-ca.XXXXXX");
	if ((fd = mkstemp(path)) == -1 || (fp = fdopen(fd, "w")) == NULL)
		abort();
	PEM_write_X509(fp, x);
	fclose(fp);
}

static int
setup_all(void **state)
{
	EVP_PKEY *k2;
	X509	*x2;
	struct lsc_err err;

	(void)state;
	/* The scripted server writes to plain sockets a client may have
	 * closed: EPIPE, not a signal that ends the test program. */
	signal(SIGPIPE, SIG_IGN);
	if (http_global_init(&err) == -1)
		return -1;
	srv_key = EVP_EC_gen("P-256");
	srv_cert = make_cert(srv_key, "lscrenew test server");
	write_pem(ca_pem, sizeof(ca_pem), srv_cert);
	k2 = EVP_EC_gen("P-256");
	x2 = make_cert(k2, "someone else");
	write_pem(other_pem, sizeof(other_pem), x2);
	X509_free(x2);
	EVP_PKEY_free(k2);
	return 0;
}

static int
teardown_all(void **state)
{
	(void)state;
	unlink(ca_pem);
	unlink(other_pem);
	X509_free(srv_cert);
	EVP_PKEY_free(srv_key);
	http_global_cleanup();
	return 0;
}

/* Reads one request (headers, then Content-Length bytes); NULL at EOF. */
static char *
read_request(SSL *ssl, int fd)
{
	struct buf b = BUF_INIT;
	char	 tmp[4096];
	const char *eoh, *cl;
	size_t	 need = 0;
	int	 n;

	for (;;) {
		if (b.data != NULL && (eoh = strstr(b.data, "\r\n\r\n")) !=
		    NULL) {
			cl = strstr(b.data, "Content-Length: ");
			need = (size_t)(eoh + 4 - b.data) +
			    (cl != NULL && cl < eoh ? strtoul(cl + 16, NULL,
			    10) : 0);
			if (b.len >= need)
				return buf_take(&b);
		}
		n = ssl != NULL ? SSL_read(ssl, tmp, sizeof(tmp)) :
		    (int)read(fd, tmp, sizeof(tmp));
		if (n <= 0) {
			buf_free(&b, 0);
			return NULL;
		}
		buf_append(&b, tmp, (size_t)n);
	}
}

static void *
serve(void *arg)
{
	struct server *s = arg;
	struct buf out = BUF_INIT;
	const struct step *st;
	SSL	*ssl;
	char	*req;
	int	 fd, step = 0;

	while (step < s->nsteps) {
		if ((fd = accept(s->lfd, NULL, NULL)) == -1)
			break;
		s->accepts++;
		ssl = NULL;
		if (s->plain) {
			char	 hello[512];

			/* Whatever the TLS ClientHello is, answer in clear. */
			(void)!read(fd, hello, sizeof(hello));
			(void)!write(fd, "HTTP/1.1 200 OK\r\nContent-Length: 0"
			    "\r\n\r\n", 38);
			close(fd);
			continue;
		}
		ssl = SSL_new(s->ctx);
		SSL_set_fd(ssl, fd);
		if (SSL_accept(ssl) != 1) {
			ERR_clear_error();
			SSL_free(ssl);
			close(fd);
			continue;
		}
		while (step < s->nsteps && (req = read_request(ssl, fd)) !=
		    NULL) {
			s->reqs[s->nreqs++] = req;
			st = &s->steps[step++];
			if (st->status <= 0) {
				struct linger lg = { 1, 0 };

				/* No longer listening: a connection attempt
				 * is refused from now on. */
				if (st->status == -1)
					shutdown(s->lfd, SHUT_RDWR);
				/* An abortive close: RST, no reply at all. */
				setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg,
				    sizeof(lg));
				SSL_free(ssl);
				ssl = NULL;
				break;
			}
			buf_reset(&out);
			buf_printf(&out, "HTTP/1.1 %d Whatever\r\n"
			    "Content-Type: text/xml;charset=UTF-8\r\n"
			    "Content-Length: %zu\r\n"
			    "%s%s\r\n%s", st->status, strlen(st->body),
			    st->headers != NULL ? st->headers : "",
			    s->close_each ? "Connection: close\r\n" : "",
			    st->body);
			SSL_write(ssl, out.data, (int)out.len);
			if (s->close_each)
				break;
		}
		if (ssl != NULL) {
			SSL_shutdown(ssl);
			SSL_free(ssl);
		}
		close(fd);
	}
	buf_free(&out, 0);
	return NULL;
}

static void
server_start(struct server *s, int plain)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int	 one = 1;

	s->plain = plain;
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	assert_int_equal(listen(s->lfd, 4), 0);
	getsockname(s->lfd, (struct sockaddr *)&sin, &len);
	s->port = ntohs(sin.sin_port);
	if (!plain) {
		s->ctx = SSL_CTX_new(TLS_server_method());
		SSL_CTX_use_certificate(s->ctx, srv_cert);
		SSL_CTX_use_PrivateKey(s->ctx, srv_key);
	}
	pthread_create(&s->th, NULL, serve, s);
}

static void
server_stop(struct server *s)
{
	shutdown(s->lfd, SHUT_RDWR);	/* wakes a blocked accept() */
	pthread_join(s->th, NULL);
	close(s->lfd);
	SSL_CTX_free(s->ctx);
	s->ctx = NULL;
}

static void
server_free(struct server *s)
{
	int	 i;

	for (i = 0; i < s->nreqs; i++)
		free(s->reqs[i]);
}

static void
add_step(struct server *s, int status, const char *headers, const char *body)
{
	s->steps[s->nsteps].status = status;
	s->steps[s->nsteps].headers = headers;
	s->steps[s->nsteps].body = body;
	s->nsteps++;
}

/* --- the client side ----------------------------------------------------- */

struct sink {
	struct buf	 got;
	int		 calls;
};

static int
sink_fn(void *arg, const char *data, size_t len)
{
	struct sink *k = arg;

	k->calls++;
	return buf_append(&k->got, data, len);
}

static struct http_transport *
client(const char *ca, uint64_t cap, http_trace_fn trace, void *targ)
{
	struct http_options o;
	struct http_transport *t;
	struct lsc_err err;

	memset(&o, 0, sizeof(o));
	o.ca_file = ca;
	o.username = USER;
	o.password = PASS;
	o.connect_timeout_ms = 5000;
	o.timeout_ms = 10000;
	o.max_response = cap;
	o.trace = trace;
	o.trace_arg = targ;
	t = http_curl_new(&o, &err);
	if (t == NULL)
		fail_msg("http_curl_new: %s", err.msg);
	return t;
}

static int
post_to(struct http_transport *t, const char *host, int port, struct sink *k,
    struct http_response *resp, struct lsc_err *err)
{
	struct http_request req;
	char	 url[128];

	snprintf(url, sizeof(url), "https://%s:%d/axl/", host, port);
	memset(&req, 0, sizeof(req));
	req.url = url;
	req.soapaction = "CUCM:DB ver=14.0 listPhone";
	req.body = "<soapenv:Envelope/>";
	req.body_len = strlen(req.body);
	req.op = "listPhone";
	buf_reset(&k->got);
	k->calls = 0;
	err_clear(err);
	return t->post(t, &req, sink_fn, k, resp, err);
}

/* A write: the transport must never send it twice. */
static int
post_write(struct http_transport *t, int port, struct sink *k,
    struct http_response *resp, struct lsc_err *err)
{
	struct http_request req;
	char	 url[128];

	snprintf(url, sizeof(url), "https://127.0.0.1:%d/axl/", port);
	memset(&req, 0, sizeof(req));
	req.url = url;
	req.soapaction = "CUCM:DB ver=14.0 updatePhone";
	req.body = "<soapenv:Envelope>write</soapenv:Envelope>";
	req.body_len = strlen(req.body);
	req.op = "updatePhone";
	req.no_resend = 1;
	buf_reset(&k->got);
	k->calls = 0;
	err_clear(err);
	return t->post(t, &req, sink_fn, k, resp, err);
}

static int
post(struct http_transport *t, int port, struct sink *k,
    struct http_response *resp, struct lsc_err *err)
{
	return post_to(t, "127.0.0.1", port, k, resp, err);
}

static void
test_session_and_reauth(void **state)
{
	struct server s;
	struct sink k;
	struct http_transport *t;
	struct http_response resp;
	struct lsc_err err;
	int	 i;

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(&k, 0, sizeof(k));
	add_step(&s, 200, "Set-Cookie: JSESSIONIDSSO=ABC123; Path=/; Secure; "
	    "HttpOnly\r\n", "<ok1/>");
	add_step(&s, 200, NULL, "<ok2/>");
	add_step(&s, 401, NULL, "<html>session gone</html>");
	add_step(&s, 200, NULL, "<ok3/>");
	add_step(&s, 404, NULL, "<html>idle</html>");
	add_step(&s, 200, NULL, "<ok4/>");
	server_start(&s, 0);
	t = client(ca_pem, 0, NULL, NULL);

	assert_int_equal(post(t, s.port, &k, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(k.got.data, "<ok1/>");
	assert_int_equal(post(t, s.port, &k, &resp, &err), 0);
	assert_string_equal(k.got.data, "<ok2/>");
	/* 401 to the cookie alone: resent with credentials, once. */
	assert_int_equal(post(t, s.port, &k, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(k.got.data, "<ok3/>");
	/* The same for CUCM's idle-session 404. */
	assert_int_equal(post(t, s.port, &k, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(k.got.data, "<ok4/>");
	http_free(t);
	server_stop(&s);

	assert_int_equal(s.nreqs, 6);
	assert_int_equal(s.accepts, 1);		/* one kept-alive connection */
	for (i = 0; i < 6; i++) {
		if (strstr(s.reqs[i], "POST /axl/ HTTP/1.1\r\n") == NULL)
			fail_msg("%s", s.reqs[i]);
		assert_non_null(strstr(s.reqs[i], "\r\nContent-Type: text/xml; "
		    "charset=utf-8\r\n"));
		assert_non_null(strstr(s.reqs[i], "\r\nAccept: text/xml\r\n"));
		assert_non_null(strstr(s.reqs[i], "\r\nSOAPAction: \"CUCM:DB "
		    "ver=14.0 listPhone\"\r\n"));
		assert_non_null(strstr(s.reqs[i], "gzip"));
		assert_null(strstr(s.reqs[i], "Expect:"));
		assert_null(strstr(s.reqs[i], PASS));
		assert_non_null(strstr(s.reqs[i],
		    "\r\n\r\n<soapenv:Envelope/>"));
	}
	/* Credentials first; then only the cookie; again after 401/404. */
	assert_non_null(strstr(s.reqs[0], BASIC));
	assert_null(strstr(s.reqs[0], "Cookie:"));
	assert_null(strstr(s.reqs[1], "Authorization:"));
	assert_non_null(strstr(s.reqs[1], "Cookie: JSESSIONIDSSO=ABC123"));
	assert_null(strstr(s.reqs[2], "Authorization:"));
	assert_non_null(strstr(s.reqs[3], BASIC));
	assert_null(strstr(s.reqs[4], "Authorization:"));
	assert_non_null(strstr(s.reqs[5], BASIC));
	server_free(&s);
	buf_free(&k.got, 0);
}

/* One transport, two hosts (AXL and RisPort70 may differ): a session
 * cookie of one host never stands in for credentials to the other. */
static void
test_session_per_host(void **state)
{
	struct server s;
	struct sink k;
	struct http_transport *t;
	struct http_response resp;
	struct lsc_err err;

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(&k, 0, sizeof(k));
	add_step(&s, 200, "Set-Cookie: JSESSIONIDSSO=ONE; Path=/\r\n", "<a/>");
	add_step(&s, 200, NULL, "<b/>");
	add_step(&s, 200, NULL, "<c/>");
	s.close_each = 1;
	server_start(&s, 0);
	t = client(ca_pem, 0, NULL, NULL);
	assert_int_equal(post_to(t, "127.0.0.1", s.port, &k, &resp, &err), 0);
	assert_int_equal(post_to(t, "localhost", s.port, &k, &resp, &err), 0);
	assert_int_equal(post_to(t, "127.0.0.1", s.port, &k, &resp, &err), 0);
	assert_string_equal(k.got.data, "<c/>");
	http_free(t);
	server_stop(&s);
	assert_int_equal(s.nreqs, 3);
	assert_non_null(strstr(s.reqs[0], BASIC));
	assert_non_null(strstr(s.reqs[1], BASIC));
	assert_null(strstr(s.reqs[1], "Cookie:"));
	assert_null(strstr(s.reqs[2], "Authorization:"));
	assert_non_null(strstr(s.reqs[2], "Cookie: JSESSIONIDSSO=ONE"));
	server_free(&s);
	buf_free(&k.got, 0);
}

/*
 * A kept-alive connection reset after the request left, before any reply:
 * libcurl sends the request again on a fresh connection.  For a read that
 * is fine and counted (each one reached the server); a write is not sent
 * again, and its outcome is reported as unknown.
 */
static void
test_dead_connection_resend(void **state)
{
	struct server s;
	struct sink k;
	struct http_transport *t;
	struct http_response resp;
	struct lsc_err err;

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(&k, 0, sizeof(k));
	add_step(&s, 200, NULL, "<a/>");
	add_step(&s, 0, NULL, NULL);		/* the read: reset */
	add_step(&s, 200, NULL, "<b/>");	/* ... answered when resent */
	add_step(&s, 0, NULL, NULL);		/* the write: reset */
	add_step(&s, 200, NULL, "<c/>");	/* the next write */
	server_start(&s, 0);
	t = client(ca_pem, 0, NULL, NULL);

	assert_int_equal(post(t, s.port, &k, &resp, &err), 0);
	assert_int_equal(resp.resent, 0);

	assert_int_equal(post(t, s.port, &k, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(k.got.data, "<b/>");
	assert_int_equal(resp.resent, 1);

	assert_int_equal(post_write(t, s.port, &k, &resp, &err), -1);
	assert_int_equal(err.kind, ERR_NETWORK);
	assert_false(err.not_applied);
	assert_string_equal(err.msg, "updatePhone: 127.0.0.1: connection lost "
	    "before any reply; not resent, outcome unknown");
	assert_int_equal(resp.resent, 0);
	assert_int_equal(k.calls, 0);

	/* Writes go on over a new connection. */
	assert_int_equal(post_write(t, s.port, &k, &resp, &err), 0);
	assert_string_equal(k.got.data, "<c/>");
	assert_int_equal(resp.resent, 0);
	http_free(t);
	server_stop(&s);

	/* The write reached the server once; the read twice. */
	assert_int_equal(s.nreqs, 5);
	assert_non_null(strstr(s.reqs[1], "listPhone"));
	assert_non_null(strstr(s.reqs[2], "listPhone"));
	assert_non_null(strstr(s.reqs[3], "\r\n\r\n<soapenv:Envelope>write"));
	assert_non_null(strstr(s.reqs[4], "\r\n\r\n<soapenv:Envelope>write"));
	server_free(&s);
	buf_free(&k.got, 0);
}

/*
 * The same dead connection, and libcurl's resend cannot even connect: the
 * body had left on the first connection, so the outcome is unknown and the
 * error must not say the request was not applied.  Whether the failing
 * attempt was the first or the resend, only a failure before the first
 * byte of the body left proves that.
 */
static void
test_dead_connection_reconnect_fails(void **state)
{
	struct server s;
	struct sink k;
	struct http_transport *t;
	struct http_response resp;
	struct lsc_err err;
	int	 write;

	(void)state;
	memset(&k, 0, sizeof(k));
	for (write = 0; write < 2; write++) {
		memset(&s, 0, sizeof(s));
		add_step(&s, 200, NULL, "<a/>");
		add_step(&s, -1, NULL, NULL);	/* reset, stop listening */
		server_start(&s, 0);
		t = client(ca_pem, 0, NULL, NULL);
		assert_int_equal(post(t, s.port, &k, &resp, &err), 0);
		assert_int_equal(write ? post_write(t, s.port, &k, &resp, &err) :
		    post(t, s.port, &k, &resp, &err), -1);
		assert_int_equal(err.kind, ERR_NETWORK);
		assert_false(err.not_applied);
		assert_int_equal(k.calls, 0);
		http_free(t);
		server_stop(&s);
		/* the request did reach the server, once */
		assert_int_equal(s.nreqs, 2);
		assert_int_equal(s.accepts, 1);
		server_free(&s);
	}

	/* Nothing listening from the start: refused before a byte left. */
	memset(&s, 0, sizeof(s));
	add_step(&s, -1, NULL, NULL);
	server_start(&s, 0);
	shutdown(s.lfd, SHUT_RDWR);
	t = client(ca_pem, 0, NULL, NULL);
	assert_int_equal(post_write(t, s.port, &k, &resp, &err), -1);
	assert_int_equal(err.kind, ERR_NETWORK);
	assert_true(err.not_applied);
	http_free(t);
	server_stop(&s);
	assert_int_equal(s.nreqs, 0);
	server_free(&s);
	buf_free(&k.got, 0);
}

/* A port on 127.0.0.1 nothing listens on. */
static int
closed_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int	 fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	getsockname(fd, (struct sockaddr *)&sin, &len);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/*
 * The proxy variables of the environment are never read; the proxy given
 * is used, and named when it fails.
 */
static void
test_proxy(void **state)
{
	static const char *const vars[] = {
		"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"
	};
	struct server s;
	struct sink k;
	struct http_options o;
	struct http_transport *t;
	struct http_response resp;
	struct lsc_err err;
	char	 dead[64], want[160];
	size_t	 i;

	(void)state;
	snprintf(dead, sizeof(dead), "http://127.0.0.1:%d", closed_port());
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		setenv(vars[i], dead, 1);
	memset(&s, 0, sizeof(s));
	memset(&k, 0, sizeof(k));
	add_step(&s, 200, NULL, "<direct/>");
	server_start(&s, 0);
	t = client(ca_pem, 0, NULL, NULL);
	assert_int_equal(post(t, s.port, &k, &resp, &err), 0);
	assert_string_equal(k.got.data, "<direct/>");
	http_free(t);
	server_stop(&s);
	server_free(&s);
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);

	setenv("NO_PROXY", "*", 1);
	memset(&o, 0, sizeof(o));
	o.ca_file = ca_pem;
	o.username = USER;
	o.password = PASS;
	o.connect_timeout_ms = 5000;
	o.proxy = dead;
	assert_non_null(t = http_curl_new(&o, &err));
	assert_int_equal(post(t, 443, &k, &resp, &err), -1);
	unsetenv("NO_PROXY");
	assert_int_equal(err.kind, ERR_NETWORK);
	assert_true(err.not_applied);
	snprintf(want, sizeof(want), "listPhone: 127.0.0.1 (through the proxy "
	    "%s): ", dead);
	if (strncmp(err.msg, want, strlen(want)) != 0)
		fail_msg("%s", err.msg);
	http_free(t);
	buf_free(&k.got, 0);
}

static void
test_statuses(void **state)
{
	struct server s;
	struct sink k;
	struct http_transport *t;
	struct http_response resp;
	struct lsc_err err;

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(&k, 0, sizeof(k));
	add_step(&s, 401, NULL, "<html>\n  <b>Unauthorized</b>\n</html>");
	add_step(&s, 503, "Retry-After: 7\r\n", "<html>busy</html>");
	add_step(&s, 500, NULL, "<fault/>");
	add_step(&s, 503, "Retry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n",
	    "x");
	server_start(&s, 0);
	t = client(ca_pem, 0, NULL, NULL);

	/* A 401 to credentials is the caller's to report: no resend. */
	assert_int_equal(post(t, s.port, &k, &resp, &err), 0);
	assert_int_equal(resp.status, 401);
	assert_string_equal(resp.snippet, "<html> <b>Unauthorized</b> </html>");
	assert_int_equal(k.calls, 0);
	assert_int_equal(resp.retry_after, -1);

	assert_int_equal(post(t, s.port, &k, &resp, &err), 0);
	assert_int_equal(resp.status, 503);
	assert_int_equal(resp.retry_after, 7);
	assert_int_equal(k.calls, 0);

	assert_int_equal(post(t, s.port, &k, &resp, &err), 0);
	assert_int_equal(resp.status, 500);
	assert_string_equal(k.got.data, "<fault/>");
	assert_int_equal(resp.bytes, 8);

	assert_int_equal(post(t, s.port, &k, &resp, &err), 0);
	assert_int_equal(resp.retry_after, 0);		/* a date past */

	http_free(t);
	server_stop(&s);
	assert_int_equal(s.nreqs, 4);
	server_free(&s);
	buf_free(&k.got, 0);
}

static void
test_response_cap(void **state)
{
	static char big[2001];
	struct server s;
	struct sink k;
	struct http_transport *t;
	struct http_response resp;
	struct lsc_err err;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	memset(&s, 0, sizeof(s));
	memset(&k, 0, sizeof(k));
	add_step(&s, 200, NULL, big);
	server_start(&s, 0);
	t = client(ca_pem, 1000, NULL, NULL);
	assert_int_equal(post(t, s.port, &k, &resp, &err), -1);
	assert_int_equal(err.kind, ERR_TOOLARGE);
	assert_string_equal(err.msg, "listPhone: 127.0.0.1: reply larger than "
	    "the 1000-byte cap");
	assert_true(k.got.len <= 1000);
	http_free(t);
	server_stop(&s);
	server_free(&s);
	buf_free(&k.got, 0);
}

struct trace {
	struct buf	 all;
};

static void
trace_fn(void *arg, const char *what, const char *data, size_t len)
{
	struct trace *tr = arg;

	buf_printf(&tr->all, "[%s]", what);
	buf_append(&tr->all, data, len);
}

static void
test_trace_has_bodies_only(void **state)
{
	struct server s;
	struct sink k;
	struct trace tr;
	struct http_transport *t;
	struct http_response resp;
	struct lsc_err err;

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(&k, 0, sizeof(k));
	memset(&tr, 0, sizeof(tr));
	add_step(&s, 200, NULL, "<reply/>");
	server_start(&s, 0);
	t = client(ca_pem, 0, trace_fn, &tr);
	assert_int_equal(post(t, s.port, &k, &resp, &err), 0);
	http_free(t);
	server_stop(&s);
	server_free(&s);
	assert_string_equal(tr.all.data, "[request]<soapenv:Envelope/>"
	    "[response]<reply/>");
	buf_free(&tr.all, 0);
	buf_free(&k.got, 0);
}

static void
test_tls_failures(void **state)
{
	struct server s;
	struct sink k;
	struct http_transport *t;
	struct http_response resp;
	struct lsc_err err;

	(void)state;
	/* A server our CA did not sign. */
	memset(&s, 0, sizeof(s));
	memset(&k, 0, sizeof(k));
	add_step(&s, 200, NULL, "<never/>");
	server_start(&s, 0);
	t = client(other_pem, 0, NULL, NULL);
	assert_int_equal(post(t, s.port, &k, &resp, &err), -1);
	assert_int_equal(err.kind, ERR_TLS);
	assert_true(err.not_applied);
	if (strncmp(err.msg, "listPhone: 127.0.0.1: TLS: certificate verify "
	    "failed: ", 50) != 0)
		fail_msg("%s", err.msg);
	assert_null(strstr(err.msg, PASS));
	assert_int_equal(k.calls, 0);
	http_free(t);
	server_stop(&s);
	assert_int_equal(s.nreqs, 0);

	/* Something that does not speak TLS at all. */
	memset(&s, 0, sizeof(s));
	add_step(&s, 200, NULL, "");
	server_start(&s, 1);
	t = client(ca_pem, 0, NULL, NULL);
	assert_int_equal(post(t, s.port, &k, &resp, &err), -1);
	assert_int_equal(err.kind, ERR_TLS);
	assert_true(err.not_applied);
	if (strncmp(err.msg, "listPhone: 127.0.0.1: TLS: ", 27) != 0)
		fail_msg("%s", err.msg);
	http_free(t);
	server_stop(&s);
	buf_free(&k.got, 0);
}

static void
test_refuses_non_https(void **state)
{
	static const char *const urls[] = {
		"http://127.0.0.1:8443/axl/", "ftp://127.0.0.1/axl/",
		"HTTP://cucm/axl/",
	};
	struct http_transport *t;
	struct http_request req;
	struct http_response resp;
	struct sink k;
	struct lsc_err err;
	size_t	 i;

	(void)state;
	memset(&k, 0, sizeof(k));
	t = client(NULL, 0, NULL, NULL);
	memset(&req, 0, sizeof(req));
	req.soapaction = "CUCM:DB ver=14.0 listPhone";
	req.body = "<x/>";
	req.body_len = 4;
	req.op = "listPhone";
	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		req.url = urls[i];
		err_clear(&err);
		assert_int_equal(t->post(t, &req, sink_fn, &k, &resp, &err),
		    -1);
		assert_int_equal(err.kind, ERR_CONFIG);
		assert_true(err.not_applied);
		assert_non_null(strstr(err.msg, "only https:// is allowed"));
	}
	assert_string_equal(err.msg, "listPhone: refusing a http:// URL: only "
	    "https:// is allowed");

	req.url = "https://admin:hunter2@cucm.example:8443/axl/";
	assert_int_equal(t->post(t, &req, sink_fn, &k, &resp, &err), -1);
	assert_int_equal(err.kind, ERR_CONFIG);
	assert_string_equal(err.msg, "listPhone: refusing a URL with user "
	    "information: credentials come from the configuration");

	req.url = "not a url at all";
	assert_int_equal(t->post(t, &req, sink_fn, &k, &resp, &err), -1);
	assert_int_equal(err.kind, ERR_CONFIG);

	/* Nothing listens on port 1: never reached, safe to resend. */
	req.url = "https://127.0.0.1:1/axl/";
	err_clear(&err);
	assert_int_equal(t->post(t, &req, sink_fn, &k, &resp, &err), -1);
	assert_int_equal(err.kind, ERR_NETWORK);
	assert_true(err.not_applied);
	assert_int_equal(strncmp(err.msg, "listPhone: 127.0.0.1: ", 22), 0);
	assert_null(strstr(err.msg, PASS));
	assert_int_equal(resp.status, 0);
	assert_int_equal(k.calls, 0);
	http_free(t);
	buf_free(&k.got, 0);
}

static void
test_options(void **state)
{
	struct http_options o;
	struct lsc_err err;

	(void)state;
	assert_null(http_curl_new(NULL, &err));
	assert_int_equal(err.kind, ERR_USAGE);

	memset(&o, 0, sizeof(o));
	o.password = PASS;
	assert_null(http_curl_new(&o, &err));
	assert_int_equal(err.kind, ERR_CONFIG);
	assert_string_equal(err.msg, "no username for the cluster");

	o.username = USER;
	o.password = NULL;
	assert_null(http_curl_new(&o, &err));
	assert_string_equal(err.msg, "no password for the cluster");

	o.password = PASS;
	o.timeout_ms = -1;
	assert_null(http_curl_new(&o, &err));
	assert_string_equal(err.msg, "negative HTTP timeout");

	o.timeout_ms = 0;
	o.ca_file = "/nonexistent/ca.pem";
	assert_null(http_curl_new(&o, &err));
	assert_int_equal(err.kind, ERR_CONFIG);
	assert_string_equal(err.msg, "CA file /nonexistent/ca.pem: not "
	    "readable");

	o.ca_file = NULL;
	o.ca_path = "/nonexistent/certs";
	assert_null(http_curl_new(&o, &err));
	assert_string_equal(err.msg, "CA directory /nonexistent/certs: not "
	    "readable");

	o.ca_path = NULL;
	http_free(http_curl_new(&o, &err));	/* the system store */
	http_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_refuses_non_https),
		cmocka_unit_test(test_session_and_reauth),
		cmocka_unit_test(test_session_per_host),
		cmocka_unit_test(test_statuses),
		cmocka_unit_test(test_dead_connection_resend),
		cmocka_unit_test(test_dead_connection_reconnect_fails),
		cmocka_unit_test(test_proxy),
		cmocka_unit_test(test_response_cap),
		cmocka_unit_test(test_trace_has_bodies_only),
		cmocka_unit_test(test_tls_failures),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
