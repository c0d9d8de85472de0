/*
 * http_curl.c — the libcurl transport; the only file that knows libcurl.
 *
 * One easy handle per transport, reused for every request so the TLS
 * connection is kept alive.  Credentials reach libcurl only through
 * CURLOPT_USERNAME/CURLOPT_PASSWORD and only while there is no session
 * cookie; no message built here ever holds them (errors name the host, not
 * the URL).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "axl/base/err.h"
#include "axl/http.h"

#define DEFAULT_MAX_RESPONSE	(64ULL * 1024 * 1024)
#define SESSION_COOKIE		"JSESSIONIDSSO"

struct curl_transport {
	struct http_transport	 pub;		/* first: the public face */
	CURL			*curl;
	char			*username;
	char			*password;	/* wiped at free */
	char			*proxy;		/* NULL: none */
	uint64_t		 max_response;
	long			 timeout_ms;	/* 0: none */
	http_trace_fn		 trace;
	void			*trace_arg;
	char			 errbuf[CURL_ERROR_SIZE];
};

/* The state of one perform. */
struct xfer {
	struct curl_transport	*t;
	const struct http_request *req;
	http_sink_fn		 sink;
	void			*sink_arg;
	struct http_response	*resp;
	long			 status;	/* from the last status line */
	long			 retry_after;
	uint64_t		 bytes;
	size_t			 snippet_len;
	int			 toolarge;
	int			 sink_failed;
	size_t			 body_off;	/* request bytes handed over */
	int			 body_left;	/* a byte of the body was handed
						   over, on any connection */
	unsigned		 resent;
	int			 refused_resend;
};

static int curl_post(struct http_transport *, const struct http_request *,
    http_sink_fn, void *, struct http_response *, struct lsc_err *);
static void curl_free_transport(struct http_transport *);

int
http_global_init(struct lsc_err *err)
{
	CURLcode rc;

	if ((rc = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK)
		return err_set(err, ERR_SYSTEM, "libcurl: %s",
		    curl_easy_strerror(rc));
	return 0;
}

void
http_global_cleanup(void)
{
	curl_global_cleanup();
}

void
http_free(struct http_transport *t)
{
	if (t != NULL && t->free != NULL)
		t->free(t);
}

static void
curl_free_transport(struct http_transport *pub)
{
	struct curl_transport *t = (struct curl_transport *)pub;

	if (t == NULL)
		return;
	if (t->curl != NULL)
		curl_easy_cleanup(t->curl);
	if (t->password != NULL) {
		explicit_bzero(t->password, strlen(t->password));
		free(t->password);
	}
	free(t->username);
	free(t->proxy);
	free(t);
}

/* The libcurl options that never change. */
static CURLcode
setup_handle(struct curl_transport *t, const struct http_options *o)
{
	CURL	*c = t->curl;
	CURLcode rc = CURLE_OK;

#define SET(opt, val) \
	do { if ((rc = curl_easy_setopt(c, opt, val)) != CURLE_OK) \
		return rc; } while (0)
	SET(CURLOPT_PROTOCOLS_STR, "https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	/* The configured CA is the only one trusted: both options are set,
	 * the one not configured to NULL, or libcurl would still trust its
	 * built-in bundle or directory beside it. */
	if (o->ca_file != NULL || o->ca_path != NULL) {
		SET(CURLOPT_CAINFO, o->ca_file);
		SET(CURLOPT_CAPATH, o->ca_path);
	}
	/* "" turns off the proxy and NO_PROXY variables, so that one set
	 * for other programs never reroutes AXL traffic */
	SET(CURLOPT_PROXY, o->proxy != NULL ? o->proxy : "");
	SET(CURLOPT_NOPROXY, "");
	if (o->connect_timeout_ms > 0)
		SET(CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	/* a Content-Length over the cap is refused before the body */
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)(t->max_response >
	    INT64_MAX ? INT64_MAX : t->max_response));
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_COOKIEFILE, "");
	SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	SET(CURLOPT_ERRORBUFFER, t->errbuf);
	SET(CURLOPT_POST, 1L);
	SET(CURLOPT_USERAGENT, "lscrenew/" LSCRENEW_VERSION);
#undef SET
	return rc;
}

