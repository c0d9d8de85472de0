/*
 * axl.c — the AXL operations lscrenew needs.
 *
 * Every request goes through call(): one attempt is soap_post() plus the
 * mapping of faults to kinds; call() retries what may succeed when resent
 * (throttling always, network errors for reads or when the write provably
 * was not applied), with bounded, jittered backoff through the clock.
 * Paged reads go through paged(), which re-pages on "Query request too
 * large" and on a connection dropped mid-reply.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "axl/axl.h"
#include "axl/buf.h"
#include "axl/clock.h"
#include "axl/err.h"
#include "axl/http.h"
#include "axl/soap.h"

#define AXL_NS_BASE	"http://www.cisco.com/AXL/API/"
#define DEFAULT_PAGE	1000
#define MAX_REPAGES	16
/* A name no device can have: longer than any device name CUCM allows. */
#define PROBE_NAME	"LSCRENEW-WRITE-PROBE-NO-SUCH-DEVICE"

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

static const char *const response_names[AXL_OP__MAX] = {
	[AXL_OP_GETCCMVERSION] = "getCCMVersionResponse",
	[AXL_OP_LISTPHONE] = "listPhoneResponse",
	[AXL_OP_EXECUTESQLQUERY] = "executeSQLQueryResponse",
	[AXL_OP_UPDATEPHONE] = "updatePhoneResponse",
	[AXL_OP_APPLYPHONE] = "applyPhoneResponse",
	[AXL_OP_RESTARTPHONE] = "restartPhoneResponse",
	[AXL_OP_RESETPHONE] = "resetPhoneResponse",
	[AXL_OP_SELECTCMDEVICE] = "selectCmDeviceResponse",
};

struct axl_client {
	struct http_transport	*http;
	char			*url;
	int			 auto_version;
	int			 ready;		/* version known */
	char			 version[8];
	char			 ns[64];
	unsigned		 page_size;
	struct axl_retry	 retry;
	struct lsc_clock	*clock;
	struct axl_stats	*stats;
	struct axl_stats	 own_stats;	/* when the caller keeps none */
	unsigned long long	 seq;
};

/* One request, as call() and paged() see it. */
struct request {
	enum axl_op		 op;
	const char		*object;	/* the phone, for messages */
	int			 write;
	int			 pageable;	/* a drop goes to paged() */
	const char		*version;	/* NULL: the client's */
	struct buf		 body;
	struct soap_spec	 spec;
	/* Results of the last attempt. */
	size_t			 records;
	int			 dropped;	/* cut after the reply began */
	char			 scalar[128];	/* spec.scalars[0] */
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

static void
set_version(struct axl_client *c, const char *v)
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
		set_version(c, o->version);
	c->page_size = o->page_size > 0 ? o->page_size : DEFAULT_PAGE;
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
	static const char *const phrases[] = {
		"Suggestive Row Fetch: less than",
		"Suggested row fetch: less than",
	};
	const char *p;
	char	*end;
	long	 n;
	size_t	 i;

	for (i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++) {
		if ((p = ci_find(text, phrases[i])) == NULL)
			continue;
		p += strlen(phrases[i]);
		while (*p == ' ')
			p++;
		n = strtol(p, &end, 10);
		if (end != p && n > 0 && n < LONG_MAX)
			return n;
	}
	return 0;
}

static void
map_fault(const struct request *r, const struct soap_fault *f,
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
	} else if (f->axlcode == 5003 || f->axlcode == 5007)
		err_set(err, ERR_NOTFOUND, "%s: %s", op, text);
	else
		err_set(err, ERR_FAULT, "%s: %s", op, text);
	err->axl_code = f->axlcode;
}

