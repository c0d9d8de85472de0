/*
 * confirm.c — renewals confirmed on the phone (confirm_on_phone): the
 * phones whose renewal CUCM reports, probed at the address RisPort70 gave
 * in this run (the TLS handshake only), each probe compared with CUCM's
 * new record as an audit compares it and recorded as "lscrenew probe"
 * records it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axl/probe.h"
#include "jobs/audit.h"
#include "jobs/engine_int.h"
#include "jobs/store_probe.h"

struct confirming {
	struct crun	*r;
	struct cand	**v;		/* target -> phone */
	struct lsc_err	 err;		/* the store's failure */
};

/* probe_many()'s report of one phone: its side set, the probe recorded. */
static int
probed(void *arg, size_t i, enum probe_outcome o, const struct probe_cert *pc,
    const struct lsc_err *pe)
{
	struct confirming *cf = arg;
	struct crun *r = cf->r;
	struct cand *c = cf->v[i];
	const struct policy *pol = r->pols[c->pol];
	struct audit_cucm k = { 1, c->lsc_valid_until, c->lsc_issuer,
	    pol->renew_before, pol->expected_issuer };
	struct audit_verdict v;
	struct store_probe sp;
	struct store_probe_ca cas[PROBE_CHAIN_MAX];
	char	 chain[PROBE_CHAIN_MAX * 66];
	size_t	 ncas;

	audit_classify(o, pc, pc == NULL ? pe->msg : NULL, &k, r->eng->now, &v);
	if (pc == NULL) {
		c->side = SIDE_UNREACHABLE;
		snprintf(c->side_why, sizeof(c->side_why), "%.150s", pe->msg);
	} else if (v.validity_agrees && v.issuer_agrees != 0)
		c->side = SIDE_NEW;	/* an LSC: CUCM records one */
	else {
		c->side = SIDE_OLD;
		c->side_mic = pc->kind == PROBE_MIC;
		c->side_not_after = pc->not_after;
	}
	audit_to_store(r->cl->name, c->name, c->reg_ip, r->eng->probe_port,
	    r->eng->now, o, pc, pc == NULL ? pe->msg : NULL, &v, &sp, cas,
	    &ncas, chain);
	if (rec_open(r, &cf->err) == -1 || store_probe_add(r->eng->store, &sp,
	    cas, ncas, NULL, &cf->err) == -1)
		return -1;
	return run_left_ms(r->eng) > 0 ? 0 : -1;
}

/* A campaign's setting, else [global]'s: the least of the phones'. */
static void
limits(const struct crun *r, unsigned *conc, unsigned *rate)
{
	const struct policy *p;

	*conc = *rate = 0;
	for (size_t i = 0; i < r->nprobes; i++) {
		p = r->pols[r->probes[i]->pol];
		if (p->probe_concurrency != 0 && (*conc == 0 ||
		    p->probe_concurrency < *conc))
			*conc = p->probe_concurrency;
		if (p->probe_rate != 0 && (*rate == 0 || p->probe_rate < *rate))
			*rate = p->probe_rate;
	}
	if (*conc == 0)
		*conc = r->eng->probe_concurrency;
	if (*rate == 0)
		*rate = r->eng->probe_rate;
}

int
confirm_probe(struct crun *r, struct lsc_err *e)
{
	struct confirming cf = { r, NULL, { 0 } };
	struct probe_target *t = NULL;
	struct probe *pr = NULL;
	struct lsc_err pe;
	unsigned conc, rate;
	size_t	 n = 0;
	int64_t	 left = run_left_ms(r->eng);
	int	 rc = -1;

	if (r->nprobes == 0)
		return 0;
	if ((t = calloc(r->nprobes, sizeof(*t))) == NULL ||
	    (cf.v = calloc(r->nprobes, sizeof(*cf.v))) == NULL) {
		err_set(e, ERR_SYSTEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < r->nprobes; i++) {
		r->probes[i]->side = SIDE_UNREACHABLE;
		if (r->probes[i]->reg_ip == NULL)
			snprintf(r->probes[i]->side_why, sizeof(r->probes[i]->
			    side_why), "RisPort70 gave no address");
		else {
			cf.v[n] = r->probes[i];
			t[n].host = r->probes[i]->reg_ip;
			t[n++].port = r->eng->probe_port;
		}
	}
	err_clear(&cf.err);
	err_set(&pe, ERR_TIMEOUT, "run_timeout reached before the probe");
	limits(r, &conc, &rate);
	if (left > 0 && rec_close(r, e) == -1)
		goto out;
	if (left > 0 && (pr = probe_new(NULL, left < PROBE_TIMEOUT_MS ?
	    (long)left : 0, &pe)) != NULL && probe_many(pr, t, n, conc, rate,
	    r->eng->now, probed, &cf, &pe) == 0)
		err_clear(&pe);
	if (cf.err.kind != ERR_NONE) {
		*e = cf.err;
		goto out;
	}
	/* the phones the time (or the prober) left: not confirmed yet */
	for (size_t i = 0; i < n; i++)
		if (cf.v[i]->side_why[0] == '\0' && cf.v[i]->side ==
		    SIDE_UNREACHABLE)
			snprintf(cf.v[i]->side_why, sizeof(cf.v[i]->side_why),
			    "%.150s", pe.kind != ERR_NONE ? pe.msg :
			    "run_timeout reached before the probe");
	rc = rec_close(r, e);
out:
	probe_free(pr);
	free(cf.v);
	free(t);
	return rc;
}

void
confirm_free(struct crun *r)
{
	for (size_t i = 0; i < r->nprobes; i++)
		cand_free(r->probes[i]);
	free(r->probes);
	r->probes = NULL;
	r->nprobes = r->capprobes = 0;
}
