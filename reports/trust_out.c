/*
 * trust_out.c — the trust report in every format: the distinct chains the
 * phones present and the root each needs; the phones per cluster, pool,
 * model and chain; and, per pool, the answer in plain words: which CAs a
 * browser must trust to open every phone page of the pool without a
 * warning.
 *
 * Where phones present their MIC the answer carries Cisco's advice: the
 * CUCM security guide recommends LSCs for TLS and removing the
 * manufacturing (MIC) roots from CUCM's trust store, so a Cisco
 * Manufacturing CA is no CA to hand to browsers: give those phones an LSC.
 *
 * Every field a phone sent (names, fingerprints, identifiers) is escaped
 * for the format (the text table, CSV, JSON, HTML, Prometheus labels).
 */
#include <stdlib.h>
#include <string.h>

#include "reports/report_int.h"

#define MIC_ADVICE "Cisco's CUCM security guide recommends LSCs, not " \
	"MICs, for TLS and removing the manufacturing (MIC) roots from the " \
	"trust store: do not add a Cisco Manufacturing CA to browsers; give " \
	"these phones an LSC (install_missing = yes)"

/* One row: the phones of a cluster, pool and model with one chain (or,
 * when chain is TRUST_NONE, one outcome without a certificate). */
struct trow {
	const char	*cluster, *pool, *model, *outcome;
	size_t		 chain;
	unsigned long	 phones;
};

struct rows {
	struct trow	*v;
	size_t		 n, cap;
};

static int
str_cmp(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "");
}

static int
row_cmp(const struct trow *x, const struct trow *y)
{
	int r;

	if ((r = str_cmp(x->cluster, y->cluster)) != 0 ||
	    (r = str_cmp(x->pool, y->pool)) != 0 ||
	    (r = str_cmp(x->model, y->model)) != 0)
		return r;
	if (x->chain != y->chain)
		return x->chain < y->chain ? -1 : 1;
	return str_cmp(x->outcome, y->outcome);
}

static int
row_order(const void *a, const void *b)
{
	return row_cmp(a, b);
}

/* The probes counted per cluster, pool, model and chain, in that order. */
static int
rows_build(const struct report_trust *t, struct rows *r, struct lsc_err *e)
{
	struct trow *all, *v;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (t->np == 0)
		return 0;
	if ((all = calloc(t->np, sizeof(*all))) == NULL)
		return report_syserr(e, "counting chains");
	for (i = 0; i < t->np; i++) {
		const struct report_probe *p = &t->p[i];

		all[i] = (struct trow){ p->cluster, p->pool, p->model,
		    p->chain_ix == TRUST_NONE ? p->outcome : NULL,
		    p->chain_ix, 1 };
	}
	qsort(all, t->np, sizeof(*all), row_order);
	for (i = 0; i < t->np; i++) {
		if (r->n > 0 && row_cmp(&r->v[r->n - 1], &all[i]) == 0) {
			r->v[r->n - 1].phones++;
			continue;
		}
		if ((v = report_grow(r->v, r->n, &r->cap, sizeof(*v), 16)) ==
		    NULL) {
			free(all);
			return report_syserr(e, "counting chains");
		}
		r->v = v;
		r->v[r->n++] = all[i];
	}
	free(all);
	return 0;
}

/* "CN=Root (not sent; key identifier AB:..)" for a chain's root. */
static void
root_words(const struct report_trust *t, const struct report_chain *c,
    struct buf *b)
{
	const struct report_ca *r;

	if (c->self) {
		buf_puts(b, "its own certificate (self-signed)");
		return;
	}
	r = &t->ca[c->root];
	buf_puts(b, r->subject != NULL ? r->subject : "");
	if (r->b64 != NULL)
		buf_printf(b, " (sha256 %s)", r->sha256 != NULL ? r->sha256 :
		    "");
	else
		buf_printf(b, " (no phone sent it; key identifier %s)",
		    r->ski != NULL && *r->ski != '\0' ? r->ski : "unknown");
}

/*
 * The answer for one pool in plain words (not escaped: the caller escapes
 * it for its format).
 */
static int
answer(const struct report_trust *t, const char *cluster, const char *pool,
    struct buf *b, struct lsc_err *e)
{
	struct report_need nd;
	unsigned long *roots;
	int any = 0;

