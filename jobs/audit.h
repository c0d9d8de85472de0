/*
 * audit.h — what a phone presents against what CUCM records of it.
 *
 * audit_classify() is a pure function of (the probe's outcome and
 * certificate, the store's CUCM record of the phone, the campaign's
 * renew_before and expected_issuer, now): no I/O, no clock.
 * tests/unit/test_audit.c covers each class as a table.
 * audit_to_store() turns a probe into the store's row and CA list.
 */
#ifndef LSC_AUDIT_H
#define LSC_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "axl/probe.h"
#include "jobs/store_probe.h"

#define AUDIT_AGREE_SECONDS	60	/* CUCM's date and the certificate's */
#define AUDIT_REASON_LEN	256

enum audit_class {
	AUDIT_AGREES,		/* presents what CUCM records */
	AUDIT_MIC_NOT_LSC,	/* presents its MIC; CUCM records an LSC */
	AUDIT_OTHER_LSC,	/* an LSC other than CUCM's (expiry or issuer
				   differ), or one CUCM does not record */
	AUDIT_EXPIRING,		/* presented: expired or inside renew_before */
	AUDIT_ISSUER_DIFFERS,	/* not the campaign's expected_issuer */
	AUDIT_UNREACHABLE,	/* no certificate read: the cause */
	AUDIT_NOT_IN_CUCM,	/* CUCM has no such phone (or deleted it) */
	AUDIT__MAX
};

/* "agrees", "mic_not_lsc", ... as stored. */
const char *audit_class_name(enum audit_class);

/* What the store says of the phone, and what its campaign wants. */
struct audit_cucm {
	int		 known;		/* in the store and not gone */
	int64_t		 lsc_valid_until;	/* 0: no LSC */
	const char	*lsc_issuer;	/* NULL or "": none recorded */
	int64_t		 renew_before;	/* seconds; 0: no campaign */
	const char	*expected_issuer;	/* NULL: none */
};

struct audit_verdict {
	enum audit_class class;
	char		 reason[AUDIT_REASON_LEN];	/* one line */
	int		 validity_agrees;	/* MIC/LSC and expiry agree */
	int		 issuer_agrees;		/* -1: nothing to compare */
};

/*
 * Classifies one probe: outcome, c (when presented, else NULL) and why
 * (the failure's one-line message, else NULL) against cucm at now.  The
 * first class that applies wins, in the order unreachable, not in CUCM,
 * MIC instead of an LSC, another LSC, expiring, issuer differs, agrees.
 */
void	 audit_classify(enum probe_outcome, const struct probe_cert *c,
	    const char *why, const struct audit_cucm *cucm, int64_t now,
	    struct audit_verdict *);

/* The store's word for a probe kind: "mic", "capf_lsc", ... */
const char *audit_kind_name(enum probe_kind);

/*
 * The store row and CAs of one probe: p's strings and cas[] point into c,
 * v and the arguments (borrowed; chain is built in chain[]), *ncas set.
 * The CAs are the certificates the phone sent after its leaf, whole (a
 * CA whose DER did not fit is left out of cas, not of the chain text).
 */
void	 audit_to_store(const char *cluster, const char *phone,
	    const char *address, unsigned port, int64_t at,
	    enum probe_outcome, const struct probe_cert *c, const char *why,
	    const struct audit_verdict *v, struct store_probe *p,
	    struct store_probe_ca cas[PROBE_CHAIN_MAX], size_t *ncas,
	    char chain[PROBE_CHAIN_MAX * 66]);

#endif
