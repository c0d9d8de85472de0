/*
 * fake_http.c — the scripted transport and the recording clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axl/base/err.h"
#include "axl/http.h"
#include "tests/unit/fake_http.h"

static void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n ? n : 1, size)) == NULL) {
		fprintf(stderr, "fake_http: out of memory\n");
		abort();
	}
	return p;
}

static char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	if (s == NULL)
		return NULL;
	p = xcalloc(1, n + 1);
	memcpy(p, s, n);
	return p;
}

static unsigned
next_rand(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) & 0x7fff;
}

static int
fake_post(struct http_transport *pub, const struct http_request *req,
    http_sink_fn sink, void *sink_arg, struct http_response *resp,
    struct lsc_err *err)
{
	struct fake_http *f = (struct fake_http *)pub;
	struct fake_request *r;
	const struct fake_reply *rp;
	size_t	 len, off, n, limit;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;

	f->reqs = realloc(f->reqs, (f->nreqs + 1) * sizeof(*f->reqs));
	if (f->reqs == NULL)
		abort();
	r = &f->reqs[f->nreqs++];
	r->url = xstrndup(req->url, strlen(req->url));
	r->soapaction = xstrndup(req->soapaction, strlen(req->soapaction));
	r->body = xstrndup(req->body, req->body_len);
	r->op = req->op != NULL ? xstrndup(req->op, strlen(req->op)) : NULL;
	r->no_resend = req->no_resend;

	if (f->clock != NULL)
		f->clock->now += f->latency_ms;
	if (f->next >= f->nreplies) {
		err_set(err, ERR_NETWORK, "%s: fake: no scripted reply",
		    req->op != NULL ? req->op : "request");
		err->not_applied = 1;
		return -1;
	}
	rp = &f->replies[f->next++];
	resp->status = rp->status;
	resp->resent = rp->resent;
	resp->retry_after = rp->retry_after_set ? rp->retry_after : -1;
	len = rp->body != NULL ? rp->body_len : 0;
	limit = rp->fail != ERR_NONE ? (rp->fail_after < len ?
	    rp->fail_after : len) : len;

	if (rp->status != 200 && rp->status != 500) {
		n = len < sizeof(resp->snippet) - 1 ? len :
		    sizeof(resp->snippet) - 1;
		if (n > 0)
			memcpy(resp->snippet, rp->body, n);
		resp->snippet[n] = '\0';
		resp->bytes = len;
	} else {
		for (off = 0; off < limit; off += n) {
			if (rp->chunk == FAKE_CHUNK_RANDOM)
				n = 1 + next_rand(&f->seed) % 64;
			else
				n = rp->chunk ? rp->chunk : limit;
			if (n > limit - off)
				n = limit - off;
			resp->bytes += n;
			if (sink(sink_arg, rp->body + off, n) == -1)
				return -1;	/* the sink's error stands */
		}
	}
	if (rp->fail != ERR_NONE) {
		err_set(err, rp->fail, "%s: cucm.example: fake %s failure",
		    req->op != NULL ? req->op : "request",
		    err_kind_name(rp->fail));
		err->not_applied = rp->not_applied;
		return -1;
	}
	return 0;
}

static void
fake_free_transport(struct http_transport *pub)
{
	fake_http_free((struct fake_http *)pub);
}

struct fake_http *
fake_http_new(void)
{
	struct fake_http *f = xcalloc(1, sizeof(*f));

	f->t.post = fake_post;
	f->t.free = fake_free_transport;
	f->seed = 42;
	return f;
}

void
fake_http_free(struct fake_http *f)
{
	size_t	 i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nreplies; i++)
		free((char *)f->replies[i].body);
	for (i = 0; i < f->nreqs; i++) {
		free(f->reqs[i].url);
		free(f->reqs[i].soapaction);
		free(f->reqs[i].body);
		free(f->reqs[i].op);
	}
	free(f->replies);
	free(f->reqs);
	free(f);
}

void
fake_http_push(struct fake_http *f, const struct fake_reply *r)
{
	struct fake_reply *n;

	f->replies = realloc(f->replies, (f->nreplies + 1) *
	    sizeof(*f->replies));
	if (f->replies == NULL)
		abort();
	n = &f->replies[f->nreplies++];
	*n = *r;
	if (r->body != NULL) {
		n->body_len = r->body_len ? r->body_len : strlen(r->body);
		n->body = xstrndup(r->body, n->body_len);
	}
}