struct http_transport *
http_curl_new(const struct http_options *o, struct lsc_err *err)
{
	struct curl_transport *t = NULL;
	CURLcode rc;

	if (o == NULL)
		goto usage;
	if (o->username == NULL || o->username[0] == '\0') {
		err_set(err, ERR_CONFIG, "no username for the cluster");
		return NULL;
	}
	if (o->password == NULL) {
		err_set(err, ERR_CONFIG, "no password for the cluster");
		return NULL;
	}
	if (o->connect_timeout_ms < 0 || o->timeout_ms < 0) {
		err_set(err, ERR_CONFIG, "negative HTTP timeout");
		return NULL;
	}
	if (o->ca_file != NULL && access(o->ca_file, R_OK) == -1) {
		err_set(err, ERR_CONFIG, "CA file %s: not readable",
		    o->ca_file);
		return NULL;
	}
	if (o->ca_path != NULL && access(o->ca_path, R_OK | X_OK) == -1) {
		err_set(err, ERR_CONFIG, "CA directory %s: not readable",
		    o->ca_path);
		return NULL;
	}

	if ((t = calloc(1, sizeof(*t))) == NULL)
		goto nomem;
	t->pub.post = curl_post;
	t->pub.free = curl_free_transport;
	t->max_response = o->max_response != 0 ? o->max_response :
	    DEFAULT_MAX_RESPONSE;
	t->timeout_ms = o->timeout_ms;
	t->trace = o->trace;
	t->trace_arg = o->trace_arg;
	if ((t->username = strdup(o->username)) == NULL ||
	    (t->password = strdup(o->password)) == NULL ||
	    (o->proxy != NULL && (t->proxy = strdup(o->proxy)) == NULL))
		goto nomem;
	if ((t->curl = curl_easy_init()) == NULL)
		goto nomem;
	if ((rc = setup_handle(t, o)) != CURLE_OK) {
		err_set(err, ERR_SYSTEM, "libcurl: %s (is libcurl 7.85 or "
		    "newer, built with TLS?)", curl_easy_strerror(rc));
		curl_free_transport(&t->pub);
		return NULL;
	}
	return &t->pub;
nomem:
	curl_free_transport(t != NULL ? &t->pub : NULL);
	err_set(err, ERR_SYSTEM, "out of memory");
	return NULL;
usage:
	err_set(err, ERR_USAGE, "no HTTP options");
	return NULL;
}

/* Parses a Retry-After value: delta-seconds or an HTTP-date. */
static long
parse_retry_after(const char *v, size_t len)
{
	char	 tmp[64];
	char	*end;
	long long n;
	time_t	 when, now;

	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' ||
	    v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, v, len);
	tmp[len] = '\0';
	if (tmp[0] >= '0' && tmp[0] <= '9') {
		n = strtoll(tmp, &end, 10);
		if (*end != '\0' || n < 0 || n > 86400L * 7)
			return -1;
		return (long)n;
	}
	if ((when = curl_getdate(tmp, NULL)) == -1)
		return -1;
	now = time(NULL);
	return when > now ? (long)(when - now) : 0;
}

static size_t
on_header(char *data, size_t size, size_t nitems, void *arg)
{
	struct xfer *x = arg;
	size_t	 len = size * nitems;
	long	 code;
	char	*end;

	if (len > 5 && memcmp(data, "HTTP/", 5) == 0) {
		/* A new response (after a 100 Continue, say). */
		const char *sp = memchr(data, ' ', len);

		x->retry_after = -1;
		if (sp != NULL) {
			code = strtol(sp + 1, &end, 10);
			if (end != sp + 1 && code >= 100 && code <= 999)
				x->status = code;
		}
	} else if (len > 12 && strncasecmp(data, "Retry-After:", 12) == 0)
		x->retry_after = parse_retry_after(data + 12, len - 12);
	return len;
}

/* Hands the request body to libcurl. */
static size_t
on_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct xfer *x = arg;
	size_t	 n = size * nitems, left = x->req->body_len - x->body_off;

	if (n > left)
		n = left;
	memcpy(buf, x->req->body + x->body_off, n);
	x->body_off += n;
	if (n > 0)
		x->body_left = 1;
	return n;
}

