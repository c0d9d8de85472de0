/*
 * audit.c — a phone's certificate against CUCM's record: the class and
 * its reason, and the store's row for it.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "axl/base/clock.h"
#include "jobs/audit.h"

static const char *const class_names[AUDIT__MAX] = {
	[AUDIT_AGREES] = "agrees",
	[AUDIT_MIC_NOT_LSC] = "mic_not_lsc",
	[AUDIT_OTHER_LSC] = "other_lsc",
	[AUDIT_EXPIRING] = "expiring",
	[AUDIT_ISSUER_DIFFERS] = "issuer_differs",
	[AUDIT_UNREACHABLE] = "unreachable",
	[AUDIT_NOT_IN_CUCM] = "not_in_cucm",
};

static const char *const kind_names[PROBE__MAX] = {
	[PROBE_MIC] = "mic",
	[PROBE_LSC_CAPF] = "capf_lsc",
	[PROBE_LSC_CA] = "enterprise_lsc",
	[PROBE_SELF_SIGNED] = "self_signed",
};

const char *
audit_class_name(enum audit_class c)
{
	return c < AUDIT__MAX ? class_names[c] : "unreachable";
}

const char *
audit_kind_name(enum probe_kind k)
{
	return k < PROBE__MAX ? kind_names[k] : "unknown";
}

static void	 say(struct audit_verdict *, enum audit_class, const char *,
		    ...) __attribute__((format(printf, 3, 4)));

static void
say(struct audit_verdict *v, enum audit_class c, const char *fmt, ...)
{
	va_list ap;

	v->class = c;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
}

/*
 * Whether name (as CUCM shows an issuer, or as a campaign writes it)
 * names the certificate's issuer: its common name, or its whole name with
 * or without spaces after the commas, in any case.
 */
static int
issuer_is(const struct probe_cert *c, const char *name)
{
	const char *a = c->issuer, *b = name;

	if (strcasecmp(c->issuer_cn, name) == 0)
		return 1;
	while (*a != '\0' && *b != '\0') {
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
		if (*a == ',') {
			a += 1 + strspn(a + 1, " ");
			b += 1 + strspn(b + 1, " ");
		} else {
			a++;
			b++;
		}
	}
	return *a == '\0' && *b == '\0';
}

/* The LSC against CUCM's: another one (class set, 1), or the same (0). */
static int
other_lsc(const struct probe_cert *c, const struct audit_cucm *k,
    const char *rec, struct audit_verdict *v)
{
	char a[16], b[16];
	int64_t d = c->not_after - k->lsc_valid_until;

	clock_fmt(CLOCK_DATE, "never", c->not_after, a, sizeof(a));
	clock_fmt(CLOCK_DATE, "none", k->lsc_valid_until, b, sizeof(b));
	if (k->lsc_valid_until <= 0)
		say(v, AUDIT_OTHER_LSC, "CUCM knows no LSC, but the phone "
		    "presents one (issued by %s, valid until %s)", c->issuer_cn,
		    a);
	else if (d < -AUDIT_AGREE_SECONDS)
		say(v, AUDIT_OTHER_LSC, "the phone still presents an older LSC "
		    "(valid until %s; CUCM records %s)", a, b);
	else if (d > AUDIT_AGREE_SECONDS)
		say(v, AUDIT_OTHER_LSC, "the phone presents a newer LSC than "
		    "CUCM records (valid until %s; CUCM records %s)", a, b);
	else if (v->issuer_agrees == 0)
		say(v, AUDIT_OTHER_LSC, "the phone presents an LSC issued by "
		    "%s; CUCM records one issued by %s", c->issuer_cn, rec);
	else
		return 0;
	return 1;
}

void
audit_classify(enum probe_outcome o, const struct probe_cert *c,
    const char *why, const struct audit_cucm *k, int64_t now,
    struct audit_verdict *v)
{
	const char *rec = k->lsc_issuer != NULL && *k->lsc_issuer != '\0' ?
	    k->lsc_issuer : NULL;
	char a[16];
	int lsc;

