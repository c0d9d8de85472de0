/*
 * axl.c — the AXL client and the one retried call every request goes
 * through.
 *
 * One attempt is soap_post() plus the mapping of faults to kinds;
 * axl_call() retries what may succeed when resent (throttling always,
 * network errors for reads or when the write provably was not applied),
 * with bounded, jittered backoff through the clock.  The operations are
 * built on it in axl_version.c, axl_read.c and axl_write.c.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "axl/axl.h"
#include "axl/axl_int.h"
#include "axl/base/buf.h"
#include "axl/base/clock.h"
#include "axl/base/err.h"
#include "axl/http.h"
#include "axl/soap.h"

#define DEFAULT_PAGE	1000

static const char *const op_names[AXL_OP__MAX] = {
	[AXL_OP_GETCCMVERSION] = "getCCMVersion",
	[AXL_OP_LISTPHONE] = "listPhone",
	[AXL_OP_EXECUTESQLQUERY] = "executeSQLQuery",
	[AXL_OP_UPDATEPHONE] = "updatePhone",
	[AXL_OP_APPLYPHONE] = "applyPhone",
	[AXL_OP_RESTARTPHONE] = "restartPhone",
	[AXL_OP_RESETPHONE] = "resetPhone",
	[AXL_OP_SELECTCMDEVICE] = "selectCmDevice",
};

const char *
axl_op_name(enum axl_op op)
{
	if ((int)op < 0 || op >= AXL_OP__MAX)
		return "unknown";
	return op_names[op];
}

static int
known_version(const char *v)
{
	return strcmp(v, "12.5") == 0 || strcmp(v, "14.0") == 0 ||
	    strcmp(v, "15.0") == 0;
}

void
axl_set_version(struct axl_client *c, const char *v)
{
	(void)snprintf(c->version, sizeof(c->version), "%s", v);
	(void)snprintf(c->ns, sizeof(c->ns), AXL_NS_BASE "%s", v);
	c->ready = 1;
}

struct axl_client *
axl_new(struct http_transport *http, const struct axl_options *o,
    struct lsc_err *err)
{
	struct axl_client *c;
	size_t	 i;

	if (http == NULL || o == NULL || o->url == NULL) {
		err_set(err, ERR_USAGE, "AXL: no transport or URL");
		return NULL;
	}
	if (o->version != NULL && strcmp(o->version, "auto") != 0 &&
	    !known_version(o->version)) {
		err_set(err, ERR_CONFIG, "AXL version %s: expected auto, 12.5, "
		    "14.0 or 15.0", o->version);
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->url = strdup(o->url)) == NULL) {
		free(c);
		err_set(err, ERR_SYSTEM, "out of memory");
		return NULL;
	}
	c->http = http;
	if (o->version == NULL || strcmp(o->version, "auto") == 0)
		c->auto_version = 1;
	else
		axl_set_version(c, o->version);
	for (i = 0; i < AXL_OP__MAX; i++)
		c->page[i] = o->page_size > 0 ? o->page_size : DEFAULT_PAGE;
	c->retry = o->retry;
	if (c->retry.attempts <= 0)
		c->retry.attempts = 5;
	if (c->retry.base_ms <= 0)
		c->retry.base_ms = 2000;
	if (c->retry.cap_ms <= 0)
		c->retry.cap_ms = 30000;
	if (c->retry.budget_ms <= 0)
		c->retry.budget_ms = 120000;
	c->clock = o->clock != NULL ? o->clock : clock_real();
	c->stats = o->stats != NULL ? o->stats : &c->own_stats;
	return c;
}

void
axl_free(struct axl_client *c)
{
	if (c == NULL)
		return;
	free(c->url);
	free(c);
}

const char *
axl_version(const struct axl_client *c)
{
	return c->ready ? c->version : "auto";
}

/* --- one request, retried ------------------------------------------------ */

/* Case-insensitive strstr (strcasestr is a GNU extension). */
static const char *
ci_find(const char *hay, const char *needle)
{
	size_t	 n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return hay;
	return NULL;
}

/* "Suggestive Row Fetch: less than 844 rows" (or "Suggested row fetch"). */
static long
suggested_rows(const char *text)
{
	static const char phrase[] = "row fetch: less than";
	const char *p;
	char	*end;
	long	 n;

	if ((p = ci_find(text, phrase)) == NULL)
		return 0;
	for (p += sizeof(phrase) - 1; *p == ' '; p++)
		;
	n = strtol(p, &end, 10);
	return end != p && n > 0 && n < LONG_MAX ? n : 0;
}

static void
map_fault(const struct axl_request *r, const struct soap_fault *f,
    struct lsc_err *err)
{
	const char *op = op_names[r->op];
	const char *text;