/*
 * libcurl rewinds the body to send the request again: when a kept-alive
 * connection died after the request left and before a byte of reply came
 * back, it silently retries on a fresh connection.  The cluster may have
 * acted on the first one, so a write is not sent twice (its outcome is
 * unknown), and a read sent twice is counted.  The body is given through
 * this callback rather than CURLOPT_POSTFIELDS only to see that moment.
 */
static int
on_seek(void *arg, curl_off_t offset, int origin)
{
	struct xfer *x = arg;

	if (origin != SEEK_SET || offset != 0)
		return CURL_SEEKFUNC_CANTSEEK;
	if (x->body_off == 0)
		return CURL_SEEKFUNC_OK;	/* nothing handed over yet */
	if (x->req->no_resend) {
		x->refused_resend = 1;
		return CURL_SEEKFUNC_FAIL;
	}
	x->body_off = 0;
	x->resent++;
	return CURL_SEEKFUNC_OK;
}

/* Keeps the start of a non-SOAP body, printable, for the message. */
static void
keep_snippet(struct xfer *x, const char *data, size_t len)
{
	char	*s = x->resp->snippet;
	size_t	 room = sizeof(x->resp->snippet) - 1 - x->snippet_len;
	size_t	 i;
	unsigned char c;

	for (i = 0; i < len && room > 0; i++) {
		c = (unsigned char)data[i];
		if (c <= 0x20 || c == 0x7f) {
			/* Collapse runs of white space and controls. */
			if (x->snippet_len == 0 || s[x->snippet_len - 1] == ' ')
				continue;
			c = ' ';
		}
		s[x->snippet_len++] = (char)c;
		room--;
	}
	s[x->snippet_len] = '\0';
}

static size_t
on_write(char *data, size_t size, size_t nitems, void *arg)
{
	struct xfer *x = arg;
	size_t	 len = size * nitems;

	if (x->bytes + len > x->t->max_response) {
		x->toolarge = 1;
		return 0;
	}
	x->bytes += len;
	if (x->status != 200 && x->status != 500) {
		keep_snippet(x, data, len);
		return len;
	}
	if (x->t->trace != NULL)
		x->t->trace(x->t->trace_arg, "response", data, len);
	if (x->sink != NULL && x->sink(x->sink_arg, data, len) == -1) {
		x->sink_failed = 1;
		return 0;
	}
	return len;
}

/*
 * Whether the cookie engine holds a JSESSIONIDSSO cookie for host.  The
 * jar is the only state: one transport may serve AXL and RisPort70 on
 * different hosts, and a host that never set the cookie gets credentials.
 */
static int
has_session_cookie(CURL *c, const char *host)
{
	struct curl_slist *list = NULL, *l;
	const char *f[7], *p;
	size_t	 dlen, hlen = strlen(host);
	int	 found = 0, i;

	if (curl_easy_getinfo(c, CURLINFO_COOKIELIST, &list) != CURLE_OK)
		return 0;
	/* Netscape format: domain, tailmatch, path, secure, expiry, name,
	 * value; "#HttpOnly_" before the domain of an HttpOnly cookie. */
	for (l = list; l != NULL && !found; l = l->next) {
		p = l->data;
		for (i = 0; i < 7 && p != NULL; i++) {
			f[i] = p;
			if ((p = strchr(p, '\t')) != NULL)
				p++;
		}
		if (i < 7 || strncmp(f[5], SESSION_COOKIE "\t",
		    sizeof(SESSION_COOKIE)) != 0)
			continue;
		if (strncmp(f[0], "#HttpOnly_", 10) == 0)
			f[0] += 10;
		if (*f[0] == '.')
			f[0]++;
		dlen = (size_t)(strchr(f[0], '\t') - f[0]);
		if (dlen == hlen && strncasecmp(f[0], host, hlen) == 0)
			found = 1;
		else if (strncmp(f[1], "TRUE\t", 5) == 0 && hlen > dlen &&
		    host[hlen - dlen - 1] == '.' &&
		    strncasecmp(f[0], host + hlen - dlen, dlen) == 0)
			found = 1;
	}
	curl_slist_free_all(list);
	return found;
}

/* The host of an https URL, for messages; never the user info. */
static void
url_host(const char *url, char *host, size_t hostlen)
{
	CURLU	*u;
	char	*h = NULL;

	(void)snprintf(host, hostlen, "%s", "(unknown host)");
	if ((u = curl_url()) == NULL)
		return;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK)
		(void)snprintf(host, hostlen, "%s", h);
	curl_free(h);
	curl_url_cleanup(u);
}

