/*
 * ris.c — RisPort70 selectCmDevice.
 *
 * The names are asked in chunks of max_names, each call paced by a sliding
 * window: at most rate_per_minute calls in any 60 seconds, counted from the
 * end of each call, as CUCM counts them (the RIS counter is per rolling
 * minute and shared with every other RIS client of the cluster).  A caller
 * that works between two calls (writes) spends the wait instead of adding
 * to it.  A device reported by several
 * nodes is merged within its chunk, so the merge table is bounded by the
 * chunk, and the reply itself is streamed.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "axl/axl.h"
#include "axl/axl_int.h"
#include "axl/base/buf.h"
#include "axl/base/clock.h"
#include "axl/base/err.h"
#include "axl/http.h"
#include "axl/ris.h"
#include "axl/soap.h"

#define RIS_NS		"http://schemas.cisco.com/ast/soap"
#define RIS_OP		"selectCmDevice"
#define RATE_FAULT	"Exceeded allowed rate for Reatime information"
#define PING_NAME	"LSCRENEW-PING"

struct ris_client {
	struct http_transport	*http;
	char			*url;
	int64_t			*ends;		/* mono ms the last calls ended */
	size_t			 window;	/* calls allowed per span_ms */
	size_t			 nends;
	size_t			 head;		/* the oldest end */
	int64_t			 span_ms;
	unsigned		 max_names;
	int			 attempts;
	int64_t			 rate_wait_ms;
	int64_t			 deadline_ms;	/* the run's; 0: none */
	struct lsc_clock	*clock;
	struct axl_stats	*stats;
	struct axl_stats	 own_stats;
	size_t			 chunk;		/* names per call; shrinks when
						   answers are cut */
};

/* What the cluster said about one asked name, merged over nodes. */
struct slot {
	const char	*name;		/* as asked (borrowed) */
	int		 dup;		/* the same name asked again */
	int		 have;
	int		 registered;
	int64_t		 timestamp;
	char		*status;
	char		*ip;
	char		*node;
};

struct chunk {
	size_t		 n;
	struct slot	*slots;		/* by input position */
	struct slot	**order;	/* distinct names, sorted */
	size_t		 norder;
	unsigned long	 entries;	/* device items in the answer */
	unsigned long	 total;		/* TotalDevicesFound */
	int		 have_total;
};

enum ris_field { RF_NAME, RF_STATUS, RF_TIME, RF_IP };

struct ris_client *
ris_new(struct http_transport *http, const struct ris_options *o,
    struct lsc_err *err)
{
	struct ris_client *c;
	double	 rate;

	if (http == NULL || o == NULL || o->url == NULL) {
		err_set(err, ERR_USAGE, "RisPort70: no transport or URL");
		return NULL;
	}
	rate = o->rate_per_minute > 0 ? o->rate_per_minute : 12;
	if (rate > 6000) {
		err_set(err, ERR_CONFIG, "RisPort70 rate %g per minute: too "
		    "high", rate);
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->window = rate >= 1 ? (size_t)rate : 1,
	    c->ends = calloc(c->window, sizeof(*c->ends))) == NULL ||
	    (c->url = strdup(o->url)) == NULL) {
		if (c != NULL)
			free(c->ends);
		free(c);
		err_set(err, ERR_SYSTEM, "out of memory");
		return NULL;
	}
	c->http = http;
	c->span_ms = (int64_t)((double)c->window * 60000.0 / rate + 0.999);
	c->max_names = o->max_names > 0 ? o->max_names : 1000;
	c->chunk = c->max_names;
	c->attempts = o->attempts > 0 ? o->attempts : 4;
	c->rate_wait_ms = o->rate_wait_ms > 0 ? o->rate_wait_ms : 30000;
	c->clock = o->clock != NULL ? o->clock : clock_real();
	c->stats = o->stats != NULL ? o->stats : &c->own_stats;
	return c;
}

void
ris_set_deadline(struct ris_client *c, int64_t mono_ms)
{
	c->deadline_ms = mono_ms;
}

void
ris_free(struct ris_client *c)
{
	if (c == NULL)
		return;
	free(c->url);
	free(c->ends);
	free(c);
}

/* Waits until a call keeps the window: the call `window` calls back must
 * have ended span_ms ago.  Ends, not starts, are counted, so that the
 * cluster, which counts a call when it arrives, never sees one too many.
 * The wait ends at the run's deadline, and the call then fails on it. */
