/*
 * trust.c — which CA a browser must trust to open the phones' web pages,
 * from what the phones presented (the newest probe of each phone).
 *
 * A chain is what identifies a phone's issuer side: the kind of its
 * certificate, its issuer and authority key identifier, and the CA
 * certificates it sent after the leaf (by fingerprint, as sent).  Phones
 * presenting the same chain count once per chain.  Each chain's root is
 * found by following issuers through every CA certificate any phone sent
 * (a key identifier matches first, then the subject): a self-signed CA
 * ends the walk; an issuer no phone sent ends it too, and is named (its
 * subject and key identifier) so the administrator knows to fetch it from
 * CUCM (CAPF-trust) or the enterprise PKI.  A self-signed leaf is its own
 * root: only that phone's certificate opens that phone's page.
 *
 * Nothing a phone sent is trusted for the answer: fingerprints, names and
 * identifiers are compared as text, the walk is bounded, and everything
 * is escaped where it is shown.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "jobs/store_probe.h"
#include "reports/report_int.h"

#define WALK_MAX	32	/* issuers followed from a leaf */

/* ---- building the set ---------------------------------------------------- */

int
report_trust_add_probe(struct report_trust *t, const struct report_probe *p,
    struct lsc_err *e)
{
	struct report_probe *v, *c;

	if ((v = report_grow(t->p, t->np, &t->capp, sizeof(*v), 64)) == NULL)
		return report_syserr(e, "reading probes");
	t->p = v;
	c = &t->p[t->np];
	*c = *p;
	c->chain_ix = TRUST_NONE;
	const char **f[] = { &c->cluster, &c->pool, &c->campaign, &c->model,
	    &c->name, &c->address, &c->outcome, &c->kind, &c->subject,
	    &c->issuer, &c->sha256, &c->aki, &c->chain, &c->cls, &c->reason };

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (*f[i] != NULL &&
		    (*f[i] = report_phones_dup(&t->strings, *f[i])) == NULL)
			return report_syserr(e, "reading probes");
	t->np++;
	return 0;
}

/* The DER in base64 (RFC 4648), no line breaks; NULL when out of memory. */
static char *
base64(const unsigned char *d, size_t n)
{
	char *s;

	if (n > INT_MAX / 4 * 3 - 3 || (s = malloc((n + 2) / 3 * 4 +
	    1)) == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)s, d, (int)n);
	return s;
}

int
report_trust_add_ca(struct report_trust *t, const struct report_ca *ca,
    const unsigned char *der, size_t len, struct lsc_err *e)
{
	struct report_ca *v, *c;
	char *enc = NULL;
	int rc = -1;

	if (der != NULL && len > 0 && (enc = base64(der, len)) == NULL)
		return report_syserr(e, "reading CA certificates");
	if ((v = report_grow(t->ca, t->nca, &t->capca, sizeof(*v), 16)) ==
	    NULL)
		goto out;
	t->ca = v;
	c = &t->ca[t->nca];
	*c = *ca;
	c->phones = 0;
	c->depth = -1;
	c->b64 = NULL;
	const char **f[] = { &c->sha256, &c->subject, &c->issuer, &c->ski,
	    &c->aki };

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (*f[i] != NULL &&
		    (*f[i] = report_phones_dup(&t->strings, *f[i])) == NULL)
			goto out;
	if (enc != NULL && (c->b64 = report_phones_dup(&t->strings, enc)) ==
	    NULL)
		goto out;
	t->nca++;
	rc = 0;
out:
	free(enc);
	return rc == 0 ? 0 : report_syserr(e, "reading CA certificates");
}

void
report_trust_free(struct report_trust *t)
{
	free(t->p);
	free(t->ca);
	free(t->ch);
	report_phones_free(&t->strings);
	memset(t, 0, sizeof(*t));
}

/* ---- chains and roots ---------------------------------------------------- */

static int
same(const char *a, const char *b)
{
	return a != NULL && b != NULL && *a != '\0' && strcasecmp(a, b) == 0;
}