/* Rewrites soap_post()'s generic HTTP messages for AXL. */
static void
refine_http(const struct request *r, struct lsc_err *err)
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
attempt(struct axl_client *c, struct request *r, struct lsc_err *err)
{
	struct soap_parser *p = NULL;
	struct http_request hreq;
	struct http_response resp;
	const char *v, *s;
	char	 action[96];
	int64_t	 t0;
	int	 rc;

	r->records = 0;
	r->dropped = 0;
	r->scalar[0] = '\0';
	if ((p = soap_parser_new(&r->spec, err)) == NULL)
		return -1;
	v = r->version != NULL ? r->version : c->version;
	(void)snprintf(action, sizeof(action), "CUCM:DB ver=%s %s", v,
	    op_names[r->op]);
	hreq.url = c->url;
	hreq.soapaction = action;
	hreq.body = r->body.data;
	hreq.body_len = r->body.len;
	hreq.op = op_names[r->op];
	hreq.no_resend = r->write;

	t0 = c->clock->mono_ms(c->clock);
	rc = soap_post(c->http, &hreq, p, &resp, err);
	c->stats->busy_ms += c->clock->mono_ms(c->clock) - t0;
	/* Requests the transport sent again reached the cluster too. */
	c->stats->calls[r->op] += 1 + resp.resent;
	c->stats->retries += resp.resent;
	c->stats->bytes_out += r->body.len * (1 + resp.resent);
	c->stats->bytes_in += resp.bytes;
	r->records = soap_parser_records(p);

	if (rc == 0) {
		if ((s = soap_parser_scalar(p, 0)) != NULL)
			(void)snprintf(r->scalar, sizeof(r->scalar), "%s", s);
	} else if (rc == 1) {
		c->stats->faults++;
		map_fault(r, soap_parser_fault(p), err);
		rc = -1;
	} else {
		refine_http(r, err);
		r->dropped = err->kind == ERR_NETWORK && resp.status != 0;
	}
	soap_parser_free(p);
	return rc;
}

static int
should_retry(const struct request *r, const struct lsc_err *err)
{
	if (err->kind == ERR_THROTTLED)
		return !r->write || err->not_applied;
	if (err->kind == ERR_NETWORK) {
		if (r->pageable && r->dropped)
			return 0;	/* paged() shrinks the page */
		return !r->write || err->not_applied;
	}
	return 0;
}

static int
call(struct axl_client *c, struct request *r, struct lsc_err *err)
{
	const struct axl_retry *rt = &c->retry;
	int64_t	 waited = 0, wait, ra;
	int	 n;

	for (n = 1;; n++) {
		if (attempt(c, r, err) == 0)
			return 0;
		if (!should_retry(r, err) || n >= rt->attempts)
			break;
		wait = clock_backoff_ms(c->clock, n - 1, rt->base_ms,
		    rt->cap_ms);
		if (err->retry_after >= 0) {
			ra = err->retry_after > INT64_MAX / 1000 ? rt->cap_ms :
			    err->retry_after * 1000;
			if (ra > rt->cap_ms)
				ra = rt->cap_ms;
			if (ra > wait)
				wait = ra;
		}
		if (wait > rt->budget_ms - waited)
			wait = rt->budget_ms - waited;
		if (wait <= 0)
			break;		/* the budget is spent */
		clock_sleep(c->clock, wait);
		waited += wait;
		c->stats->slept_ms += wait;
		c->stats->retries++;
	}
	if (n > 1) {
		char	 msg[LSC_ERR_MSGLEN];

		(void)snprintf(msg, sizeof(msg), "%s", err->msg);
		err_set(err, err->kind, "%s after %d attempts", msg, n);
	}
	if (r->object != NULL)
		err_prefix(err, "%s", r->object);
	return -1;
}

/* Resets a request for op; the body starts with the envelope. */
static int
begin(struct axl_client *c, struct request *r, enum axl_op op,
    struct lsc_err *err)
{
	const char *v = r->version != NULL ? r->version : c->version;
	char	 ns[64];

	if (!c->ready && r->version == NULL)
		return err_set(err, ERR_USAGE, "%s: the AXL version is not "
		    "known yet (axl_connect() first)", op_names[op]);
	r->op = op;
	r->spec.response = response_names[op];
	(void)snprintf(ns, sizeof(ns), AXL_NS_BASE "%s", v);
	buf_reset(&r->body);
	/* getCCMVersion's request type has no sequence attribute. */
	return soap_begin(&r->body, ns, op_names[op],
	    op == AXL_OP_GETCCMVERSION ? 0 : ++c->seq);
}

static int
finish_body(struct request *r, struct lsc_err *err)
{
	soap_end(&r->body, op_names[r->op]);
	if (buf_failed(&r->body))
		return err_set(err, ERR_SYSTEM, "%s: out of memory",
		    op_names[r->op]);
	return 0;
}