	if ((roots = calloc(t->nca + 1, sizeof(*roots))) == NULL)
		return report_syserr(e, "answering");
	report_trust_need(t, cluster, pool, roots, &nd);
	buf_printf(b, "To open every phone page of pool %s (cluster %s) "
	    "without a warning, a browser must trust: ", pool != NULL &&
	    *pool != '\0' ? pool : "(none)", cluster != NULL ? cluster : "");
	for (size_t i = 0; i < t->nca; i++) {
		const struct report_ca *r = &t->ca[i];

		if (roots[i] == 0)
			continue;
		buf_puts(b, any++ ? "; " : "");
		buf_puts(b, r->subject != NULL ? r->subject : "");
		if (r->b64 == NULL)
			buf_printf(b, " (not sent by the phones: fetch it from "
			    "%s; key identifier %s)", report_trust_source(t, i),
			    r->ski != NULL && *r->ski != '\0' ? r->ski :
			    "unknown");
		buf_printf(b, ", for %lu phone%s", roots[i], roots[i] == 1 ?
		    "" : "s");
	}
	if (nd.self > 0)
		buf_printf(b, "%s%lu phone%s own self-signed certificate%s, "
		    "one by one (give %s an LSC instead)", any++ ? "; " : "",
		    nd.self, nd.self == 1 ? "'s" : "s'", nd.self == 1 ? "" :
		    "s", nd.self == 1 ? "it" : "them");
	if (any == 0)
		buf_puts(b, "nothing the phones showed (no phone presented a "
		    "certificate)");
	buf_puts(b, ".");
	if (nd.mic > 0)
		buf_printf(b, " Warning: %lu phone%s %s MIC. %s.", nd.mic,
		    nd.mic == 1 ? "" : "s", nd.mic == 1 ? "presents its" :
		    "present their", MIC_ADVICE);
	if (nd.silent > 0)
		buf_printf(b, " %lu phone%s presented no certificate at the "
		    "last probe and %s not covered.", nd.silent, nd.silent ==
		    1 ? "" : "s", nd.silent == 1 ? "is" : "are");
	free(roots);
	return buf_failed(b) ? report_syserr(e, "answering") : 0;
}

/* Calls fn for each (cluster, pool) of the rows with its answer. */
static int
each_answer(const struct report_trust *t, const struct rows *r,
    int (*fn)(void *, const struct trow *, const char *), void *arg,
    struct lsc_err *e)
{
	struct buf a = BUF_INIT;
	int rc = 0;

	for (size_t i = 0; i < r->n && rc == 0; i++) {
		if (i > 0 && str_cmp(r->v[i].cluster, r->v[i - 1].cluster) ==
		    0 && str_cmp(r->v[i].pool, r->v[i - 1].pool) == 0)
			continue;
		buf_reset(&a);
		if ((rc = answer(t, r->v[i].cluster, r->v[i].pool, &a, e)) ==
		    0)
			rc = fn(arg, &r->v[i], a.data);
	}
	buf_free(&a, 0);
	return rc;
}

/* ---- text ---------------------------------------------------------------- */

static int
text_answer(void *arg, const struct trow *w, const char *a)
{
	(void)w;
	return report_text_para(arg, 2, "%s", a);
}

static const char *
sent_words(const struct report_chain *c, char *buf, size_t len)
{
	size_t n = 0;

	for (const char *s = c->chain; s != NULL && *s != '\0'; ) {
		s += strspn(s, " ");
		if (*s == '\0')
			break;
		n++;
		s += strcspn(s, " ");
	}
	snprintf(buf, len, "%zu", n);
	return buf;
}

