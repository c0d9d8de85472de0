/*
 * store_probe.h — what the phones presented: one row per probe (with
 * history), and the CA certificates the phones sent, deduplicated by
 * fingerprint.
 *
 * Text columns keep the values the schema names (outcome "presented",
 * "refused", "timeout", "not_tls", "tls_error", "unreachable"; kind "mic",
 * "capf_lsc", "enterprise_lsc", "self_signed", "unknown"; class "agrees",
 * "mic_not_lsc", "other_lsc", "expiring", "issuer_differs", "unreachable",
 * "not_in_cucm").  Fingerprints and key identifiers are lowercase hex.
 * Strings in the structs handed to callbacks are borrowed for the call.
 */
#ifndef LSC_STORE_PROBE_H
#define LSC_STORE_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "jobs/store.h"

struct store_probe {
	int64_t		 id;		/* set by store_probe_add() */
	const char	*cluster;
	const char	*phone;		/* device name; NULL: by address */
	int64_t		 at;		/* unix seconds */
	const char	*address;
	unsigned	 port;
	const char	*outcome;
	const char	*reason;	/* one line; NULL when presented */
	const char	*kind;		/* NULL unless presented */
	const char	*subject, *issuer, *serial;
	int64_t		 not_before, not_after;
	const char	*sha256;	/* the leaf's fingerprint */
	const char	*aki;		/* the leaf's authority key id */
	const char	*chain;		/* the CAs sent after the leaf:
					   sha256s, space-separated */
	int		 verified;	/* 1, 0, or -1: no CA configured */
	const char	*verify_error;
	const char	*class;
	const char	*class_reason;
};

/* A CA certificate a phone sent after its leaf. */
struct store_probe_ca {
	const char	*sha256;
	const char	*subject, *issuer;
	const char	*ski, *aki;	/* NULL when absent */
	int		 self_signed;
	const unsigned char *der;
	size_t		 der_len;
	int64_t		 first_seen;	/* kept from the first insertion */
};

/*
 * Records one probe result and the CA certificates the phone sent (each
 * kept once, by fingerprint: the first sighting stays).  One transaction
 * of its own, or the caller's when one is open.  p->id is ignored; *id,
 * when not NULL, gets the new row's.  Returns 0 or -1 (ERR_STORE).
 */
int	 store_probe_add(struct store *, const struct store_probe *p,
	    const struct store_probe_ca *cas, size_t ncas, int64_t *id,
	    struct lsc_err *);

typedef int	(*store_probe_fn)(void *arg, const struct store_probe *,
		    struct lsc_err *);

/*
 * The latest probe of each phone (and of each address probed without a
 * phone name), of one cluster or of all (cluster NULL), ordered by
 * cluster then phone name or address.  fn returns -1 to stop (the walk
 * then returns -1 with e as fn left it).
 */
int	 store_each_latest_probe(struct store *, const char *cluster,
	    store_probe_fn, void *, struct lsc_err *);

/* The probes of one phone, newest first; limit 0: all. */
int	 store_each_phone_probe(struct store *, const char *cluster,
	    const char *phone, unsigned limit, store_probe_fn, void *,
	    struct lsc_err *);

typedef int	(*store_probe_ca_fn)(void *arg, const struct store_probe_ca *,
		    struct lsc_err *);

/* Every CA certificate phones sent, ordered by fingerprint. */
int	 store_each_probe_ca(struct store *, store_probe_ca_fn, void *,
	    struct lsc_err *);

#endif