/* Refuses anything but a plain https URL before libcurl sees it. */
static int
check_url(const char *op, const char *url, struct lsc_err *err)
{
	CURLU	*u;
	char	*scheme = NULL, *user = NULL, *pass = NULL;
	int	 rc = -1;

	if (url == NULL)
		return err_set(err, ERR_CONFIG, "%s: no URL", op);
	if ((u = curl_url()) == NULL)
		return err_set(err, ERR_SYSTEM, "%s: out of memory", op);
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
		err_set(err, ERR_CONFIG, "%s: not a valid URL", op);
		goto out;
	}
	if (strcasecmp(scheme, "https") != 0) {
		err_set(err, ERR_CONFIG, "%s: refusing a %s:// URL: only "
		    "https:// is allowed", op, scheme);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK) {
		err_set(err, ERR_CONFIG, "%s: refusing a URL with user "
		    "information: credentials come from the configuration",
		    op);
		goto out;
	}
	rc = 0;
out:
	curl_free(scheme);
	if (pass != NULL)
		explicit_bzero(pass, strlen(pass));
	curl_free(pass);
	curl_free(user);
	curl_url_cleanup(u);
	return rc;
}

/*
 * Turns a failed perform into an error kind and a one-line message.  The
 * error proves the request was not acted on only when not one byte of its
 * body left: libcurl silently resends on a fresh connection a request whose
 * kept-alive connection died, so a failure to connect, resolve or shake
 * hands may come after the body was delivered on the first one.
 */
static void
map_error(struct curl_transport *t, const struct xfer *x, CURLcode rc,
    struct lsc_err *err)
{
	const struct http_request *req = x->req;
	const char *op = req->op != NULL ? req->op : "request";
	const char *why;
	char	 host[512];
	size_t	 n;

	url_host(req->url, host, sizeof(host));
	if (t->proxy != NULL && (n = strlen(host)) < sizeof(host))
		snprintf(host + n, sizeof(host) - n, " (through the proxy %s)",
		    t->proxy);
	why = t->errbuf[0] != '\0' ? t->errbuf : curl_easy_strerror(rc);
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_USE_SSL_FAILED:
		/* libcurl's wording, shortened to what a person needs. */
		if (strncmp(why, "SSL certificate problem: ", 25) == 0) {
			err_set(err, ERR_TLS, "%s: %s: TLS: certificate verify "
			    "failed: %s", op, host, why + 25);
		} else {
			if (strncmp(why, "SSL: ", 5) == 0)
				why += 5;
			err_set(err, ERR_TLS, "%s: %s: TLS: %s", op, host, why);
		}
		break;
	case CURLE_UNSUPPORTED_PROTOCOL:
		err_set(err, ERR_CONFIG, "%s: %s: %s", op, host, why);
		break;
	case CURLE_OUT_OF_MEMORY:
		err_set(err, ERR_SYSTEM, "%s: out of memory", op);
		break;
	default:
		/* no connection, a timeout, a reset, a reply cut short */
		err_set(err, ERR_NETWORK, "%s: %s: %s", op, host, why);
		break;
	}
	err->not_applied = !x->body_left;
}

/* One perform; credentials only when asked. */
static CURLcode
perform(struct curl_transport *t, struct xfer *x, struct curl_slist *hdrs,
    int with_credentials)
{
	CURL	*c = t->curl;
	const struct http_request *req = x->req;
	long	 timeout = t->timeout_ms;

	if (req->timeout_ms > 0 && (timeout == 0 || req->timeout_ms < timeout))
		timeout = req->timeout_ms;
	x->status = 0;
	x->retry_after = -1;
	x->bytes = 0;
	x->snippet_len = 0;
	x->toolarge = 0;
	x->sink_failed = 0;
	x->body_off = 0;
	x->body_left = 0;	/* a reply came back to the one before */
	x->refused_resend = 0;
	x->resp->snippet[0] = '\0';
	t->errbuf[0] = '\0';

	(void)curl_easy_setopt(c, CURLOPT_URL, req->url);
	(void)curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
	(void)curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	(void)curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
	(void)curl_easy_setopt(c, CURLOPT_READDATA, x);
	(void)curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek);
	(void)curl_easy_setopt(c, CURLOPT_SEEKDATA, x);
	(void)curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)req->body_len);
	(void)curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	(void)curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	(void)curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	(void)curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	(void)curl_easy_setopt(c, CURLOPT_USERNAME,
	    with_credentials ? t->username : NULL);
	(void)curl_easy_setopt(c, CURLOPT_PASSWORD,
	    with_credentials ? t->password : NULL);
	return curl_easy_perform(c);
}