static int
text(struct report_ctx *ctx, const struct report_trust *t,
    const struct rows *r)
{
	struct report_tab *tab = NULL;
	struct buf root = BUF_INIT;
	char n[32];
	int rc = -1;

	if (t->np == 0)
		return report_text_para(ctx, 0, "No phone probed yet%s: run "
		    "lscrenew probe --all (or --campaign, --pool) first.",
		    ctx->o->campaign != NULL || ctx->o->pool != NULL ? " among "
		    "these" : "");
	report_text_heading(ctx, "What the phones present (newest probe of "
	    "each of %zu phone%s, %zu distinct chain%s)", t->np, t->np == 1 ?
	    "" : "s", t->nch, t->nch == 1 ? "" : "s");
	if ((tab = report_tab_new(1)) == NULL ||
	    report_tab_col(tab, "Chain", TAB_RIGHT, 5, 5, 0) == -1 ||
	    report_tab_col(tab, "Kind", TAB_LEFT, 4, 14, 0) == -1 ||
	    report_tab_col(tab, "Phones", TAB_RIGHT, 6, 8, 0) == -1 ||
	    report_tab_col(tab, "Issuer", TAB_SHRINK | TAB_WRAP, 12, 60,
	    0) == -1 ||
	    report_tab_col(tab, "CAs sent", TAB_RIGHT, 8, 8, 1) == -1 ||
	    report_tab_col(tab, "Root a browser must trust", TAB_SHRINK |
	    TAB_WRAP, 16, 0, 0) == -1)
		goto oom;
	for (size_t i = 0; i < t->nch; i++) {
		const struct report_chain *c = &t->ch[i];

		buf_reset(&root);
		root_words(t, c, &root);
		report_tab_cellf(tab, "%zu", i + 1);
		report_tab_cell(tab, c->kind);
		report_tab_cellf(tab, "%lu", c->phones);
		report_tab_cell(tab, c->issuer);
		report_tab_cell(tab, sent_words(c, n, sizeof(n)));
		report_tab_cell(tab, root.data != NULL ? root.data : "");
	}
	if (report_tab_render(ctx, tab, 2, NULL) == -1)
		goto out;
	report_tab_free(tab);
	buf_puts(ctx->out, "\n");
	report_text_heading(ctx, "Phones per cluster, pool and model");
	if ((tab = report_tab_new(1)) == NULL ||
	    report_tab_col(tab, "Cluster", TAB_SHRINK, 4, 20, 2) == -1 ||
	    report_tab_col(tab, "Pool", TAB_SHRINK, 4, 30, 0) == -1 ||
	    report_tab_col(tab, "Model", TAB_SHRINK, 4, 30, 1) == -1 ||
	    report_tab_col(tab, "Presents", TAB_LEFT, 8, 30, 0) == -1 ||
	    report_tab_col(tab, "Phones", TAB_RIGHT, 6, 8, 0) == -1)
		goto oom;
	for (size_t i = 0; i < r->n; i++) {
		const struct trow *w = &r->v[i];

		report_tab_cell(tab, w->cluster);
		report_tab_cell(tab, w->pool);
		report_tab_cell(tab, w->model);
		if (w->chain == TRUST_NONE)
			report_tab_cellf(tab, "nothing (%s)", w->outcome != NULL
			    ? w->outcome : "not probed");
		else
			report_tab_cellf(tab, "chain %zu (%s)", w->chain + 1,
			    t->ch[w->chain].kind);
		report_tab_cellf(tab, "%lu", w->phones);
	}
	if (report_tab_render(ctx, tab, 2, NULL) == -1)
		goto out;
	buf_puts(ctx->out, "\n");
	report_text_heading(ctx, "Which CA must a browser trust?");
	rc = each_answer(t, r, text_answer, ctx, ctx->e);
	goto out;
oom:
	rc = err_set(ctx->e, ERR_SYSTEM, "report trust: out of memory");
out:
	report_tab_free(tab);
	buf_free(&root, 0);
	return rc;
}

/* ---- CSV ----------------------------------------------------------------- */