	text = f->axlmessage[0] != '\0' ? f->axlmessage :
	    f->faultstring[0] != '\0' ? f->faultstring : f->faultcode;
	if (ci_find(f->faultstring, "Query request too large") != NULL ||
	    ci_find(f->axlmessage, "Query request too large") != NULL) {
		err_set(err, ERR_TOOLARGE, "%s: %s", op, text);
		err->suggest_rows = suggested_rows(text);
		if (err->suggest_rows == 0)
			err->suggest_rows = suggested_rows(f->faultstring);
	} else if (ci_find(f->faultstring, "Maximum AXL Memory Allocation")
	    != NULL || ci_find(f->axlmessage, "Maximum AXL Memory "
	    "Allocation") != NULL) {
		err_set(err, ERR_THROTTLED, "%s: %s", op, text);
		err->not_applied = 1;
	} else if (f->axlcode == 5007 || (f->axlcode == 5003 &&
	    ci_find(text, "not found") != NULL))
		/* 5003 also says "lower User Rank" and, on some releases,
		 * an invalid value: only its "not found" is not found */
		err_set(err, ERR_NOTFOUND, "%s: %s", op, text);
	else
		err_set(err, ERR_FAULT, "%s: %s", op, text);
	err->axl_code = f->axlcode;
}

/* Rewrites soap_post()'s generic HTTP messages for AXL. */
static void
refine_http(const struct axl_request *r, struct lsc_err *err)
{
	const char *op = op_names[r->op];

	if (err->kind == ERR_AUTH)
		err_set(err, ERR_AUTH, "%s: HTTP %ld: the AXL account was "
		    "refused (check username/password and the Standard AXL "
		    "API Access role)", op, err->http_status);
	else if (err->kind == ERR_THROTTLED && err->http_status == 503 &&
	    r->write)
		err_set(err, ERR_THROTTLED, "%s: HTTP 503 (AXL write "
		    "throttled)", op);
}

static int
attempt(struct axl_client *c, struct axl_request *r, struct lsc_err *err)
{
	struct exchange x;
	char	 action[96];
	int	 rc;

	(void)snprintf(action, sizeof(action), "CUCM:DB ver=%s %s",
	    r->version != NULL ? r->version : c->version, op_names[r->op]);
	memset(&x, 0, sizeof(x));
	x.url = c->url;
	x.soapaction = action;
	x.op = r->op;
	x.body = &r->body;
	x.no_resend = r->write;
	x.deadline_ms = c->deadline_ms;
	x.spec = &r->spec;
	rc = axl_exchange(c->http, c->clock, c->stats, &x, err);
	r->records = x.records;
	r->dropped = x.dropped;
	(void)snprintf(r->scalar, sizeof(r->scalar), "%s", x.scalar);
	if (rc == 1) {
		map_fault(r, &x.fault, err);
		return -1;
	}
	if (rc == -1)
		refine_http(r, err);
	return rc;
}

static int
should_retry(const struct axl_request *r, const struct lsc_err *err)
{
	if (err->kind == ERR_THROTTLED)
		return !r->write || err->not_applied;
	if (err->kind == ERR_NETWORK) {
		if (r->pageable && r->dropped)
			return 0;	/* axl_read.c shrinks the page */
		return !r->write || err->not_applied;
	}
	return 0;
}

int
axl_call(struct axl_client *c, struct axl_request *r, struct lsc_err *err)
{
	const struct axl_retry *rt = &c->retry;
	int64_t	 waited = 0, wait;
	int	 n, late = 0;

	for (n = 1;; n++) {
		if (attempt(c, r, err) == 0)
			return 0;
		if (!should_retry(r, err) || n >= rt->attempts)
			break;
		wait = axl_retry_wait(err, clock_backoff_ms(c->clock, n - 1,
		    rt->base_ms, rt->cap_ms), rt->cap_ms);
		if (wait > rt->budget_ms - waited)
			wait = rt->budget_ms - waited;
		if (wait <= 0)
			break;		/* the budget is spent */
		if ((late = axl_deadline(c->clock, c->deadline_ms, wait,
		    NULL, err)) == -1)
			break;		/* run_timeout comes first */
		clock_sleep(c->clock, wait);
		waited += wait;
		c->stats->slept_ms += wait;
		c->stats->retries++;
	}
	if (!late)
		axl_err_attempts(err, n);
	if (r->object != NULL)
		err_prefix(err, "%s", r->object);
	return -1;
}

void
axl_set_deadline(struct axl_client *c, int64_t mono_ms)
{
	c->deadline_ms = mono_ms;
}