void
fake_http_push_bytes(struct fake_http *f, const void *data, size_t len,
    int copies)
{
	const unsigned char *d = data;
	struct fake_reply r;

	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.body = len > 0 ? data : "";
	r.body_len = len;
	r.chunk = len > 0 ? 1 + d[0] % 64 : 0;
	for (int i = 0; i < copies; i++)
		fake_http_push(f, &r);
}

void
fake_http_push_body(struct fake_http *f, long status, const char *body,
    size_t chunk)
{
	struct fake_reply r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.body = body;
	r.chunk = chunk;
	fake_http_push(f, &r);
}

void
fake_http_push_fail(struct fake_http *f, enum err_kind kind, int not_applied)
{
	struct fake_reply r;

	memset(&r, 0, sizeof(r));
	r.fail = kind;
	r.not_applied = not_applied;
	fake_http_push(f, &r);
}

const char *
fake_http_body(const struct fake_http *f, size_t i)
{
	return i < f->nreqs ? f->reqs[i].body : NULL;
}

size_t
fake_http_remaining(const struct fake_http *f)
{
	return f->nreplies - f->next;
}

static int64_t
fake_mono(struct lsc_clock *c)
{
	return ((struct fake_clock *)c)->now;
}

static void
fake_sleep(struct lsc_clock *c, int64_t ms)
{
	struct fake_clock *f = (struct fake_clock *)c;

	if (f->nsleeps < FAKE_MAX_SLEEPS)
		f->sleeps[f->nsleeps++] = ms;
	f->now += ms;
}

static double
fake_random(struct lsc_clock *c)
{
	return ((struct fake_clock *)c)->rnd;
}

void
fake_clock_init(struct fake_clock *f)
{
	memset(f, 0, sizeof(*f));
	f->c.mono_ms = fake_mono;
	f->c.sleep_ms = fake_sleep;
	f->c.random = fake_random;
	f->now = 1000000;
	f->rnd = 0.5;
}

int64_t
fake_clock_total(const struct fake_clock *f)
{
	int64_t	 t = 0;
	size_t	 i;

	for (i = 0; i < f->nsleeps; i++)
		t += f->sleeps[i];
	return t;
}

char *
fixture_load(const char *rel, size_t *lenp)
{
	const char *dir = getenv("LSCRENEW_FIXTURES");
	char	 path[1024];
	FILE	*fp;
	char	*data;
	long	 len;

	if (dir == NULL)
		dir = "tests/fixtures";
	if (snprintf(path, sizeof(path), "%s/%s", dir, rel) >=
	    (int)sizeof(path) || (fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "fixture %s: cannot open (set "
		    "LSCRENEW_FIXTURES)\n", path);
		abort();
	}
	if (fseek(fp, 0, SEEK_END) == -1 || (len = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) == -1)
		abort();
	data = xcalloc(1, (size_t)len + 1);
	if (len > 0 && fread(data, 1, (size_t)len, fp) != (size_t)len)
		abort();
	fclose(fp);
	if (lenp != NULL)
		*lenp = (size_t)len;
	return data;
}

size_t
count_substr(const char *hay, const char *needle)
{
	size_t	 n = 0, k = strlen(needle);

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += k;
	}
	return n;
}

static const char *const kind_names[ERR__MAX] = {
	[ERR_NONE] = "none",
	[ERR_SYSTEM] = "system",
	[ERR_USAGE] = "usage",
	[ERR_CONFIG] = "config",
	[ERR_AUTH] = "auth",
	[ERR_TLS] = "tls",
	[ERR_NETWORK] = "network",
	[ERR_THROTTLED] = "throttled",
	[ERR_TOOLARGE] = "toolarge",
	[ERR_NOTFOUND] = "notfound",
	[ERR_FAULT] = "fault",
	[ERR_HTTP] = "http",
	[ERR_PARSE] = "parse",
	[ERR_STORE] = "store",
	[ERR_LOCKED] = "locked",
	[ERR_TIMEOUT] = "timeout",
};

const char *
err_kind_name(enum err_kind kind)
{
	if ((int)kind < 0 || kind >= ERR__MAX || kind_names[kind] == NULL)
		return "unknown";
	return kind_names[kind];
}