static int
csv(struct report_ctx *ctx, const struct report_trust *t,
    const struct rows *r)
{
	static const char *const head[] = { "cluster", "pool", "model",
	    "presents", "chain", "kind", "issuer", "cas_sent", "root_subject",
	    "root_sha256", "root_key_id", "root_sent", "phones", NULL };
	struct report_csv c;

	report_csv_init(&c, ctx->out);
	report_csv_header(&c, head);
	for (size_t i = 0; i < r->n; i++) {
		const struct trow *w = &r->v[i];
		const struct report_chain *ch = w->chain != TRUST_NONE ?
		    &t->ch[w->chain] : NULL;
		const struct report_ca *root = ch != NULL && !ch->self ?
		    &t->ca[ch->root] : NULL;

		report_csv_str(&c, w->cluster);
		report_csv_str(&c, w->pool);
		report_csv_str(&c, w->model);
		report_csv_str(&c, ch != NULL ? "certificate" : w->outcome);
		if (ch != NULL)
			report_csv_num(&c, (long long)w->chain + 1);
		else
			report_csv_str(&c, NULL);
		report_csv_str(&c, ch != NULL ? ch->kind : NULL);
		report_csv_str(&c, ch != NULL ? ch->issuer : NULL);
		report_csv_str(&c, ch != NULL ? ch->chain : NULL);
		report_csv_str(&c, root != NULL ? root->subject : ch != NULL ?
		    ch->subject : NULL);
		report_csv_str(&c, root != NULL ? root->sha256 : ch != NULL ?
		    ch->leaf : NULL);
		report_csv_str(&c, root != NULL ? root->ski : NULL);
		report_csv_str(&c, ch == NULL ? NULL : root == NULL ||
		    root->b64 != NULL ? "yes" : "no");
		report_csv_num(&c, (long long)w->phones);
		report_csv_end(&c);
	}
	ctx->res.rows = r->n;
	return 0;
}

/* ---- JSON ---------------------------------------------------------------- */

static void
json_ca(struct json *j, const char *key, const struct report_ca *c)
{
	json_obj(j, key);
	json_str(j, "subject", c->subject);
	json_str(j, "issuer", c->issuer);
	json_str(j, "sha256", c->sha256);
	json_str(j, "key_id", c->ski);
	json_bool(j, "sent", c->b64 != NULL);
	json_bool(j, "root", c->depth == 0);
	json_int(j, "phones", (long long)c->phones);
	json_end(j);
}

static int
json_answer(void *arg, const struct trow *w, const char *a)
{
	struct json *j = arg;

	json_obj(j, NULL);
	json_str(j, "cluster", w->cluster);
	json_str(j, "pool", w->pool);
	json_str(j, "answer", a);
	json_end(j);
	return 0;
}

static int
json(struct report_ctx *ctx, const struct report_trust *t,
    const struct rows *r)
{
	struct json j;
	int rc;

	json_init(&j, ctx->out, 0);
	report_json_envelope(ctx, &j);
	json_int(&j, "phones", (long long)t->np);
	json_arr(&j, "chains");
	for (size_t i = 0; i < t->nch; i++) {
		const struct report_chain *c = &t->ch[i];

		json_obj(&j, NULL);
		json_int(&j, "chain", (long long)i + 1);
		json_str(&j, "kind", c->kind);
		json_str(&j, "issuer", c->issuer);
		json_str(&j, "issuer_key_id", c->aki);
		json_str(&j, "cas_sent", c->chain);
		json_int(&j, "phones", (long long)c->phones);
		if (c->self) {
			json_bool(&j, "self_signed", 1);
			json_null(&j, "root");
		} else {
			json_bool(&j, "self_signed", 0);
			json_ca(&j, "root", &t->ca[c->root]);
		}
		json_end(&j);
	}
	json_end(&j);
	json_arr(&j, "cas");
	for (size_t i = 0; i < t->nca; i++)
		if (t->ca[i].phones > 0)
			json_ca(&j, NULL, &t->ca[i]);
	json_end(&j);
	json_arr(&j, "groups");
	for (size_t i = 0; i < r->n; i++) {
		json_obj(&j, NULL);
		json_str(&j, "cluster", r->v[i].cluster);
		json_str(&j, "pool", r->v[i].pool);
		json_str(&j, "model", r->v[i].model);
		if (r->v[i].chain == TRUST_NONE) {
			json_null(&j, "chain");
			json_str(&j, "outcome", r->v[i].outcome);
		} else {
			json_int(&j, "chain", (long long)r->v[i].chain + 1);
			json_str(&j, "outcome", "presented");
		}
		json_int(&j, "phones", (long long)r->v[i].phones);
		json_end(&j);
	}
	json_end(&j);
	json_arr(&j, "answers");
	rc = each_answer(t, r, json_answer, &j, ctx->e);
	json_end(&j);
	json_finish(&j);
	ctx->res.rows = t->nch;
	return rc;
}

/* ---- HTML (a section of the page) ---------------------------------------- */