int
axl_deadline(struct lsc_clock *clk, int64_t deadline_ms, int64_t wait_ms,
    const char *op, struct lsc_err *err)
{
	char	 msg[LSC_ERR_MSGLEN];
	int	 not_applied = err->not_applied;

	if (deadline_ms <= 0 || clk->mono_ms(clk) + wait_ms < deadline_ms)
		return 0;
	if (err->kind == ERR_NONE) {
		err_set(err, ERR_TIMEOUT, "%s: run_timeout reached, not sent",
		    op != NULL ? op : "request");
		err->not_applied = 1;
		return -1;
	}
	memcpy(msg, err->msg, sizeof(msg));
	err_set(err, ERR_TIMEOUT, "%.450s; run_timeout reached", msg);
	err->not_applied = not_applied;
	return -1;
}

int
axl_begin(struct axl_client *c, struct axl_request *r, enum axl_op op,
    struct lsc_err *err)
{
	const char *v = r->version != NULL ? r->version : c->version;
	char	 ns[64];

	if (!c->ready && r->version == NULL)
		return err_set(err, ERR_USAGE, "%s: the AXL version is not "
		    "known yet (axl_connect() first)", op_names[op]);
	r->op = op;
	(void)snprintf(r->response, sizeof(r->response), "%sResponse",
	    op_names[op]);
	r->spec.response = r->response;
	(void)snprintf(ns, sizeof(ns), AXL_NS_BASE "%s", v);
	buf_reset(&r->body);
	/* getCCMVersion's request type has no sequence attribute. */
	return soap_begin(&r->body, ns, op_names[op],
	    op == AXL_OP_GETCCMVERSION ? 0 : ++c->seq);
}

int
axl_finish_body(struct axl_request *r, struct lsc_err *err)
{
	soap_end(&r->body, op_names[r->op]);
	if (buf_failed(&r->body))
		return err_set(err, ERR_SYSTEM, "%s: out of memory",
		    op_names[r->op]);
	return 0;
}

/* Input that will go into XML: say which value is bad, not just "no". */
int
axl_check_xml(enum axl_op op, const char *what, const char *s,
    struct lsc_err *err)
{
	if (s != NULL && !utf8_xml_valid(s, strlen(s)))
		return err_set(err, ERR_CONFIG, "%s: %s is not valid UTF-8 "
		    "or holds a control character", op_names[op], what);
	return 0;
}

/* --- shared with ris.c ---------------------------------------------------- */

int
axl_exchange(struct http_transport *t, struct lsc_clock *clk,
    struct axl_stats *st, struct exchange *x, struct lsc_err *err)
{
	struct soap_parser *p;
	struct http_request req;
	struct http_response resp;
	const char *s;
	int64_t	 t0;
	int	 rc;

	x->records = 0;
	x->dropped = 0;
	x->scalar[0] = '\0';
	if ((p = soap_parser_new(x->spec, err)) == NULL)
		return -1;
	req.url = x->url;
	req.soapaction = x->soapaction;
	req.body = x->body->data;
	req.body_len = x->body->len;
	req.op = op_names[x->op];
	req.no_resend = x->no_resend;
	req.timeout_ms = 0;
	if (x->deadline_ms > 0) {
		err_clear(err);
		if (axl_deadline(clk, x->deadline_ms, 0, req.op, err) == -1) {
			soap_parser_free(p);
			return -1;
		}
		/* no request outlasts the run */
		req.timeout_ms = (long)(x->deadline_ms - clk->mono_ms(clk));
	}
	t0 = clk->mono_ms(clk);
	rc = soap_post(t, &req, p, &resp, err);
	if (rc == -1)
		(void)axl_deadline(clk, x->deadline_ms, 0, req.op, err);
	st->busy_ms += clk->mono_ms(clk) - t0;
	/* requests the transport sent again reached the cluster too */
	st->calls[x->op] += 1 + resp.resent;
	st->retries += resp.resent;
	st->bytes_out += req.body_len * (1 + resp.resent);
	st->bytes_in += resp.bytes;
	x->records = soap_parser_records(p);
	if (rc == 0 && (s = soap_parser_scalar(p, 0)) != NULL)
		(void)snprintf(x->scalar, sizeof(x->scalar), "%s", s);
	else if (rc == 1) {
		st->faults++;
		x->fault = *soap_parser_fault(p);
	} else if (rc == -1)
		x->dropped = err->kind == ERR_NETWORK && resp.status != 0;
	soap_parser_free(p);
	return rc;
}

int64_t
axl_retry_wait(const struct lsc_err *err, int64_t wait, int64_t cap)
{
	int64_t	 ra;

	if (err->retry_after < 0)
		return wait;
	ra = err->retry_after > INT64_MAX / 1000 ? cap :
	    err->retry_after * 1000;
	if (ra > cap)
		ra = cap;
	return ra > wait ? ra : wait;
}

void
axl_err_attempts(struct lsc_err *err, int n)
{
	char	 msg[LSC_ERR_MSGLEN];

	if (n <= 1)
		return;
	(void)snprintf(msg, sizeof(msg), "%s", err->msg);
	err_set(err, err->kind, "%s after %d attempts", msg, n);
}