/* Input that will go into XML: say which value is bad, not just "no". */
static int
check_xml(enum axl_op op, const char *what, const char *s,
    struct lsc_err *err)
{
	if (s != NULL && !utf8_xml_valid(s, strlen(s)))
		return err_set(err, ERR_CONFIG, "%s: %s is not valid UTF-8 "
		    "or holds a control character", op_names[op], what);
	return 0;
}

/* Input that will go into an SQL literal: no control character at all. */
static int
check_sql(const char *what, const char *s, struct lsc_err *err)
{
	const unsigned char *p;

	if (s == NULL)
		return 0;
	if (check_xml(AXL_OP_EXECUTESQLQUERY, what, s, err) == -1)
		return -1;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return err_set(err, ERR_CONFIG, "executeSQLQuery: %s "
			    "holds a control character", what);
	return 0;
}

/* --- paging --------------------------------------------------------------- */

typedef int	(*build_fn)(struct axl_client *, struct request *, void *,
		    unsigned long long skip, unsigned first, struct lsc_err *);

/*
 * Reads page after page until one comes back shorter than asked.  A
 * "Query request too large" fault re-pages below the suggested row count,
 * a connection dropped mid-reply halves the page; both retry the same skip
 * and the smaller page is kept for the rest of the read.
 */
static int
paged(struct axl_client *c, struct request *r, build_fn build, void *arg,
    struct lsc_err *err)
{
	unsigned long long skip = 0;
	unsigned page = c->page_size, smaller;
	int	 repages = 0;

	for (;;) {
		if (build(c, r, arg, skip, page, err) == -1)
			return -1;
		r->pageable = page > 1;
		if (call(c, r, err) == 0) {
			if (r->records < page)
				return 0;
			skip += page;
			continue;
		}
		if (page <= 1 || repages >= MAX_REPAGES)
			return -1;
		if (err->kind == ERR_TOOLARGE) {
			smaller = page / 2;
			if (err->suggest_rows > 0 &&
			    (unsigned long)err->suggest_rows <= page) {
				smaller = (unsigned)(err->suggest_rows * 4 / 5);
				if (smaller >= page)
					smaller = page - 1;
			}
		} else if (r->dropped)
			smaller = page / 2;
		else
			return -1;
		page = smaller > 0 ? smaller : 1;
		repages++;
		c->stats->retries++;
	}
}

/* --- version ---------------------------------------------------------- */