static int
eq(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

/* The CA that issued a certificate with this issuer name and authority
 * key identifier: by key identifier, else by subject; TRUST_NONE. */
static size_t
issuer_of(const struct report_trust *t, const char *issuer, const char *aki)
{
	size_t i;

	if (aki != NULL && *aki != '\0') {
		for (i = 0; i < t->nca; i++)
			if (same(t->ca[i].ski, aki) && t->ca[i].b64 != NULL)
				return i;
	}
	for (i = 0; i < t->nca; i++)
		if (eq(t->ca[i].subject, issuer) && t->ca[i].b64 != NULL &&
		    (aki == NULL || *aki == '\0' || t->ca[i].ski == NULL ||
		    *t->ca[i].ski == '\0'))
			return i;
	return TRUST_NONE;
}

/* The entry naming a root no phone sent (added once per name and key
 * identifier). */
static size_t
unsent_root(struct report_trust *t, const char *issuer, const char *aki,
    struct lsc_err *e)
{
	struct report_ca c;

	for (size_t i = 0; i < t->nca; i++)
		if (t->ca[i].b64 == NULL && eq(t->ca[i].subject, issuer) &&
		    eq(t->ca[i].ski, aki))
			return i;
	memset(&c, 0, sizeof(c));
	c.subject = issuer != NULL ? issuer : "";
	c.ski = aki;
	c.self_signed = 1;
	if (report_trust_add_ca(t, &c, NULL, 0, e) == -1)
		return TRUST_ERROR;
	t->ca[t->nca - 1].depth = 0;
	return t->nca - 1;
}

/*
 * The path from a certificate (issuer, aki) up to its root, issuer first:
 * path[0] issued it, path[n-1] is the root.  Returns n (at least 1), or 0
 * with e filled.
 */
static size_t
walk(struct report_trust *t, const char *issuer, const char *aki,
    size_t path[WALK_MAX], struct lsc_err *e)
{
	size_t n = 0, c;

	while (n < WALK_MAX) {
		if ((c = issuer_of(t, issuer, aki)) == TRUST_NONE) {
			if ((c = unsent_root(t, issuer, aki, e)) == TRUST_ERROR)
				return 0;
			path[n++] = c;
			break;
		}
		for (size_t k = 0; k < n; k++)
			if (path[k] == c)	/* a loop: stop here */
				return n;
		path[n++] = c;
		if (t->ca[c].self_signed)
			break;
		issuer = t->ca[c].issuer;
		aki = t->ca[c].aki;
	}
	return n;
}

static size_t
chain_find(const struct report_trust *t, const struct report_probe *p)
{
	for (size_t i = 0; i < t->nch; i++) {
		const struct report_chain *c = &t->ch[i];

		if (eq(c->kind, p->kind) && eq(c->issuer, p->issuer) &&
		    eq(c->aki, p->aki) && eq(c->chain, p->chain) &&
		    (!c->self || eq(c->subject, p->subject)))
			return i;
	}
	return TRUST_NONE;
}

static int
is_self(const struct report_probe *p)
{
	return eq(p->kind, "self_signed");
}

/* Groups the probes that presented a certificate into chains. */
static int
group(struct report_trust *t, struct lsc_err *e)
{
	for (size_t i = 0; i < t->np; i++) {
		struct report_probe *p = &t->p[i];
		struct report_chain *v;
		size_t c;

		if (!eq(p->outcome, "presented") || p->sha256 == NULL)
			continue;
		if ((c = chain_find(t, p)) == TRUST_NONE) {
			if ((v = report_grow(t->ch, t->nch, &t->capch,
			    sizeof(*v), 16)) == NULL)
				return report_syserr(e, "grouping chains");
			t->ch = v;
			c = t->nch++;
			memset(&t->ch[c], 0, sizeof(t->ch[c]));
			t->ch[c].kind = p->kind;
			t->ch[c].issuer = p->issuer;
			t->ch[c].aki = p->aki;
			t->ch[c].chain = p->chain;
			t->ch[c].self = is_self(p);
			t->ch[c].subject = p->subject;
			t->ch[c].leaf = p->sha256;
			t->ch[c].root = TRUST_NONE;
		}
		t->ch[c].phones++;
		p->chain_ix = c;
	}
	return 0;
}

/* How far a CA is from its root (0: a root), following issuers. */
static int
depth(struct report_trust *t, size_t c, struct lsc_err *e)
{
	size_t path[WALK_MAX], n;

	if (t->ca[c].depth >= 0)
		return 0;
	if (t->ca[c].self_signed) {
		t->ca[c].depth = 0;
		return 0;
	}
	if ((n = walk(t, t->ca[c].issuer, t->ca[c].aki, path, e)) == 0)
		return -1;
	t->ca[c].depth = (int)n;
	return 0;
}

static int
ca_order(const void *a, const void *b)
{
	const struct report_ca *x = a, *y = b;
	int r;

	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	if ((r = strcmp(x->subject != NULL ? x->subject : "",
	    y->subject != NULL ? y->subject : "")) != 0)
		return r;
	return strcmp(x->sha256 != NULL ? x->sha256 : "",
	    y->sha256 != NULL ? y->sha256 : "");
}

static int
chain_order(const void *a, const void *b)
{
	const struct report_chain *x = a, *y = b;

	if (x->phones != y->phones)
		return x->phones > y->phones ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/*
 * Sorts the CAs root first and the chains most phones first, keeping the
 * indexes that point at them right.
 */
static int
sort(struct report_trust *t, struct lsc_err *e)
{
	size_t *cmap = NULL, *hmap = NULL, i;

	for (i = 0; i < t->nca; i++)
		t->ca[i].ix = i;
	for (i = 0; i < t->nch; i++)
		t->ch[i].first = i;
	if (t->nca > 0)		/* qsort wants an array, even empty */
		qsort(t->ca, t->nca, sizeof(*t->ca), ca_order);
	if (t->nch > 0)
		qsort(t->ch, t->nch, sizeof(*t->ch), chain_order);
	if ((cmap = calloc(t->nca + 1, sizeof(*cmap))) == NULL ||
	    (hmap = calloc(t->nch + 1, sizeof(*hmap))) == NULL) {
		free(cmap);
		return report_syserr(e, "sorting chains");
	}
	for (i = 0; i < t->nca; i++)
		cmap[t->ca[i].ix] = i;
	for (i = 0; i < t->nch; i++)
		hmap[t->ch[i].first] = i;
	for (i = 0; i < t->nch; i++)
		if (t->ch[i].root != TRUST_NONE)
			t->ch[i].root = cmap[t->ch[i].root];
	for (i = 0; i < t->np; i++)
		if (t->p[i].chain_ix != TRUST_NONE)
			t->p[i].chain_ix = hmap[t->p[i].chain_ix];
	free(cmap);
	free(hmap);
	return 0;
}

int
report_trust_analyse(struct report_trust *t, struct lsc_err *e)
{
	size_t path[WALK_MAX], n, i, k;

	if (group(t, e) == -1)
		return -1;
	for (i = 0; i < t->nch; i++) {
		struct report_chain *c = &t->ch[i];

		if (c->self)
			continue;
		if ((n = walk(t, c->issuer, c->aki, path, e)) == 0)
			return -1;
		c->root = path[n - 1];
		c->depth = (int)n;
		for (k = 0; k < n; k++)
			t->ca[path[k]].phones += c->phones;
	}
	for (i = 0; i < t->nca; i++)
		if (depth(t, i, e) == -1)
			return -1;
	return sort(t, e);
}

/* ---- the answer in words ------------------------------------------------- */

/* The roots a group of phones needs, counted (roots[i]: phones needing
 * ca[i]), with the phones that presented a self-signed certificate, a
 * MIC, or nothing. */
void
report_trust_need(const struct report_trust *t, const char *cluster,
    const char *pool, unsigned long *roots, struct report_need *nd)
{
	memset(nd, 0, sizeof(*nd));
	memset(roots, 0, t->nca * sizeof(*roots));
	for (size_t i = 0; i < t->np; i++) {
		const struct report_probe *p = &t->p[i];
		const struct report_chain *c;

		if ((cluster != NULL && !eq(p->cluster, cluster)) ||
		    (pool != NULL && !eq(p->pool, pool)))
			continue;
		nd->phones++;
		if (p->chain_ix == TRUST_NONE) {
			nd->silent++;
			continue;
		}
		c = &t->ch[p->chain_ix];
		if (c->self) {
			nd->self++;
			continue;
		}
		if (eq(c->kind, "mic"))
			nd->mic++;
		roots[c->root]++;
	}
}

const char *
report_trust_source(const struct report_trust *t, size_t root)
{
	for (size_t i = 0; i < t->nch; i++)
		if (!t->ch[i].self && t->ch[i].root == root) {
			if (eq(t->ch[i].kind, "capf_lsc"))
				return "CUCM (the CAPF certificate, in the "
				    "CAPF-trust store of every node)";
			if (eq(t->ch[i].kind, "mic"))
				return "CUCM (Cisco's manufacturing CAs are in "
				    "its CAPF-trust store)";
		}
	return "the enterprise PKI (or CUCM's CAPF-trust store, where "
	    "CAPF keeps the CA it forwards to)";
}

/* ---- the PEM bundle ------------------------------------------------------ */

/* A comment line: "# " and text a PEM reader can never take for more. */
static void
comment(struct buf *b, const char *label, const char *text)
{
	buf_printf(b, "# %s", label);
	if (text != NULL)
		buf_put_text(b, text, strlen(text));
	buf_puts(b, "\n");
}

int
report_trust_pem(const struct report_trust *t, struct report_ctx *ctx)
{
	struct buf *b = ctx->out;
	unsigned long sent = 0, named = 0;
	char num[64];

	buf_puts(b, "# CA certificates the phones sent, root first "
	    "(lscrenew report trust --pem)\n");
	for (size_t i = 0; i < t->nca; i++) {
		const struct report_ca *c = &t->ca[i];
		size_t len;

		if (c->phones == 0 || c->b64 == NULL)
			continue;
		sent++;
		buf_puts(b, "\n");
		comment(b, "subject: ", c->subject);
		comment(b, "issuer: ", c->issuer);
		comment(b, "sha256: ", c->sha256);
		snprintf(num, sizeof(num), "%lu", c->phones);
		comment(b, c->depth == 0 ? "root, phones chaining to it: " :
		    "phones chaining to it: ", num);
		buf_puts(b, "-----BEGIN CERTIFICATE-----\n");
		len = strlen(c->b64);
		for (size_t o = 0; o < len; o += 64) {
			buf_append(b, c->b64 + o, len - o < 64 ? len - o : 64);
			buf_puts(b, "\n");
		}
		buf_puts(b, "-----END CERTIFICATE-----\n");
	}
	for (size_t i = 0; i < t->nca; i++) {
		const struct report_ca *c = &t->ca[i];

		if (c->phones == 0 || c->b64 != NULL)
			continue;
		if (named++ == 0)
			buf_puts(b, "\n# CAs no phone sent, each at the top of "
			    "a chain as far as the phones sent it (a root, or\n"
			    "# the CA under one): fetch each from where it says "
			    "and add it here.\n");
		comment(b, "not sent: ", c->subject);
		comment(b, "  key identifier: ", c->ski != NULL && *c->ski ?
		    c->ski : "(none given)");
		comment(b, "  fetch it from: ", report_trust_source(t, i));
		snprintf(num, sizeof(num), "%lu", c->phones);
		comment(b, "  phones chaining to it: ", num);
	}
	ctx->res.rows = sent;
	ctx->res.files = named;
	return buf_failed(b) ? -1 : 0;
}

/* ---- from the store ------------------------------------------------------ */

struct collect {
	struct report_ctx	*ctx;
	struct report_trust	*t;
	struct report_phones	 phones;	/* the filter's, by name */
	int			 filtered;	/* campaign or pool */
};

static int
phone_cmp(const void *k, const void *v)
{
	const struct store_phone *a = k, *b = v;
	int r;

	if ((r = strcmp(a->cluster, b->cluster)) != 0)
		return r;
	return strcmp(a->name, b->name);
}

/* The stored phone a probe was of; NULL when the filter left it out or
 * the store does not hold it. */
static const struct store_phone *
probe_phone(const struct report_phones *ps, const char *cluster,
    const char *name)
{
	struct store_phone k;

	if (cluster == NULL || name == NULL || ps->n == 0)
		return NULL;
	memset(&k, 0, sizeof(k));
	k.cluster = cluster;
	k.name = name;
	return bsearch(&k, ps->v, ps->n, sizeof(*ps->v), phone_cmp);
}

static int
collect_probe(void *arg, const struct store_probe *sp, struct lsc_err *e)
{
	struct collect *c = arg;
	const struct store_phone *ph;
	struct report_probe p;

	ph = probe_phone(&c->phones, sp->cluster, sp->phone);
	if (ph == NULL && c->filtered)
		return 0;
	memset(&p, 0, sizeof(p));
	p.cluster = sp->cluster;
	p.campaign = ph != NULL ? ph->campaign : NULL;
	p.pool = ph != NULL ? ph->pool : NULL;
	p.model = ph != NULL ? ph->model : NULL;
	p.name = sp->phone;
	p.address = sp->address;
	p.at = sp->at;
	p.outcome = sp->outcome;
	p.reason = sp->reason != NULL ? sp->reason : sp->class_reason;
	p.kind = sp->kind;
	p.subject = sp->subject;
	p.issuer = sp->issuer;
	p.sha256 = sp->sha256;
	p.aki = sp->aki;
	p.chain = sp->chain;
	p.cls = sp->class;
	p.not_after = sp->not_after;
	return report_trust_add_probe(c->t, &p, e);
}

static int
collect_ca(void *arg, const struct store_probe_ca *sc, struct lsc_err *e)
{
	struct report_ca ca;

	memset(&ca, 0, sizeof(ca));
	ca.sha256 = sc->sha256;
	ca.subject = sc->subject;
	ca.issuer = sc->issuer;
	ca.ski = sc->ski;
	ca.aki = sc->aki;
	ca.self_signed = sc->self_signed;
	return report_trust_add_ca(arg, &ca, sc->der, sc->der_len, e);
}

int
report_trust_collect(struct report_ctx *ctx, struct report_trust *t)
{
	struct collect c;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	memset(&c, 0, sizeof(c));
	c.ctx = ctx;
	c.t = t;
	c.filtered = ctx->o->campaign != NULL || ctx->o->pool != NULL;
	if (report_phones_load(ctx, 0, STORE_ORDER_NAME, &c.phones) == -1 ||
	    store_each_latest_probe(ctx->store, ctx->o->cluster,
	    collect_probe, &c, ctx->e) == -1 ||
	    store_each_probe_ca(ctx->store, collect_ca, t, ctx->e) == -1 ||
	    report_trust_analyse(t, ctx->e) == -1)
		goto out;
	report_probes_sort(t);
	rc = 0;
out:
	report_phones_free(&c.phones);
	return rc;
}