static void
pace(struct ris_client *c)
{
	int64_t	 now, wait;

	if (c->nends < c->window)
		return;
	now = c->clock->mono_ms(c->clock);
	wait = c->ends[c->head] + c->span_ms - now;
	if (c->deadline_ms > 0 && now + wait > c->deadline_ms)
		wait = c->deadline_ms - now;
	if (wait > 0) {
		clock_sleep(c->clock, wait);
		c->stats->slept_ms += wait;
	}
}

/* Counts a call that has ended, answered or not. */
static void
paced(struct ris_client *c)
{
	int64_t	 now = c->clock->mono_ms(c->clock);

	if (c->nends < c->window)
		c->ends[c->nends++] = now;
	else {
		c->ends[c->head] = now;
		c->head = (c->head + 1) % c->window;
	}
}

/* --- the merge table ------------------------------------------------------ */

/* By name, whatever its case. */
static int
cmp_name(const void *a, const void *b)
{
	return strcasecmp((*(struct slot *const *)a)->name,
	    (*(struct slot *const *)b)->name);
}

/* By name, then by position: the first of equal names comes first. */
static int
cmp_slot(const void *a, const void *b)
{
	const struct slot *x = *(struct slot *const *)a;
	const struct slot *y = *(struct slot *const *)b;
	int	 r;

	if ((r = cmp_name(a, b)) != 0)
		return r;
	return x < y ? -1 : x > y;
}

static int
chunk_init(struct chunk *ch, const char *const *names, size_t n)
{
	size_t	 i;

	ch->n = n;
	ch->norder = 0;
	ch->slots = calloc(n, sizeof(*ch->slots));
	ch->order = calloc(n, sizeof(*ch->order));
	if (ch->slots == NULL || ch->order == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		ch->slots[i].name = names[i];
		ch->order[i] = &ch->slots[i];
	}
	qsort(ch->order, n, sizeof(*ch->order), cmp_slot);
	/* Keep the first position of each name. */
	for (i = 0; i < n; i++) {
		if (ch->norder > 0 && strcasecmp(ch->order[i]->name,
		    ch->order[ch->norder - 1]->name) == 0) {
			ch->order[i]->dup = 1;
			continue;
		}
		ch->order[ch->norder++] = ch->order[i];
	}
	return 0;
}

static void
slot_clear(struct slot *s)
{
	free(s->status);
	free(s->ip);
	free(s->node);
	s->status = s->ip = s->node = NULL;
	s->have = s->registered = 0;
	s->timestamp = 0;
}

static void
chunk_reset(struct chunk *ch)
{
	size_t	 i;

	for (i = 0; i < ch->n; i++)
		slot_clear(&ch->slots[i]);
}

static void
chunk_free(struct chunk *ch)
{
	if (ch->slots != NULL)
		chunk_reset(ch);
	free(ch->slots);
	free(ch->order);
}

static struct slot *
chunk_find(struct chunk *ch, const char *name)
{
	struct slot key = { .name = name }, *k = &key, **hit;

	hit = bsearch(&k, ch->order, ch->norder, sizeof(*ch->order), cmp_name);
	return hit != NULL ? *hit : NULL;
}

static int
dup_or_null(char **dst, const char *s)
{
	*dst = NULL;
	if (s == NULL || s[0] == '\0')
		return 0;
	return (*dst = strdup(s)) == NULL ? -1 : 0;
}

static int
on_device(void *arg, const struct soap_record *rec, struct lsc_err *err)
{
	struct chunk *ch = arg;
	const char *const *v = rec->values;
	struct slot *s;
	const char *ip;
	char	*end;
	long long ts = 0;
	int	 registered;

	if (v[RF_NAME] == NULL || (s = chunk_find(ch, v[RF_NAME])) == NULL)
		return 0;	/* not asked: not ours to report */
	if (v[RF_TIME] != NULL && v[RF_TIME][0] != '\0') {
		if (v[RF_TIME][0] < '0' || v[RF_TIME][0] > '9' ||
		    (ts = strtoll(v[RF_TIME], &end, 10), *end != '\0') ||
		    ts == LLONG_MAX)
			return err_set(err, ERR_PARSE, "%s: TimeStamp \"%s\" "
			    "is not a number", v[RF_NAME], v[RF_TIME]);
	}
	registered = v[RF_STATUS] != NULL &&
	    strcmp(v[RF_STATUS], "Registered") == 0;
	/* A Registered entry wins; otherwise the newest one. */
	if (s->have && (s->registered > registered ||
	    (s->registered == registered && s->timestamp >= ts)))
		return 0;
	slot_clear(s);
	/* The first address, when it is IPv4 (IPv6 ones hold a colon). */
	ip = v[RF_IP] != NULL && strchr(v[RF_IP], ':') == NULL ? v[RF_IP] :
	    NULL;
	if (dup_or_null(&s->status, v[RF_STATUS]) == -1 ||
	    dup_or_null(&s->ip, ip) == -1 ||
	    dup_or_null(&s->node, rec->context[0]) == -1) {
		slot_clear(s);
		return err_set(err, ERR_SYSTEM, "out of memory");
	}
	s->have = 1;
	s->registered = registered;
	s->timestamp = ts;
	return 0;
}