/* Parses "14.0.1.13900-155" into 14 and 0. */
static int
parse_release(const char *s, long *major, long *minor)
{
	char	*end;

	if (*s < '0' || *s > '9')
		return -1;
	*major = strtol(s, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9' || *major > 1000)
		return -1;
	*minor = strtol(end + 1, &end, 10);
	if (*minor > 1000 || (*end != '\0' && *end != '.' && *end != '-'))
		return -1;
	return 0;
}

int
axl_connect(struct axl_client *c, char *release, size_t releaselen,
    struct lsc_err *err)
{
	static const char *const scalars[] = {
		"return/componentVersion/version", NULL
	};
	/*
	 * 12.5 first: CUCM 12.5, 14 and 15 all take it.  A release that no
	 * longer does (N-2) answers HTTP 599 "Incorrect axl version"; then
	 * the newer schemas, newest first.
	 */
	static const char *const probe[] = { "12.5", "15.0", "14.0" };
	static const char *const ns[] = {
		AXL_NS_BASE "12.5", AXL_NS_BASE "15.0", AXL_NS_BASE "14.0"
	};
	struct request r;
	const char *pick;
	long	 major, minor, want_major;
	size_t	 i;
	int	 rc = -1;

	memset(&r, 0, sizeof(r));
	buf_init(&r.body);
	for (i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
		buf_reset(&r.body);
		r.version = probe[i];
		r.spec.scalars = scalars;
		if (begin(c, &r, AXL_OP_GETCCMVERSION, err) == -1 ||
		    finish_body(&r, err) == -1)
			goto out;
		r.spec.ns = ns[i];
		if (call(c, &r, err) == 0)
			break;
		if (err->kind != ERR_HTTP || err->http_status != 599)
			goto out;
	}
	if (i == sizeof(probe) / sizeof(probe[0]))
		goto out;	/* 599 to every schema we know */
	if (r.scalar[0] == '\0') {
		err_set(err, ERR_PARSE, "getCCMVersion: the reply has no "
		    "version");
		goto out;
	}
	if (parse_release(r.scalar, &major, &minor) == -1) {
		err_set(err, ERR_PARSE, "getCCMVersion: unexpected version "
		    "\"%s\"", r.scalar);
		goto out;
	}
	if (release != NULL && releaselen > 0)
		(void)snprintf(release, releaselen, "%s", r.scalar);
	if (major < 12 || (major == 12 && minor < 5)) {
		err_set(err, ERR_FAULT, "CUCM %ld.%ld is older than 12.5, the "
		    "oldest release lscrenew supports", major, minor);
		goto out;
	}
	if (major >= 15)
		pick = "15.0";
	else if (major >= 14)
		pick = "14.0";
	else
		pick = "12.5";
	if (!c->auto_version) {
		want_major = strtol(c->version, NULL, 10);
		if (want_major > major) {
			err_set(err, ERR_FAULT, "CUCM %ld.%ld does not accept "
			    "AXL schema %s (use %s or auto)", major, minor,
			    c->version, pick);
			goto out;
		}
	} else
		set_version(c, pick);
	rc = 0;
out:
	buf_free(&r.body, 0);
	return rc;
}

/* --- listPhone ------------------------------------------------------ */

enum phone_field {
	PF_NAME, PF_UUID, PF_DESC, PF_MODEL, PF_POOL, PF_OP, PF_STATUS,
	PF_FINISH, PF_AUTH
};

static const char *const phone_fields[] = {
	"name", "@uuid", "description", "model", "devicePoolName",
	"certificateOperation", "certificateStatus", "upgradeFinishTime",
	"authenticationMode", NULL
};

struct list_ctx {
	const char	*pool;
	const char	*name_like;
	axl_phone_fn	 fn;
	void		*arg;
};

static int
on_phone(void *arg, const struct soap_record *rec, struct lsc_err *err)
{
	const struct list_ctx *l = arg;
	const char *const *v = rec->values;
	struct axl_phone ph;

	if (v[PF_NAME] == NULL || v[PF_NAME][0] == '\0')
		return err_set(err, ERR_PARSE, "a phone without a name");
	/*
	 * searchCriteria is a LIKE pattern, where '_' matches any character:
	 * keep only the pool asked for.
	 */
	if (v[PF_POOL] != NULL && strcasecmp(v[PF_POOL], l->pool) != 0)
		return 0;
	ph.name = v[PF_NAME];
	ph.uuid = v[PF_UUID];
	ph.description = v[PF_DESC];
	ph.model = v[PF_MODEL];
	ph.device_pool = v[PF_POOL];
	ph.cert_operation = v[PF_OP];
	ph.cert_status = v[PF_STATUS];
	ph.finish_time = v[PF_FINISH];
	ph.auth_mode = v[PF_AUTH];
	return l->fn(l->arg, &ph, err);
}

static int
build_list(struct axl_client *c, struct request *r, void *arg,
    unsigned long long skip, unsigned first, struct lsc_err *err)
{
	const struct list_ctx *l = arg;
	struct buf *b = &r->body;

	if (begin(c, r, AXL_OP_LISTPHONE, err) == -1)
		return -1;
	/* Schema order: searchCriteria, returnedTags (LPhone order), skip,
	 * first. */
	buf_puts(b, "<searchCriteria>");
	soap_elem(b, "name", l->name_like);
	soap_elem(b, "devicePoolName", l->pool);
	buf_puts(b, "</searchCriteria><returnedTags><name/><description/>"
	    "<model/><devicePoolName/><certificateOperation/>"
	    "<authenticationMode/><certificateStatus/><upgradeFinishTime/>"
	    "</returnedTags>");
	buf_printf(b, "<skip>%llu</skip><first>%u</first>", skip, first);
	return finish_body(r, err);
}

int
axl_list_phones(struct axl_client *c, const char *pool, const char *name_like,
    axl_phone_fn fn, void *arg, struct lsc_err *err)
{
	static const char *const record[] = { "return", "phone", NULL };
	struct request r;
	struct list_ctx l;
	int	 rc;

	if (pool == NULL || fn == NULL)
		return err_set(err, ERR_USAGE, "listPhone: no device pool");
	if (check_xml(AXL_OP_LISTPHONE, "the device pool name", pool,
	    err) == -1 || check_xml(AXL_OP_LISTPHONE, "the name pattern",
	    name_like, err) == -1)
		return -1;
	memset(&r, 0, sizeof(r));
	buf_init(&r.body);
	l.pool = pool;
	l.name_like = name_like;
	l.fn = fn;
	l.arg = arg;
	r.spec.ns = c->ns;
	r.spec.record = record;
	r.spec.fields = phone_fields;
	r.spec.on_record = on_phone;
	r.spec.arg = &l;
	rc = paged(c, &r, build_list, &l, err);
	buf_free(&r.body, 0);
	return rc;
}

/* --- executeSQLQuery ------------------------------------------------------ */

enum lsc_field {
	LF_NAME, LF_VALID, LF_ISSUER, LF_IP, LF_NODE, LF_SEEN
};

static const char *const lsc_fields[] = {
	"name", "lscvaliduntil", "lscissuername", "lastknownipaddress",
	"lastknownucm", "lastseen", NULL
};

struct lsc_ctx {
	const char	*pool;
	const char	*name_like;
	axl_lsc_fn	 fn;
	void		*arg;
};

/* An epoch column: empty or NULL is 0; anything but digits is an error. */
static int
epoch_column(const char *name, const char *col, const char *v, int64_t *out,
    struct lsc_err *err)
{
	char	*end;
	long long n;

	*out = 0;
	if (v == NULL || v[0] == '\0' || strcmp(v, "NULL") == 0)
		return 0;
	if (v[0] < '0' || v[0] > '9')
		goto bad;
	n = strtoll(v, &end, 10);
	if (*end != '\0' || n == LLONG_MAX)
		goto bad;
	*out = n;
	return 0;
bad:
	return err_set(err, ERR_PARSE, "%s: %s \"%s\" is not a number", name,
	    col, v);
}

static const char *
nonempty(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

static int
on_lsc(void *arg, const struct soap_record *rec, struct lsc_err *err)
{
	const struct lsc_ctx *l = arg;
	const char *const *v = rec->values;
	struct axl_lsc x;

	if (v[LF_NAME] == NULL || v[LF_NAME][0] == '\0')
		return err_set(err, ERR_PARSE, "a row without a device name");
	x.name = v[LF_NAME];
	if (epoch_column(x.name, "lscvaliduntil", v[LF_VALID],
	    &x.valid_until, err) == -1 ||
	    epoch_column(x.name, "lastseen", v[LF_SEEN], &x.last_seen,
	    err) == -1)
		return -1;
	x.issuer = nonempty(v[LF_ISSUER]);
	x.last_ip = nonempty(v[LF_IP]);
	x.last_node = nonempty(v[LF_NODE]);
	return l->fn(l->arg, &x, err);
}

static int
build_lsc(struct axl_client *c, struct request *r, void *arg,
    unsigned long long skip, unsigned first, struct lsc_err *err)
{
	const struct lsc_ctx *l = arg;
	struct buf sql = BUF_INIT;
	int	 rc = -1;

	buf_printf(&sql, "SELECT SKIP %llu FIRST %u d.name, d.lscvaliduntil, "
	    "d.lscissuername, rd.lastknownipaddress, rd.lastknownucm, "
	    "rd.lastseen FROM device d INNER JOIN devicepool dp ON "
	    "d.fkdevicepool = dp.pkid LEFT OUTER JOIN registrationdynamic rd "
	    "ON rd.fkdevice = d.pkid WHERE dp.name = ", skip, first);
	buf_put_sql_literal(&sql, l->pool);
	if (l->name_like != NULL) {
		buf_puts(&sql, " AND d.name LIKE ");
		buf_put_sql_literal(&sql, l->name_like);
	}
	buf_puts(&sql, " AND d.tkclass = 1 ORDER BY d.name");
	if (buf_failed(&sql)) {
		err_set(err, ERR_SYSTEM, "executeSQLQuery: out of memory");
		goto out;
	}
	if (begin(c, r, AXL_OP_EXECUTESQLQUERY, err) == -1)
		goto out;
	soap_elem(&r->body, "sql", sql.data);
	rc = finish_body(r, err);
out:
	buf_free(&sql, 0);
	return rc;
}

int
axl_list_lsc(struct axl_client *c, const char *pool, const char *name_like,
    axl_lsc_fn fn, void *arg, struct lsc_err *err)
{
	static const char *const record[] = { "return", "row", NULL };
	struct request r;
	struct lsc_ctx l;
	int	 rc;

	if (pool == NULL || fn == NULL)
		return err_set(err, ERR_USAGE, "executeSQLQuery: no device "
		    "pool");
	if (check_sql("the device pool name", pool, err) == -1 ||
	    check_sql("the name pattern", name_like, err) == -1)
		return -1;
	memset(&r, 0, sizeof(r));
	buf_init(&r.body);
	l.pool = pool;
	l.name_like = name_like;
	l.fn = fn;
	l.arg = arg;
	r.spec.ns = c->ns;
	r.spec.record = record;
	r.spec.fields = lsc_fields;
	r.spec.on_record = on_lsc;
	r.spec.arg = &l;
	rc = paged(c, &r, build_lsc, &l, err);
	buf_free(&r.body, 0);
	return rc;
}

int
axl_pool_exists(struct axl_client *c, const char *pool, int *exists,
    struct lsc_err *err)
{
	static const char *const record[] = { "return", "row", NULL };
	static const char *const fields[] = { "name", NULL };
	struct request r;
	struct buf sql = BUF_INIT;
	int	 rc = -1;

	*exists = 0;
	if (pool == NULL)
		return err_set(err, ERR_USAGE, "executeSQLQuery: no device "
		    "pool");
	if (check_sql("the device pool name", pool, err) == -1)
		return -1;
	memset(&r, 0, sizeof(r));
	buf_init(&r.body);
	buf_puts(&sql, "SELECT name FROM devicepool WHERE name = ");
	buf_put_sql_literal(&sql, pool);
	if (buf_failed(&sql)) {
		err_set(err, ERR_SYSTEM, "executeSQLQuery: out of memory");
		goto out;
	}
	if (begin(c, &r, AXL_OP_EXECUTESQLQUERY, err) == -1)
		goto out;
	soap_elem(&r.body, "sql", sql.data);
	if (finish_body(&r, err) == -1)
		goto out;
	r.spec.ns = c->ns;
	r.spec.record = record;
	r.spec.fields = fields;
	if (call(c, &r, err) == -1)
		goto out;
	*exists = r.records > 0;
	rc = 0;
out:
	buf_free(&sql, 0);
	buf_free(&r.body, 0);
	return rc;
}

/* --- writes ------------------------------------------------------------- */

/* A write by name whose reply is a StandardResponse. */
static int
write_by_name(struct axl_client *c, enum axl_op op, const char *name,
    const struct axl_capf *capf, struct lsc_err *err)
{
	static const char *const scalars[] = { "return", NULL };
	struct request r;
	int	 rc = -1;

	memset(&r, 0, sizeof(r));
	buf_init(&r.body);
	r.write = 1;
	r.object = name;
	r.spec.scalars = scalars;
	if (begin(c, &r, op, err) == -1)
		goto out;
	soap_elem(&r.body, "name", name);
	if (capf != NULL) {
		/* UpdatePhoneReq's order (AXLSoap.xsd 12.5/14.0/15.0). */
		soap_elem(&r.body, "certificateOperation", capf->operation);
		soap_elem(&r.body, "authenticationMode", capf->auth_mode);
		soap_elem(&r.body, "keySize", capf->key_size);
		soap_elem(&r.body, "keyOrder", capf->key_order);
		soap_elem(&r.body, "ecKeySize", capf->ec_key_size);
		soap_elem(&r.body, "authenticationString", capf->auth_string);
		soap_elem(&r.body, "upgradeFinishTime", capf->finish_time);
	}
	if (finish_body(&r, err) == -1)
		goto out;
	r.spec.ns = c->ns;
	rc = call(c, &r, err);
out:
	/* It may hold the phone's CAPF authentication string. */
	buf_free(&r.body, 1);
	return rc;
}

/* Every value of an updatePhone, checked before anything is built. */
static int
check_capf(const char *name, const struct axl_capf *f, struct lsc_err *err)
{
	const char *const vals[] = {
		f->operation, f->auth_mode, f->auth_string, f->key_order,
		f->key_size, f->ec_key_size, f->finish_time
	};
	const char *const what[] = {
		"certificateOperation", "authenticationMode",
		"authenticationString", "keyOrder", "keySize", "ecKeySize",
		"upgradeFinishTime"
	};
	int64_t	 epoch;
	size_t	 i;

	if (f->operation == NULL)
		return err_set(err, ERR_USAGE, "%s: updatePhone: no certificate"
		    " operation", name);
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		if (check_xml(AXL_OP_UPDATEPHONE, what[i], vals[i], err) == -1)
			return err_prefix(err, "%s", name);
	if (f->finish_time != NULL &&
	    axl_parse_finish_time(f->finish_time, &epoch) == -1)
		return err_set(err, ERR_USAGE, "%s: updatePhone: "
		    "upgradeFinishTime \"%s\" is not YYYY:MM:DD:HH:MM", name,
		    f->finish_time);
	return 0;
}

int
axl_update_capf(struct axl_client *c, const char *name,
    const struct axl_capf *capf, struct lsc_err *err)
{
	if (name == NULL || capf == NULL)
		return err_set(err, ERR_USAGE, "updatePhone: no phone");
	if (check_xml(AXL_OP_UPDATEPHONE, "the phone name", name, err) == -1 ||
	    check_capf(name, capf, err) == -1)
		return -1;
	return write_by_name(c, AXL_OP_UPDATEPHONE, name, capf, err);
}

int
axl_notify_phone(struct axl_client *c, const char *name, enum axl_notify how,
    struct lsc_err *err)
{
	enum axl_op op;

	switch (how) {
	case AXL_NOTIFY_APPLY:
		op = AXL_OP_APPLYPHONE;
		break;
	case AXL_NOTIFY_RESTART:
		op = AXL_OP_RESTARTPHONE;
		break;
	case AXL_NOTIFY_RESET:
		op = AXL_OP_RESETPHONE;
		break;
	default:
		return err_set(err, ERR_USAGE, "notify: unknown action");
	}
	if (name == NULL)
		return err_set(err, ERR_USAGE, "%s: no phone", op_names[op]);
	if (check_xml(op, "the phone name", name, err) == -1)
		return -1;
	return write_by_name(c, op, name, NULL, err);
}

int
axl_can_write(struct axl_client *c, int *can, struct lsc_err *err)
{
	struct lsc_err e;

	*can = 0;
	err_clear(&e);
	if (write_by_name(c, AXL_OP_UPDATEPHONE, PROBE_NAME, NULL, &e) == 0 ||
	    e.kind == ERR_NOTFOUND) {
		*can = 1;
		return 0;
	}
	if (e.kind == ERR_AUTH && e.http_status == 401)
		return 0;	/* a read-only account */
	if (err != NULL)
		*err = e;
	return -1;
}

/* --- upgradeFinishTime ---------------------------------------------------- */

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
axl_format_finish_time(int64_t epoch, char *out, size_t outlen)
{
	struct tm tm;
	time_t	 t;
	int	 n;

	if (epoch < 0 || epoch > 253402300799LL)	/* 9999-12-31 */
		return -1;
	t = (time_t)epoch;
	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	n = snprintf(out, outlen, "%04d:%02d:%02d:%02d:%02d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int
axl_parse_finish_time(const char *s, int64_t *epoch)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int	 f[5], i, j, pos = 0, dim;
	static const int widths[] = { 4, 2, 2, 2, 2 };

	if (s == NULL || strlen(s) != 16)
		return -1;
	for (i = 0; i < 5; i++) {
		if (i > 0 && s[pos++] != ':')
			return -1;
		f[i] = 0;
		for (j = 0; j < widths[i]; j++, pos++) {
			if (s[pos] < '0' || s[pos] > '9')
				return -1;
			f[i] = f[i] * 10 + (s[pos] - '0');
		}
	}
	if (f[0] < 1970 || f[1] < 1 || f[1] > 12 || f[3] > 23 || f[4] > 59)
		return -1;
	dim = mdays[f[1] - 1];
	if (f[1] == 2 && ((f[0] % 4 == 0 && f[0] % 100 != 0) ||
	    f[0] % 400 == 0))
		dim = 29;
	if (f[2] < 1 || f[2] > dim)
		return -1;
	*epoch = days_from_civil(f[0], f[1], f[2]) * 86400 +
	    (int64_t)f[3] * 3600 + (int64_t)f[4] * 60;
	return 0;
}