	memset(v, 0, sizeof(*v));
	v->issuer_agrees = -1;
	if (o != PROBE_PRESENTED || c == NULL) {
		say(v, AUDIT_UNREACHABLE, "%s", why != NULL ? why :
		    probe_outcome_name(o));
		return;
	}
	lsc = c->kind == PROBE_LSC_CAPF || c->kind == PROBE_LSC_CA;
	if (lsc && rec != NULL)
		v->issuer_agrees = issuer_is(c, rec);
	v->validity_agrees = k->lsc_valid_until <= 0 ? !lsc : lsc &&
	    c->not_after - k->lsc_valid_until >= -AUDIT_AGREE_SECONDS &&
	    c->not_after - k->lsc_valid_until <= AUDIT_AGREE_SECONDS;
	clock_fmt(CLOCK_DATE, "never", c->not_after, a, sizeof(a));
	if (!k->known)
		say(v, AUDIT_NOT_IN_CUCM, "CUCM has no phone of that name");
	else if (k->lsc_valid_until > 0 && !lsc)
		say(v, c->kind == PROBE_MIC ? AUDIT_MIC_NOT_LSC :
		    AUDIT_OTHER_LSC, "the phone presents %s, not the LSC CUCM "
		    "records", c->kind == PROBE_MIC ? "its MIC" :
		    "a self-signed certificate");
	else if (lsc && other_lsc(c, k, rec, v))
		;
	else if (c->not_after <= now)
		say(v, AUDIT_EXPIRING, "the certificate the phone presents "
		    "expired on %s", a);
	else if (k->renew_before > 0 && c->not_after - now <= k->renew_before)
		say(v, AUDIT_EXPIRING, "the certificate the phone presents "
		    "expires on %s, inside renew_before (%lld days)", a,
		    (long long)(k->renew_before / CLOCK_DAY));
	else if (lsc && k->expected_issuer != NULL &&
	    *k->expected_issuer != '\0' &&
	    !issuer_is(c, k->expected_issuer))
		say(v, AUDIT_ISSUER_DIFFERS, "the phone's LSC is issued by %s, "
		    "not by the expected_issuer %s", c->issuer_cn,
		    k->expected_issuer);
	else if (lsc)
		say(v, AUDIT_AGREES, "the phone presents the LSC CUCM records "
		    "(valid until %s)", a);
	else
		say(v, AUDIT_AGREES, "the phone presents %s; CUCM records no "
		    "LSC", c->kind == PROBE_MIC ? "its MIC" :
		    "a self-signed certificate");
}

static const char *
or_null(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

void
audit_to_store(const char *cluster, const char *phone, const char *address,
    unsigned port, int64_t at, enum probe_outcome o,
    const struct probe_cert *c, const char *why,
    const struct audit_verdict *v, struct store_probe *p,
    struct store_probe_ca cas[PROBE_CHAIN_MAX], size_t *ncas,
    char chain[PROBE_CHAIN_MAX * 66])
{
	const struct probe_chain_cert *cc;
	size_t off = 0;

	memset(p, 0, sizeof(*p));
	*ncas = 0;
	chain[0] = '\0';
	p->cluster = cluster;
	p->phone = phone;
	p->at = at;
	p->address = address;
	p->port = port;
	p->outcome = probe_outcome_name(o);
	p->verified = -1;
	p->class = audit_class_name(v->class);
	p->class_reason = v->reason;
	if (o != PROBE_PRESENTED || c == NULL) {
		p->reason = why != NULL ? why : p->outcome;
		return;
	}
	p->kind = audit_kind_name(c->kind);
	p->subject = c->subject;
	p->issuer = c->issuer;
	p->serial = or_null(c->serial);
	p->not_before = c->not_before;
	p->not_after = c->not_after;
	p->sha256 = or_null(c->chain[0].sha256);
	p->aki = or_null(c->chain[0].aki);
	if (c->verify != PROBE_VERIFY_NONE)
		p->verified = c->verify == PROBE_VERIFY_OK;
	p->verify_error = or_null(c->verify_error);
	for (size_t i = 1; i < c->chain_len && i < PROBE_CHAIN_MAX; i++) {
		cc = &c->chain[i];
		off += (size_t)snprintf(chain + off, PROBE_CHAIN_MAX * 66 - off,
		    "%s%s", off > 0 ? " " : "", cc->sha256);
		if (cc->der_len == 0)
			continue;
		cas[*ncas] = (struct store_probe_ca){ cc->sha256, cc->subject,
		    cc->issuer, or_null(cc->ski), or_null(cc->aki),
		    cc->self_signed, c->der + cc->der_off, cc->der_len, at };
		(*ncas)++;
	}
	p->chain = or_null(chain);
}