/* --- one call ---------------------------------------------------------- */

static int
build(struct ris_client *c, struct buf *b, const char *const *names,
    size_t n, struct lsc_err *err)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (names[i] == NULL || !utf8_xml_valid(names[i],
		    strlen(names[i])))
			return err_set(err, ERR_USAGE, RIS_OP ": device name "
			    "%zu is missing or not valid UTF-8", i + 1);
	soap_begin_ns(b, "soap", RIS_NS, RIS_OP, 0);
	soap_elem_ns(b, "soap", "StateInfo", "");
	buf_puts(b, "<soap:CmSelectionCriteria>");
	buf_printf(b, "<soap:MaxReturnedDevices>%u</soap:MaxReturnedDevices>",
	    c->max_names);
	soap_elem_ns(b, "soap", "DeviceClass", "Phone");
	soap_elem_ns(b, "soap", "Model", "255");
	/* Registered only: each phone is reported once (an UnRegistered
	 * entry per node it once used would crowd the answer past
	 * MaxReturnedDevices); where an offline phone was last is read
	 * from the database (registrationdynamic) instead. */
	soap_elem_ns(b, "soap", "Status", "Registered");
	soap_elem_ns(b, "soap", "NodeName", "");
	soap_elem_ns(b, "soap", "SelectBy", "Name");
	buf_puts(b, "<soap:SelectItems>");
	for (i = 0; i < n; i++) {
		buf_puts(b, "<soap:item>");
		soap_elem_ns(b, "soap", "Item", names[i]);
		buf_puts(b, "</soap:item>");
	}
	buf_puts(b, "</soap:SelectItems>");
	soap_elem_ns(b, "soap", "Protocol", "Any");
	soap_elem_ns(b, "soap", "DownloadStatus", "Any");
	buf_puts(b, "</soap:CmSelectionCriteria>");
	soap_end_ns(b, "soap", RIS_OP);
	if (buf_failed(b))
		return err_set(err, ERR_SYSTEM, RIS_OP ": out of memory");
	return 0;
}

static int
is_rate_fault(const struct soap_fault *f)
{
	size_t	 n = strlen(f->faultcode);
	size_t	 k = strlen("RateControl");

	return strstr(f->faultstring, RATE_FAULT) != NULL ||
	    (n >= k && strcmp(f->faultcode + n - k, "RateControl") == 0);
}

static int
attempt(struct ris_client *c, const struct buf *body, struct chunk *ch,
    struct lsc_err *err)
{
	static const char *const record[] = {
		"selectCmDeviceReturn", "SelectCmDeviceResult", "CmNodes",
		"item", "CmDevices", "item", NULL
	};
	static const char *const fields[] = {
		"Name", "Status", "TimeStamp", "IPAddress/item/IP", NULL
	};
	static const char *const context[] = {
		"selectCmDeviceReturn/SelectCmDeviceResult/CmNodes/item/Name",
		NULL
	};
	static const char *const scalars[] = {
		"selectCmDeviceReturn/SelectCmDeviceResult/TotalDevicesFound",
		NULL
	};
	struct soap_spec spec;
	struct exchange x;
	char	*end;
	int	 rc;

