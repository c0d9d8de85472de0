/*
 * probe.h — the certificate a phone's web server presents.
 *
 * A probe connects to a phone's HTTPS port, completes a TLS handshake
 * (TLS 1.2 or newer, SNI only for a host name), sends nothing more, and
 * describes the certificate and chain the phone sent: subject, issuer,
 * validity, fingerprint, key, whether it is the phone's MIC or an LSC, and
 * which CA a browser must trust to open the phone's pages without a warning.
 * No credential is ever sent.
 *
 * Verification does not decide whether the certificate is read (it is what
 * is being inspected): the handshake accepts any certificate, and the
 * result of verifying it against the caller's CA file, when one is given,
 * is reported in the description.  Nothing is trusted because of what an
 * unverified certificate says.
 *
 * The OpenSSL code lives in probe.c only; this header exposes our types.
 */
#ifndef LSC_PROBE_H
#define LSC_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "axl/base/err.h"

#define PROBE_TIMEOUT_MS	10000	/* resolve, connect, handshake, each */
#define PROBE_NAMELEN		512	/* a distinguished name, as text */
#define PROBE_CHAIN_MAX		10	/* chain entries described */
#define PROBE_CHAIN_LIMIT	10	/* a longer chain is refused */
#define PROBE_CERT_LIST_MAX	32768	/* bytes: the Certificate message */
#define PROBE_CONCURRENCY	32	/* handshakes in flight */
#define PROBE_RATE		20	/* new connections a second */

enum probe_kind {
	PROBE_MIC,		/* issuer a Cisco Manufacturing CA */
	PROBE_LSC_CAPF,		/* issuer CUCM's CAPF (CN CAPF-xxxxxxxx) */
	PROBE_LSC_CA,		/* issuer another (enterprise) CA */
	PROBE_SELF_SIGNED,	/* neither: signed by its own key */
	PROBE__MAX
};

/* How a probe ended (the names are the store's, probe_outcome_name()). */
enum probe_outcome {
	PROBE_PRESENTED,	/* a certificate was read */
	PROBE_REFUSED,		/* connect: refused (web access off) */
	PROBE_TIMEOUT,		/* resolve, connect or handshake deadline */
	PROBE_NOT_TLS,		/* the port answered, not in TLS */
	PROBE_TLS_ERROR,	/* the handshake failed, or what was sent is
				   refused (too long, too large, unreadable) */
	PROBE_UNREACHABLE,	/* no such host, no route, reset at connect */
	PROBE_OUTCOME__MAX
};

enum probe_verify {
	PROBE_VERIFY_NONE,	/* no CA file given */
	PROBE_VERIFY_OK,
	PROBE_VERIFY_FAILED	/* verify_error says why */
};

/* One certificate of the chain as the phone sent it, leaf first. */
struct probe_chain_cert {
	char		 subject[PROBE_NAMELEN];
	char		 issuer[PROBE_NAMELEN];
	char		 sha256[65];	/* lowercase hex, no colons */
	char		 ski[129];	/* subject key identifier, lowercase
					   hex; "" when absent */
	char		 aki[129];	/* authority key identifier, same */
	int		 self_signed;
	size_t		 der_off;	/* its DER in the cert's der[]; */
	size_t		 der_len;	/* 0 when it did not fit */
};

/*
 * What a probe saw.  Every string is NUL-terminated, printable (control
 * characters a certificate may hold are escaped or replaced) and valid
 * UTF-8 when the certificate's was; an absent value is "".  Names are
 * "CN=..., OU=..., O=..." in the certificate's order.
 */
struct probe_cert {
	char		 host[256];	/* as probed; "" for a PEM */
	unsigned	 port;
	char		 subject[PROBE_NAMELEN];
	char		 subject_cn[256];
	char		 issuer[PROBE_NAMELEN];
	char		 issuer_cn[256];
	char		 serial[128];	/* hex */
	int64_t		 not_before;	/* seconds since the epoch */
	int64_t		 not_after;
	long long	 days_left;	/* whole days from now to not_after;
					   negative once expired */
	int		 expired;	/* not_after is before now */
	int		 not_yet_valid;	/* not_before is after now */
	char		 sha256[96];	/* "AB:CD:...", as browsers show it */
	char		 key_type[16];	/* "RSA", "EC", "Ed25519", ... */
	char		 key_curve[32];	/* "P-256" for EC, else "" */
	int		 key_bits;
	char		 signature[64];	/* "ecdsa-with-SHA256", ... */
	char		 names[512];	/* subjectAltName: "IP:..., DNS:..." */
	int		 name_match;	/* the names cover host: 1, 0, or -1
					   when there is no host */
	enum probe_kind	 kind;