static int
html_answer(void *arg, const struct trow *w, const char *a)
{
	struct buf *b = arg;

	(void)w;
	buf_puts(b, "<p class=\"trust-answer\">");
	report_html_esc(b, a);
	buf_puts(b, "</p>\n");
	return 0;
}

int
report_trust_html(struct report_ctx *ctx, const struct report_trust *t,
    struct buf *b)
{
	struct rows r;
	struct buf root = BUF_INIT;
	int rc;

	if (rows_build(t, &r, ctx->e) == -1)
		return -1;
	buf_printf(b, "<section class=\"table\" id=\"trust-section\">\n"
	    "<h2>Which CA must a browser trust? (%zu phones probed)</h2>\n",
	    t->np);
	if (t->np == 0) {
		buf_puts(b, "<p class=\"empty\">No phone probed yet: run "
		    "lscrenew probe --all.</p>\n</section>\n");
		free(r.v);
		return buf_failed(b) ? -1 : 0;
	}
	buf_puts(b, "<div class=\"scroll\"><table id=\"trust\">\n<thead><tr>"
	    "<th class=\"num\">Chain</th><th>Kind</th><th class=\"num\">Phones"
	    "</th><th>Issuer</th><th>Root a browser must trust</th></tr>"
	    "</thead>\n<tbody>\n");
	for (size_t i = 0; i < t->nch; i++) {
		const struct report_chain *c = &t->ch[i];

		buf_reset(&root);
		root_words(t, c, &root);
		buf_printf(b, "<tr class=\"trust-row\"><td class=\"num\">%zu"
		    "</td><td>", i + 1);
		report_html_esc(b, c->kind);
		buf_printf(b, "</td><td class=\"num\">%lu</td><td>",
		    c->phones);
		report_html_esc(b, c->issuer);
		buf_puts(b, "</td><td>");
		report_html_esc(b, root.data);
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</tbody>\n</table></div>\n");
	rc = each_answer(t, &r, html_answer, b, ctx->e);
	buf_puts(b, "</section>\n");
	buf_free(&root, 0);
	free(r.v);
	return rc;
}

/* ---- Prometheus ---------------------------------------------------------- */

static int
prom(struct report_ctx *ctx, const struct report_trust *t,
    const struct rows *r)
{
	struct buf *b = ctx->out;

	report_prom_family(b, "lscrenew_trust_phones", "Phones by cluster, "
	    "device pool, model, what they presented at their newest probe "
	    "and the root a browser needs for it.");
	for (size_t i = 0; i < r->n; i++) {
		const struct trow *w = &r->v[i];
		const struct report_chain *c = w->chain != TRUST_NONE ?
		    &t->ch[w->chain] : NULL;

		buf_puts(b, "lscrenew_trust_phones{");
		report_prom_label(b, "cluster", w->cluster, 1);
		report_prom_label(b, "pool", w->pool, 0);
		report_prom_label(b, "model", w->model, 0);
		report_prom_label(b, "kind", c != NULL ? c->kind : w->outcome,
		    0);
		report_prom_label(b, "root", c == NULL ? "" : c->self ?
		    "self-signed" : t->ca[c->root].subject, 0);
		buf_printf(b, "} %lu\n", w->phones);
	}
	report_prom_family(b, "lscrenew_trust_chains", "Distinct chains the "
	    "phones present.");
	buf_printf(b, "lscrenew_trust_chains %zu\n", t->nch);
	ctx->res.rows = r->n;
	return 0;
}

int
report_trust_render(struct report_ctx *ctx, const struct report_trust *t)
{
	struct rows r;
	int rc;

	if (rows_build(t, &r, ctx->e) == -1)
		return -1;
	switch (ctx->o->format) {
	case REPORT_FORMAT_CSV:
		rc = csv(ctx, t, &r);
		break;
	case REPORT_FORMAT_JSON:
		rc = json(ctx, t, &r);
		break;
	case REPORT_FORMAT_PROM:
		rc = prom(ctx, t, &r);
		break;
	default:
		rc = text(ctx, t, &r);
		break;
	}
	free(r.v);
	return rc;
}

int
report_trust(struct report_ctx *ctx)
{
	return report_trust_render(ctx, ctx->probes);
}