	memset(&spec, 0, sizeof(spec));
	spec.ns = RIS_NS;
	spec.response = "selectCmDeviceResponse";
	spec.record = record;
	spec.fields = fields;
	spec.context = context;
	spec.scalars = scalars;
	spec.on_record = on_device;
	spec.arg = ch;
	chunk_reset(ch);
	memset(&x, 0, sizeof(x));
	x.url = c->url;
	x.soapaction = RIS_OP;
	x.op = AXL_OP_SELECTCMDEVICE;
	x.body = body;
	x.deadline_ms = c->deadline_ms;
	x.spec = &spec;
	rc = axl_exchange(c->http, c->clock, c->stats, &x, err);
	if (rc == 0) {
		ch->entries = (unsigned long)x.records;
		ch->have_total = x.scalar[0] >= '0' && x.scalar[0] <= '9' &&
		    (ch->total = strtoul(x.scalar, &end, 10), *end == '\0');
	} else if (rc == 1) {
		if (is_rate_fault(&x.fault)) {
			err_set(err, ERR_THROTTLED, RIS_OP ": RisPort70 rate "
			    "limit: %s", x.fault.faultstring);
			err->not_applied = 1;
		} else
			err_set(err, ERR_FAULT, RIS_OP ": %s",
			    x.fault.faultstring[0] != '\0' ?
			    x.fault.faultstring : x.fault.faultcode);
		rc = -1;
	} else if (err->kind == ERR_AUTH)
		err_set(err, ERR_AUTH, RIS_OP ": HTTP %ld: the account was "
		    "refused by RisPort70 (check username/password and the "
		    "account's serviceability API rights)", err->http_status);
	return rc;
}

/*
 * Asks one chunk, retrying rate faults, throttling and network errors.
 * When the answer was cut at MaxReturnedDevices (more device entries than
 * it holds: a phone reported by several nodes counts once per node),
 * nothing is delivered and *cut receives the ratio's parts, so the caller
 * asks again with fewer names.
 */
static int
select_chunk(struct ris_client *c, const char *const *names, size_t n,
    ris_device_fn fn, void *arg, unsigned long cut[2], struct lsc_err *err)
{
	struct buf body = BUF_INIT;
	struct chunk ch;
	struct ris_device d;
	struct slot *s;
	int64_t	 wait;
	size_t	 i;
	int	 tries, got, rc = -1;

	memset(&ch, 0, sizeof(ch));
	if (build(c, &body, names, n, err) == -1)
		goto out;
	if (chunk_init(&ch, names, n) == -1) {
		err_set(err, ERR_SYSTEM, "out of memory");
		goto out;
	}
	for (tries = 1;; tries++) {
		pace(c);
		got = attempt(c, &body, &ch, err);
		paced(c);
		if (got == 0)
			break;
		if (tries >= c->attempts ||
		    (err->kind != ERR_THROTTLED && err->kind != ERR_NETWORK))
			goto failed;
		if (err->kind == ERR_THROTTLED && err->http_status != 503)
			wait = c->rate_wait_ms;
		else
			wait = axl_retry_wait(err, clock_backoff_ms(c->clock,
			    tries - 1, 1000, c->rate_wait_ms), c->rate_wait_ms);
		if (axl_deadline(c->clock, c->deadline_ms, wait, NULL,
		    err) == -1)
			goto out;
		clock_sleep(c->clock, wait);
		c->stats->slept_ms += wait;
		c->stats->retries++;
	}
	if (cut != NULL && n > 1 && ch.have_total && ch.total > ch.entries) {
		cut[0] = ch.entries;
		cut[1] = ch.total;
		rc = 0;
		goto out;
	}
	for (i = 0; i < n; i++) {
		s = &ch.slots[i];
		if (s->dup || !s->have || fn == NULL)
			continue;
		d.name = s->name;
		d.registered = s->registered;
		d.status = s->status;
		d.ip = s->ip;
		d.node = s->node;
		d.timestamp = s->timestamp;
		if (fn(arg, &d, err) == -1)
			goto out;
	}
	rc = 0;
	goto out;
failed:
	axl_err_attempts(err, tries);
out:
	chunk_free(&ch);
	buf_free(&body, 0);
	return rc;
}

int
ris_select(struct ris_client *c, const char *const *names, size_t n,
    ris_device_fn fn, void *arg, struct lsc_err *err)
{
	unsigned long cut[2];
	size_t	 off = 0, k, fewer;

	while (off < n) {
		k = n - off < c->chunk ? n - off : c->chunk;
		cut[0] = cut[1] = 0;
		if (select_chunk(c, names + off, k, fn, arg, cut, err) == -1)
			return -1;
		if (cut[1] == 0) {
			off += k;
			continue;
		}
		/* Cut short: ask again with as many names as the answers
		 * per name let fit, less a tenth, and keep that size. */
		fewer = (size_t)((double)k * (double)cut[0] / (double)cut[1] *
		    0.9);
		if (fewer >= k)
			fewer = k - 1;
		c->chunk = fewer > 0 ? fewer : 1;
		c->stats->retries++;
	}
	return 0;
}

int
ris_ping(struct ris_client *c, struct lsc_err *err)
{
	static const char *const names[] = { PING_NAME };

	return select_chunk(c, names, 1, NULL, NULL, NULL, err);
}