	/* the chain the phone sent, leaf first */
	size_t		 chain_len;	/* certificates sent (all counted) */
	struct probe_chain_cert chain[PROBE_CHAIN_MAX];	/* the first ones */
	int		 chain_root;	/* the chain ends with a self-signed
					   root the phone sent */
	char		 trust[PROBE_NAMELEN];	/* the CA a browser must trust:
						   the issuer at the top of
						   the chain (or that root) */

	enum probe_verify verify;	/* against the CA file */
	char		 verify_error[160];	/* OpenSSL's reason */

	char		 tls_version[16];	/* "TLSv1.3"; "" for a PEM */
	char		 cipher[64];

	/* the DER of the chain's certificates, as sent (chain[].der_*) */
	unsigned char	 der[PROBE_CERT_LIST_MAX];
	size_t		 der_used;
};

struct probe;

/*
 * A prober.  ca_file (PEM, may be NULL) holds the CAs certificates are
 * verified against; any certificate in it is a trust anchor (a browser's
 * imported intermediate or phone certificate counts).  timeout_ms bounds
 * the resolution of a host name, the connect and the handshake, each (0:
 * PROBE_TIMEOUT_MS).  Returns NULL with ERR_USAGE when the CA file cannot
 * be read or holds no certificate, ERR_SYSTEM when out of memory.  Free with probe_free() (NULL accepted).
 */
struct probe *probe_new(const char *ca_file, long timeout_ms,
	    struct lsc_err *);
void	 probe_free(struct probe *);

/*
 * Connects to host (an IPv4 or IPv6 literal, taken as it is, or a host
 * name, whose resolution is given up after the timeout) on port,
 * completes a TLS handshake, closes, and fills *c.  Validity, days left and verification are judged at `now`.
 * Returns 0, or -1 with a one-line message starting with "host:port: "
 * ("127.1.1.14:8443: connect: Connection refused") and kind ERR_NETWORK
 * (resolve, connect, reset, timeout), ERR_TLS (the handshake failed) or
 * ERR_PARSE (a certificate that cannot be described).  A phone that sends
 * more than PROBE_CERT_LIST_MAX bytes of certificates or more than
 * PROBE_CHAIN_LIMIT certificates gets ERR_TLS and is not described: a
 * phone is an untrusted device, and what it sends is bounded.  SIGPIPE is held
 * back during the handshake; the caller's signal setup is left as it was.
 */
int	 probe_connect(struct probe *, const char *host, unsigned port,
	    int64_t now, struct probe_cert *, struct lsc_err *);

/* One phone to probe: an IP literal (or a host name) and a port. */
struct probe_target {
	const char	*host;
	unsigned	 port;
};

/*
 * Called once per target, in the order the probes end, with how it ended:
 * PROBE_PRESENTED with c, else c NULL and e says why (as probe_connect()
 * would).  Returns 0, or -1 to stop the loop (probes in flight are
 * closed, not reported).
 */
typedef int	(*probe_done_fn)(void *arg, size_t i, enum probe_outcome,
		    const struct probe_cert *c, const struct lsc_err *e);

/*
 * Probes the n targets concurrently in one poll() loop: at most
 * concurrency handshakes in flight (0: 1), at most rate new connections
 * a second (0: no limit), each with its connect and handshake deadline
 * (the prober's timeout), nothing sent after the handshake.  A host name
 * is resolved before its connection starts (bounded by the timeout);
 * only the first address is tried.  Memory is bounded by concurrency,
 * not by n.  Returns 0, or -1 when done asked to stop (e as done left it)
 * or with ERR_SYSTEM when the loop itself failed.
 */
int	 probe_many(struct probe *, const struct probe_target *, size_t n,
	    unsigned concurrency, unsigned rate, int64_t now,
	    probe_done_fn done, void *arg, struct lsc_err *);

/*
 * Describes a chain given as PEM (leaf first, as a phone sends it), the
 * way probe_connect() describes a chain it received; host, when not
 * NULL, is checked against the certificate's names.  label starts error
 * messages.  Returns 0, or -1 with ERR_PARSE.
 */
int	 probe_pem(struct probe *, const char *label, const char *pem,
	    size_t len, const char *host, int64_t now, struct probe_cert *,
	    struct lsc_err *);

/* "mic", "lsc-capf", "lsc-ca", "self-signed". */
const char *probe_kind_name(enum probe_kind);
/* "presented", "refused", "timeout", "not_tls", "tls_error",
 * "unreachable". */
const char *probe_outcome_name(enum probe_outcome);

#endif