static int
curl_post(struct http_transport *pub, const struct http_request *req,
    http_sink_fn sink, void *sink_arg, struct http_response *resp,
    struct lsc_err *err)
{
	struct curl_transport *t = (struct curl_transport *)pub;
	struct curl_slist *hdrs = NULL, *h;
	struct xfer x;
	size_t	 i;
	char	 action[512];
	char	 host[256];
	/* "Expect:" keeps libcurl from waiting for a 100 Continue. */
	const char *const fields[] = {
		"Content-Type: text/xml; charset=utf-8", "Accept: text/xml",
		"Expect:", action
	};
	const char *op = req->op != NULL ? req->op : "request";
	CURLcode rc;
	long	 code = 0;
	int	 creds, ret = -1;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	if (check_url(op, req->url, err) == -1) {
		err->not_applied = 1;
		return -1;
	}
	if (req->soapaction == NULL || strpbrk(req->soapaction, "\r\n\"")
	    != NULL || snprintf(action, sizeof(action),
	    "SOAPAction: \"%s\"", req->soapaction) >= (int)sizeof(action))
		return err_set(err, ERR_SYSTEM, "%s: invalid SOAPAction", op);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if ((h = curl_slist_append(hdrs, fields[i])) == NULL) {
			err_set(err, ERR_SYSTEM, "%s: out of memory", op);
			goto out;
		}
		hdrs = h;
	}

	memset(&x, 0, sizeof(x));
	x.t = t;
	x.req = req;
	x.sink = sink;
	x.sink_arg = sink_arg;
	x.resp = resp;

	if (t->trace != NULL)
		t->trace(t->trace_arg, "request", req->body, req->body_len);
	url_host(req->url, host, sizeof(host));
	creds = !has_session_cookie(t->curl, host);
	rc = perform(t, &x, hdrs, creds);
	if (rc == CURLE_OK && !creds && (x.status == 401 || x.status == 404)) {
		/*
		 * CUCM's answer to an idle session: the cookie alone was
		 * refused, so authenticate again.  The rejected body never
		 * reached the sink (only 200 and 500 bodies do).
		 */
		creds = 1;
		x.resent++;
		rc = perform(t, &x, hdrs, creds);
	}
	resp->bytes = x.bytes;
	resp->resent = x.resent;
	resp->retry_after = x.retry_after;
	if (curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code) ==
	    CURLE_OK && code != 0)
		resp->status = code;
	else
		resp->status = x.status;
	if (x.toolarge || rc == CURLE_FILESIZE_EXCEEDED) {
		err_set(err, ERR_TOOLARGE, "%s: %s: reply larger than the "
		    "%llu-byte cap", op, host,
		    (unsigned long long)t->max_response);
		goto out;
	}
	if (x.sink_failed) {
		ret = -1;	/* the sink's error stays where it is */
		goto out;
	}
	if (x.refused_resend) {
		err_set(err, ERR_NETWORK, "%s: %s: connection lost before any "
		    "reply; not resent, outcome unknown", op, host);
		goto out;
	}
	if (rc != CURLE_OK) {
		map_error(t, &x, rc, err);
		goto out;
	}
	ret = 0;
out:
	/* Nothing of this request may outlive it in the handle. */
	(void)curl_easy_setopt(t->curl, CURLOPT_HTTPHEADER, NULL);
	(void)curl_easy_setopt(t->curl, CURLOPT_READDATA, NULL);
	(void)curl_easy_setopt(t->curl, CURLOPT_SEEKDATA, NULL);
	(void)curl_easy_setopt(t->curl, CURLOPT_PASSWORD, NULL);
	(void)curl_easy_setopt(t->curl, CURLOPT_USERNAME, NULL);
	curl_slist_free_all(hdrs);
	return ret;
}
