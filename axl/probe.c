/*
 * probe.c — reads the certificate a phone's web server presents.
 *
 * A TLS handshake gives the certificate, so the probe connects, completes
 * one and closes: no HTTP request, no close_notify, no credentials.  The
 * handshake accepts whatever the phone sends (describing it is the point);
 * verification against the caller's CA file is done afterwards, on the
 * chain received, and only reported.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "axl/base/buf.h"
#include "axl/probe.h"

struct probe {
	SSL_CTX		*ssl;
	X509_STORE	*store;		/* NULL: nothing to verify against */
	long		 timeout_ms;
};

/* Issuer names of Cisco's manufacturing CAs (MICs), as prefixes. */
static const char *const mic_issuers[] = {
	"Cisco Manufacturing CA",	/* "... SHA2", "... III", ... */
	"CAP-RTP-",			/* older phones' MICs */
	NULL
};

static const char *const kind_names[PROBE__MAX] = {
	[PROBE_MIC] = "mic",
	[PROBE_LSC_CAPF] = "lsc-capf",
	[PROBE_LSC_CA] = "lsc-ca",
	[PROBE_SELF_SIGNED] = "self-signed",
};

static const char *const outcome_names[PROBE_OUTCOME__MAX] = {
	[PROBE_PRESENTED] = "presented",
	[PROBE_REFUSED] = "refused",
	[PROBE_TIMEOUT] = "timeout",
	[PROBE_NOT_TLS] = "not_tls",
	[PROBE_TLS_ERROR] = "tls_error",
	[PROBE_UNREACHABLE] = "unreachable",
};

const char *
probe_kind_name(enum probe_kind k)
{
	return k < PROBE__MAX ? kind_names[k] : "unknown";
}

const char *
probe_outcome_name(enum probe_outcome o)
{
	return o < PROBE_OUTCOME__MAX ? outcome_names[o] : "unreachable";
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "10 s" or "250 ms", for timeout messages. */
static void
fmt_timeout(long ms, char *buf, size_t len)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%ld s", ms / 1000);
	else
		snprintf(buf, len, "%ld ms", ms);
}

/* The last OpenSSL reason in the queue, or fallback. */
static const char *
ssl_reason(const char *fallback)
{
	unsigned long code = ERR_peek_last_error();
	const char *r = code != 0 ? ERR_reason_error_string(code) : NULL;

	return r != NULL ? r : fallback;
}

/*
 * Copies text a certificate holds, cleaned as for a terminal (controls, C1
 * and bidirectional controls as '?', bytes that are not UTF-8 as U+FFFD);
 * a cut never splits a UTF-8 sequence.
 */
static void
copy_text(char *dst, size_t len, const unsigned char *src, size_t n)
{
	struct buf b = BUF_INIT;
	size_t k = 0;

	if (len == 0)
		return;
	if (buf_put_text(&b, (const char *)src, n) == 0 && (k = b.len) >=
	    len) {
		k = len - 1;
		while (k > 0 && ((unsigned char)b.data[k] & 0xc0) == 0x80)
			k--;
	}
	if (k > 0)
		memcpy(dst, b.data, k);
	dst[k] = '\0';
	buf_free(&b, 0);
}

/* "CN=x, OU=y, O=z", in the certificate's order, UTF-8 kept. */
static void
name_text(const X509_NAME *name, char *buf, size_t len)
{
	unsigned long flags = (XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN |
	    ASN1_STRFLGS_RFC2253) & ~ASN1_STRFLGS_ESC_MSB;
	BIO *b;
	char *data;
	long n;

	buf[0] = '\0';
	if (name == NULL || (b = BIO_new(BIO_s_mem())) == NULL)
		return;
	if (X509_NAME_print_ex(b, name, 0, flags) >= 0 &&
	    (n = BIO_get_mem_data(b, &data)) > 0)
		copy_text(buf, len, (const unsigned char *)data, (size_t)n);
	BIO_free(b);
}

/* The (last) common name, UTF-8. */
static void
cn_text(const X509_NAME *name, char *buf, size_t len)
{
	const X509_NAME_ENTRY *ent;
	unsigned char *utf8 = NULL;
	int i, last = -1, n;

	buf[0] = '\0';
	if (name == NULL)
		return;
	while ((i = X509_NAME_get_index_by_NID(name, NID_commonName,
	    last)) >= 0)
		last = i;
	if (last < 0 || (ent = X509_NAME_get_entry(name, last)) == NULL)
		return;
	if ((n = ASN1_STRING_to_UTF8(&utf8,
	    X509_NAME_ENTRY_get_data(ent))) >= 0)
		copy_text(buf, len, utf8, (size_t)n);
	OPENSSL_free(utf8);
}

static int
asn1_epoch(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

static void
fingerprint(X509 *x, char *buf, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	size_t off = 0;

	buf[0] = '\0';
	if (X509_digest(x, EVP_sha256(), md, &n) != 1)
		return;
	for (unsigned int i = 0; i < n && off + 4 <= len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%02X",
		    i ? ":" : "", md[i]);
}

/* Lowercase hex of n bytes, cut to what fits. */
static void
hex_text(const unsigned char *v, size_t n, char *buf, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t k;

	for (k = 0; k < n && 2 * k + 2 < len; k++) {
		buf[2 * k] = digits[v[k] >> 4];
		buf[2 * k + 1] = digits[v[k] & 15];
	}
	buf[2 * k] = '\0';
}

/* What a store of the chain needs: fingerprint, key ids, DER. */
static void
chain_entry(X509 *x, struct probe_cert *c, struct probe_chain_cert *cc)
{
	unsigned char md[EVP_MAX_MD_SIZE], *out;
	unsigned int n = 0;
	const ASN1_OCTET_STRING *id;
	int len;

	if (X509_digest(x, EVP_sha256(), md, &n) == 1)
		hex_text(md, n, cc->sha256, sizeof(cc->sha256));
	if ((id = X509_get0_subject_key_id(x)) != NULL)
		hex_text(ASN1_STRING_get0_data(id), (size_t)ASN1_STRING_length(
		    id), cc->ski, sizeof(cc->ski));
	if ((id = X509_get0_authority_key_id(x)) != NULL)
		hex_text(ASN1_STRING_get0_data(id), (size_t)ASN1_STRING_length(
		    id), cc->aki, sizeof(cc->aki));
	cc->self_signed = X509_self_signed(x, 0) == 1;
	len = i2d_X509(x, NULL);
	if (len <= 0 || (size_t)len > sizeof(c->der) - c->der_used)
		return;
	out = c->der + c->der_used;
	if (i2d_X509(x, &out) != len)
		return;
	cc->der_off = c->der_used;
	cc->der_len = (size_t)len;
	c->der_used += (size_t)len;
}

static void
serial_text(X509 *x, char *buf, size_t len)
{
	BIGNUM *bn;
	char *hex;

	buf[0] = '\0';
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) ==
	    NULL)
		return;
	if ((hex = BN_bn2hex(bn)) != NULL)
		copy_text(buf, len, (const unsigned char *)hex, strlen(hex));
	OPENSSL_free(hex);
	BN_free(bn);
}

static void
key_text(X509 *x, struct probe_cert *c)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);
	const char *type, *nist;
	char group[64];
	size_t glen = 0;
	int id;

	if (pk == NULL) {
		snprintf(c->key_type, sizeof(c->key_type), "unknown");
		return;
	}
	switch ((id = EVP_PKEY_get_base_id(pk))) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
		type = "RSA";
		break;
	case EVP_PKEY_EC:
		type = "EC";
		break;
	case EVP_PKEY_ED25519:
		type = "Ed25519";
		break;
	case EVP_PKEY_ED448:
		type = "Ed448";
		break;
	case EVP_PKEY_DSA:
		type = "DSA";
		break;
	default:
		type = OBJ_nid2sn(id) != NULL ? OBJ_nid2sn(id) : "unknown";
		break;
	}
	snprintf(c->key_type, sizeof(c->key_type), "%s", type);
	c->key_bits = EVP_PKEY_get_bits(pk);
	if (id == EVP_PKEY_EC && EVP_PKEY_get_group_name(pk, group,
	    sizeof(group), &glen) == 1) {
		nist = EC_curve_nid2nist(OBJ_sn2nid(group));
		if (nist == NULL)
			nist = group;
		copy_text(c->key_curve, sizeof(c->key_curve),
		    (const unsigned char *)nist, strlen(nist));
	}
}

static void
signature_text(X509 *x, char *buf, size_t len)
{
	const X509_ALGOR *alg = NULL;
	const ASN1_OBJECT *obj = NULL;

	buf[0] = '\0';
	X509_get0_signature(NULL, &alg, x);
	if (alg != NULL)
		X509_ALGOR_get0(&obj, NULL, NULL, alg);
	if (obj != NULL && OBJ_obj2txt(buf, (int)len, obj, 0) < 0)
		buf[0] = '\0';
}

/* Appends "prefix" and untrusted text to a ", "-separated list. */
static void
list_add(char *buf, size_t len, const char *prefix, const unsigned char *s,
    size_t n)
{
	size_t off = strlen(buf);
	int w;

	w = snprintf(buf + off, len - off, "%s%s", off ? ", " : "", prefix);
	if (w < 0 || (size_t)w >= len - off)
		return;
	off += (size_t)w;
	copy_text(buf + off, len - off, s, n);
}

static void
names_text(X509 *x, char *buf, size_t len)
{
	GENERAL_NAMES *gens;
	char ip[INET6_ADDRSTRLEN];

	buf[0] = '\0';
	if ((gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL)) ==
	    NULL)
		return;
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *s;
		int af;

		switch (g->type) {
		case GEN_DNS:
		case GEN_EMAIL:
		case GEN_URI:
			s = g->d.ia5;
			list_add(buf, len, g->type == GEN_DNS ? "DNS:" :
			    g->type == GEN_EMAIL ? "email:" : "URI:",
			    ASN1_STRING_get0_data(s),
			    (size_t)ASN1_STRING_length(s));
			break;
		case GEN_IPADD:
			s = g->d.iPAddress;
			af = ASN1_STRING_length(s) == 4 ? AF_INET :
			    ASN1_STRING_length(s) == 16 ? AF_INET6 : -1;
			if (af != -1 && inet_ntop(af,
			    ASN1_STRING_get0_data(s), ip, sizeof(ip)) != NULL)
				list_add(buf, len, "IP:",
				    (const unsigned char *)ip, strlen(ip));
			break;
		default:
			break;
		}
	}
	GENERAL_NAMES_free(gens);
}

static int
is_ip_literal(const char *host)
{
	unsigned char a[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1;
}

/* Whether the certificate names host, as a browser checks (never CN). */
static int
name_match(X509 *x, const char *host)
{
	if (host == NULL || *host == '\0')
		return -1;
	if (is_ip_literal(host))
		return X509_check_ip_asc(x, host, 0) == 1;
	return X509_check_host(x, host, 0,
	    X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, NULL) == 1;
}

/* By issuer; a CA's own certificate (CAPF's, say) is self-signed. */
static enum probe_kind
classify(X509 *leaf, const char *issuer_cn)
{
	if (X509_self_signed(leaf, 0) == 1)
		return PROBE_SELF_SIGNED;
	for (size_t i = 0; mic_issuers[i] != NULL; i++)
		if (strncasecmp(issuer_cn, mic_issuers[i],
		    strlen(mic_issuers[i])) == 0)
			return PROBE_MIC;
	if (strncasecmp(issuer_cn, "CAPF-", 5) == 0)
		return PROBE_LSC_CAPF;
	return PROBE_LSC_CA;
}

/*
 * Follows the chain as sent from the leaf up, issuer by issuer: the CA a
 * browser must trust is the root at its top when the phone sent one, else
 * the issuer of the highest certificate it sent.
 */
static void
chain_top(STACK_OF(X509) *chain, struct probe_cert *c)
{
	unsigned char used[32];
	int n = sk_X509_num(chain), k;
	X509 *cur = sk_X509_value(chain, 0), *next;

	if (n > (int)sizeof(used))
		n = (int)sizeof(used);
	memset(used, 0, sizeof(used));
	used[0] = 1;
	for (int step = 0; step < n; step++) {
		if (X509_self_signed(cur, 0) == 1) {
			c->chain_root = 1;
			break;
		}
		for (next = NULL, k = 1; k < n && next == NULL; k++)
			if (!used[k] && X509_check_issued(sk_X509_value(chain,
			    k), cur) == X509_V_OK) {
				used[k] = 1;
				next = sk_X509_value(chain, k);
			}
		if (next == NULL)
			break;
		cur = next;
	}
	name_text(c->chain_root ? X509_get_subject_name(cur) :
	    X509_get_issuer_name(cur), c->trust, sizeof(c->trust));
}

static void
verify(struct probe *p, STACK_OF(X509) *chain, int64_t now,
    struct probe_cert *c)
{
	X509_STORE_CTX *sc;
	X509_VERIFY_PARAM *vp;
	int rc, code;

	if (p->store == NULL) {
		c->verify = PROBE_VERIFY_NONE;
		return;
	}
	c->verify = PROBE_VERIFY_FAILED;
	if ((sc = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(sc, p->store, sk_X509_value(chain, 0),
	    chain) != 1) {
		snprintf(c->verify_error, sizeof(c->verify_error), "%s",
		    ssl_reason("out of memory"));
		X509_STORE_CTX_free(sc);
		return;
	}
	vp = X509_STORE_CTX_get0_param(sc);
	/* any certificate in the CA file is an anchor, as in a browser */
	X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_PARTIAL_CHAIN);
	X509_VERIFY_PARAM_set_time(vp, (time_t)now);
	X509_STORE_CTX_set_purpose(sc, X509_PURPOSE_SSL_SERVER);
	rc = X509_verify_cert(sc);
	code = X509_STORE_CTX_get_error(sc);
	if (rc == 1)
		c->verify = PROBE_VERIFY_OK;
	else
		snprintf(c->verify_error, sizeof(c->verify_error), "%s",
		    code != X509_V_OK ? X509_verify_cert_error_string(code) :
		    ssl_reason("verification failed"));
	X509_STORE_CTX_free(sc);
}

/* Fills c (but host, port and the TLS fields) from a chain, leaf first. */
static int
describe(struct probe *p, STACK_OF(X509) *chain, const char *host,
    int64_t now, const char *where, struct probe_cert *c, struct lsc_err *e)
{
	X509 *leaf = sk_X509_value(chain, 0), *x;
	int64_t diff;

	if (leaf == NULL)
		return err_set(e, ERR_TLS, "%s: no certificate was sent", where);
	if (asn1_epoch(X509_get0_notBefore(leaf), &c->not_before) == -1 ||
	    asn1_epoch(X509_get0_notAfter(leaf), &c->not_after) == -1)
		return err_set(e, ERR_PARSE, "%s: the certificate's validity "
		    "dates cannot be read", where);
	name_text(X509_get_subject_name(leaf), c->subject, sizeof(c->subject));
	name_text(X509_get_issuer_name(leaf), c->issuer, sizeof(c->issuer));
	cn_text(X509_get_subject_name(leaf), c->subject_cn,
	    sizeof(c->subject_cn));
	cn_text(X509_get_issuer_name(leaf), c->issuer_cn, sizeof(c->issuer_cn));
	serial_text(leaf, c->serial, sizeof(c->serial));
	fingerprint(leaf, c->sha256, sizeof(c->sha256));
	key_text(leaf, c);
	signature_text(leaf, c->signature, sizeof(c->signature));
	names_text(leaf, c->names, sizeof(c->names));
	c->name_match = name_match(leaf, host);
	c->kind = classify(leaf, c->issuer_cn);

	/* whole days, rounded down: an hour past notAfter is day -1 */
	diff = c->not_after - now;
	c->days_left = diff >= 0 ? diff / 86400 : -((-diff + 86399) / 86400);
	c->expired = now > c->not_after;
	c->not_yet_valid = now < c->not_before;

	c->chain_len = (size_t)sk_X509_num(chain);
	for (size_t i = 0; i < c->chain_len && i < PROBE_CHAIN_MAX; i++) {
		x = sk_X509_value(chain, (int)i);
		name_text(X509_get_subject_name(x), c->chain[i].subject,
		    sizeof(c->chain[i].subject));
		name_text(X509_get_issuer_name(x), c->chain[i].issuer,
		    sizeof(c->chain[i].issuer));
		chain_entry(x, c, &c->chain[i]);
	}
	chain_top(chain, c);
	verify(p, chain, now, c);
	ERR_clear_error();
	return 0;
}

struct probe *
probe_new(const char *ca_file, long timeout_ms, struct lsc_err *e)
{
	struct probe *p;
	FILE *f;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		err_set(e, ERR_SYSTEM, "probe: out of memory");
		return NULL;
	}
	p->timeout_ms = timeout_ms > 0 ? timeout_ms : PROBE_TIMEOUT_MS;
	if ((p->ssl = SSL_CTX_new(TLS_client_method())) == NULL) {
		err_set(e, ERR_SYSTEM, "probe: TLS: %s",
		    ssl_reason("cannot set up"));
		goto fail;
	}
	SSL_CTX_set_min_proto_version(p->ssl, TLS1_2_VERSION);
	/* the certificate is read, not trusted: verification comes after */
	SSL_CTX_set_verify(p->ssl, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(p->ssl, SSL_SESS_CACHE_OFF);
	/* OpenSSL's own bound (100 KiB) is more than a phone needs */
	SSL_CTX_set_max_cert_list(p->ssl, PROBE_CERT_LIST_MAX);
	if (ca_file == NULL)
		return p;
	/* fopen first, for an errno a person understands */
	if ((f = fopen(ca_file, "r")) == NULL) {
		err_set(e, ERR_USAGE, "%s: %s", ca_file, strerror(errno));
		goto fail;
	}
	fclose(f);
	if ((p->store = X509_STORE_new()) == NULL ||
	    X509_STORE_load_file(p->store, ca_file) != 1) {
		err_set(e, p->store != NULL ? ERR_USAGE : ERR_SYSTEM,
		    "%s: no CA certificate can be read from it: %s", ca_file,
		    ssl_reason("not PEM"));
		goto fail;
	}
	ERR_clear_error();
	return p;
fail:
	ERR_clear_error();
	probe_free(p);
	return NULL;
}

void
probe_free(struct probe *p)
{
	if (p == NULL)
		return;
	X509_STORE_free(p->store);
	SSL_CTX_free(p->ssl);
	free(p);
}

/* Waits for events on fd until deadline: 1 ready, 0 timed out, -1. */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd;
	int64_t left;
	int rc;

	for (;;) {
		if ((left = deadline - mono_ms()) <= 0)
			return 0;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		rc = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (rc > 0)
			return 1;
		if (rc == -1 && errno != EINTR)
			return -1;
	}
}

/* One address: 0 connected, -1 with errno set (ETIMEDOUT on timeout). */
static int
connect_one(const struct addrinfo *ai, long timeout_ms, int *fdp)
{
	socklen_t sl = sizeof(int);
	int fd, rc, soerr = 0, saved;

	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol)) == -1)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
		*fdp = fd;
		return 0;
	}
	if (errno != EINPROGRESS)
		goto fail;
	if ((rc = wait_fd(fd, POLLOUT, mono_ms() + timeout_ms)) <= 0) {
		if (rc == 0)
			errno = ETIMEDOUT;
		goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == -1)
		goto fail;
	if (soerr != 0) {
		errno = soerr;
		goto fail;
	}
	*fdp = fd;
	return 0;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/*
 * A host name resolved in a thread of its own, so that a resolver that
 * does not answer cannot hold a probe longer than its timeout: the caller
 * stops waiting and the thread, left to finish, frees what they share.
 */
struct lookup {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 refs;		/* the caller and the thread */
	int		 done;
	int		 rc;		/* getaddrinfo's */
	int		 err;		/* its errno, for EAI_SYSTEM */
	struct addrinfo	*res;
	char		 service[16];
	char		 host[];
};

static void
lookup_unref(struct lookup *l)
{
	int left;

	pthread_mutex_lock(&l->mu);
	left = --l->refs;
	pthread_mutex_unlock(&l->mu);
	if (left > 0)
		return;
	if (l->res != NULL)
		freeaddrinfo(l->res);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

static void *
lookup_run(void *arg)
{
	struct lookup *l = arg;
	struct addrinfo hints, *res = NULL;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(l->host, l->service, &hints, &res);
	pthread_mutex_lock(&l->mu);
	l->rc = rc;
	l->err = errno;
	l->res = res;
	l->done = 1;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
	lookup_unref(l);
	return NULL;
}

/* getaddrinfo() within timeout_ms: its result, or EAI_AGAIN with *late. */
static int
resolve(const char *host, const char *service, long timeout_ms,
    struct addrinfo **res, int *late)
{
	struct addrinfo hints;
	struct lookup *l;
	pthread_condattr_t ca;
	pthread_attr_t ta;
	pthread_t th;
	struct timespec until;
	int rc, err, started;

	*late = 0;
	/* RisPort70's addresses are numeric: no resolver at all */
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, service, &hints, res)) != EAI_NONAME)
		return rc;
	if ((l = calloc(1, sizeof(*l) + strlen(host) + 1)) == NULL)
		return EAI_MEMORY;
	memcpy(l->host, host, strlen(host) + 1);
	snprintf(l->service, sizeof(l->service), "%s", service);
	l->refs = 2;
	pthread_mutex_init(&l->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_attr_init(&ta);
	pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
	started = pthread_create(&th, &ta, lookup_run, l) == 0;
	pthread_attr_destroy(&ta);
	if (!started) {
		l->refs = 1;
		lookup_unref(l);
		return EAI_MEMORY;
	}
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&l->mu);
	while (!l->done && pthread_cond_timedwait(&l->cv, &l->mu,
	    &until) != ETIMEDOUT)
		;
	rc = l->done ? l->rc : EAI_AGAIN;
	err = l->err;
	*late = !l->done;
	*res = l->res;
	l->res = NULL;
	pthread_mutex_unlock(&l->mu);
	lookup_unref(l);
	errno = err;
	return rc;
}

static int
dial(const char *host, unsigned port, const char *where, long timeout_ms,
    int *fdp, struct lsc_err *e)
{
	struct addrinfo *res = NULL, *ai;
	char service[16], t[32];
	int rc, saved = 0, late;

	snprintf(service, sizeof(service), "%u", port);
	if ((rc = resolve(host, service, timeout_ms, &res, &late)) != 0) {
		fmt_timeout(timeout_ms, t, sizeof(t));
		if (late)
			return err_set(e, ERR_NETWORK, "%s: resolving: timed "
			    "out after %s", where, t);
		return err_set(e, ERR_NETWORK, "%s: resolving: %s", where,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (connect_one(ai, timeout_ms, fdp) == 0) {
			freeaddrinfo(res);
			return 0;
		}
		saved = errno;
	}
	freeaddrinfo(res);
	if (saved == ETIMEDOUT) {
		fmt_timeout(timeout_ms, t, sizeof(t));
		return err_set(e, ERR_NETWORK, "%s: connect: timed out after "
		    "%s", where, t);
	}
	return err_set(e, ERR_NETWORK, "%s: connect: %s", where,
	    strerror(saved));
}

/*
 * After SSL_connect() returned rc: 0 with the event to wait for in *ev,
 * or -1 with the handshake's failure in e.
 */
static int
hs_step(SSL *ssl, int rc, const char *where, short *ev,
    enum probe_outcome *out, struct lsc_err *e)
{
	int reason = ERR_GET_REASON(ERR_peek_last_error());

	*out = PROBE_TLS_ERROR;
	switch (SSL_get_error(ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		*ev = POLLIN;
		return 0;
	case SSL_ERROR_WANT_WRITE:
		*ev = POLLOUT;
		return 0;
	case SSL_ERROR_SYSCALL:
		if (errno != 0)
			return err_set(e, ERR_NETWORK, "%s: TLS handshake: %s",
			    where, strerror(errno));
		if (ERR_peek_last_error() == 0)
			return err_set(e, ERR_TLS, "%s: TLS handshake: the "
			    "connection was closed", where);
		return err_set(e, ERR_TLS, "%s: TLS handshake: %s", where,
		    ssl_reason("failed"));
	default:
		/* no ServerHello yet, and what came is no TLS record: an
		 * HTTP server's answer, say */
		if ((reason == SSL_R_WRONG_VERSION_NUMBER ||
		    reason == SSL_R_PACKET_LENGTH_TOO_LONG) &&
		    SSL_get_state(ssl) == TLS_ST_CW_CLNT_HELLO)
			*out = PROBE_NOT_TLS;
		if (reason == SSL_R_EXCESSIVE_MESSAGE_SIZE)
			return err_set(e, ERR_TLS, "%s: TLS handshake: the "
			    "certificates sent exceed %d bytes", where,
			    PROBE_CERT_LIST_MAX);
		if (reason == SSL_R_UNEXPECTED_EOF_WHILE_READING)
			return err_set(e, ERR_TLS, "%s: TLS handshake: the "
			    "connection was closed", where);
		return err_set(e, ERR_TLS, "%s: TLS handshake: %s", where,
		    ssl_reason("failed"));
	}
}

static int
handshake(SSL *ssl, int fd, const char *where, long timeout_ms,
    struct lsc_err *e)
{
	int64_t deadline = mono_ms() + timeout_ms;
	enum probe_outcome out;
	char t[32];
	short ev = 0;
	int rc;

	for (;;) {
		ERR_clear_error();
		errno = 0;
		if ((rc = SSL_connect(ssl)) == 1)
			return 0;
		if (hs_step(ssl, rc, where, &ev, &out, e) == -1)
			return -1;
		if ((rc = wait_fd(fd, ev, deadline)) <= 0) {
			if (rc == -1)
				return err_set(e, ERR_NETWORK, "%s: TLS "
				    "handshake: %s", where, strerror(errno));
			fmt_timeout(timeout_ms, t, sizeof(t));
			return err_set(e, ERR_NETWORK, "%s: TLS handshake: "
			    "timed out after %s", where, t);
		}
	}
}

/* A new SSL on fd, with SNI for a host name; NULL with e set. */
static SSL *
ssl_on(struct probe *p, int fd, const char *host, const char *where,
    struct lsc_err *e)
{
	SSL *ssl;

	if ((ssl = SSL_new(p->ssl)) == NULL || SSL_set_fd(ssl, fd) != 1) {
		err_set(e, ERR_SYSTEM, "%s: TLS: %s", where,
		    ssl_reason("out of memory"));
		SSL_free(ssl);
		return NULL;
	}
	/* SNI carries host names only (RFC 6066) */
	if (!is_ip_literal(host) && SSL_set_tlsext_host_name(ssl, host) != 1) {
		err_set(e, ERR_USAGE, "%s: not a usable host name", where);
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

/* After a handshake: the chain, bounded, described into c. */
static int
finish(struct probe *p, SSL *ssl, const char *host, int64_t now,
    const char *where, struct probe_cert *c, struct lsc_err *e)
{
	STACK_OF(X509) *chain;

	if ((chain = SSL_get_peer_cert_chain(ssl)) == NULL ||
	    sk_X509_num(chain) == 0)
		return err_set(e, ERR_TLS, "%s: TLS handshake: no certificate "
		    "was sent", where);
	if (sk_X509_num(chain) > PROBE_CHAIN_LIMIT)
		return err_set(e, ERR_TLS, "%s: TLS handshake: %d certificates "
		    "were sent, more than %d", where, sk_X509_num(chain),
		    PROBE_CHAIN_LIMIT);
	if (describe(p, chain, host, now, where, c, e) == -1)
		return -1;
	snprintf(c->tls_version, sizeof(c->tls_version), "%s",
	    SSL_get_version(ssl));
	snprintf(c->cipher, sizeof(c->cipher), "%s", SSL_get_cipher_name(ssl));
	return 0;
}

/* SIGPIPE held back: a phone that hangs up must not kill the process. */
struct sigpipe {
	sigset_t	 set, old;
	int		 was_pending;
};

static void
sigpipe_hold(struct sigpipe *s)
{
	sigset_t pending;

	sigemptyset(&s->set);
	sigaddset(&s->set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &s->set, &s->old);
	sigpending(&pending);
	s->was_pending = sigismember(&pending, SIGPIPE);
}

static void
sigpipe_release(struct sigpipe *s)
{
	struct timespec zero = { 0, 0 };

	if (!s->was_pending)
		while (sigtimedwait(&s->set, NULL, &zero) == -1 &&
		    errno == EINTR)
			;
	pthread_sigmask(SIG_SETMASK, &s->old, NULL);
}

static void
fmt_where(const char *host, unsigned port, char *buf, size_t len)
{
	snprintf(buf, len, strchr(host, ':') != NULL ? "[%s]:%u" : "%s:%u",
	    host, port);
}

int
probe_connect(struct probe *p, const char *host, unsigned port, int64_t now,
    struct probe_cert *c, struct lsc_err *e)
{
	SSL *ssl = NULL;
	struct sigpipe sp;
	char where[300];
	int fd = -1, rc = -1;

	memset(c, 0, sizeof(*c));
	fmt_where(host, port, where, sizeof(where));
	copy_text(c->host, sizeof(c->host), (const unsigned char *)host,
	    strlen(host));
	c->port = port;
	sigpipe_hold(&sp);
	if (dial(host, port, where, p->timeout_ms, &fd, e) == -1 ||
	    (ssl = ssl_on(p, fd, host, where, e)) == NULL ||
	    handshake(ssl, fd, where, p->timeout_ms, e) == -1 ||
	    finish(p, ssl, host, now, where, c, e) == -1)
		goto out;
	rc = 0;
out:
	/* no SSL_shutdown: nothing, not even close_notify, follows */
	SSL_free(ssl);
	if (fd != -1)
		close(fd);
	ERR_clear_error();
	sigpipe_release(&sp);
	return rc;
}

/* One connection of probe_many(). */
struct slot {
	int		 fd;		/* -1: free */
	SSL		*ssl;		/* NULL while connecting */
	size_t		 i;		/* the target */
	int64_t		 deadline;	/* monotonic ms */
	short		 ev;
	enum probe_outcome out;		/* how it failed */
	char		 where[300];
};

static void
slot_close(struct slot *s)
{
	SSL_free(s->ssl);
	if (s->fd != -1)
		close(s->fd);
	s->ssl = NULL;
	s->fd = -1;
	ERR_clear_error();
}

/* Starts target i in s: 0 in flight, -1 failed already (e says why). */
static int
slot_start(struct probe *p, struct slot *s, const struct probe_target *t,
    size_t i, struct lsc_err *e)
{
	struct addrinfo *res = NULL;
	char service[16], tm[32];
	int rc, late;

	s->i = i;
	s->ssl = NULL;
	s->out = PROBE_UNREACHABLE;
	fmt_where(t->host, t->port, s->where, sizeof(s->where));
	snprintf(service, sizeof(service), "%u", t->port);
	if ((rc = resolve(t->host, service, p->timeout_ms, &res, &late)) !=
	    0) {
		fmt_timeout(p->timeout_ms, tm, sizeof(tm));
		if (late) {
			s->out = PROBE_TIMEOUT;
			return err_set(e, ERR_NETWORK, "%s: resolving: timed "
			    "out after %s", s->where, tm);
		}
		return err_set(e, ERR_NETWORK, "%s: resolving: %s", s->where,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
	}
	s->fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, res->ai_protocol);
	rc = s->fd == -1 ? -1 : connect(s->fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (rc == -1 && (s->fd == -1 || errno != EINPROGRESS)) {
		if (errno == ECONNREFUSED)
			s->out = PROBE_REFUSED;
		err_set(e, ERR_NETWORK, "%s: connect: %s", s->where,
		    strerror(errno));
		slot_close(s);
		return -1;
	}
	s->ev = POLLOUT;
	s->deadline = mono_ms() + p->timeout_ms;
	return 0;
}

/*
 * One step of s after poll() (or its deadline): 0 still in flight, 1 done
 * with c filled, -1 failed with e set.
 */
static int
slot_step(struct probe *p, struct slot *s, const struct probe_target *t,
    int64_t now, struct probe_cert *c, struct lsc_err *e)
{
	socklen_t sl = sizeof(int);
	char tm[32];
	int soerr = 0, rc;

	if (mono_ms() >= s->deadline) {
		s->out = PROBE_TIMEOUT;
		fmt_timeout(p->timeout_ms, tm, sizeof(tm));
		return err_set(e, ERR_NETWORK, "%s: %s: timed out after %s",
		    s->where, s->ssl == NULL ? "connect" : "TLS handshake",
		    tm);
	}
	if (s->ssl == NULL) {
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) ==
		    -1)
			soerr = errno;
		if (soerr != 0) {
			if (soerr == ECONNREFUSED)
				s->out = PROBE_REFUSED;
			return err_set(e, ERR_NETWORK, "%s: connect: %s",
			    s->where, strerror(soerr));
		}
		s->out = PROBE_TLS_ERROR;
		if ((s->ssl = ssl_on(p, s->fd, t->host, s->where, e)) == NULL)
			return -1;
		s->deadline = mono_ms() + p->timeout_ms;
	}
	ERR_clear_error();
	errno = 0;
	if ((rc = SSL_connect(s->ssl)) != 1)
		return hs_step(s->ssl, rc, s->where, &s->ev, &s->out, e);
	memset(c, 0, sizeof(*c));
	copy_text(c->host, sizeof(c->host), (const unsigned char *)t->host,
	    strlen(t->host));
	c->port = t->port;
	return finish(p, s->ssl, t->host, now, s->where, c, e) == -1 ? -1 : 1;
}

/* Milliseconds until target number started may start, given the rate. */
static int64_t
rate_wait(int64_t t0, size_t started, unsigned rate)
{
	int64_t due;

	if (rate == 0)
		return 0;
	due = t0 + (int64_t)(started * 1000 / rate);
	return due - mono_ms();
}

/* Starts what concurrency and rate allow; -1 when done said stop. */
static int
fill(struct probe *p, struct slot *sl, unsigned conc,
    const struct probe_target *t, size_t n, size_t *next, unsigned *active,
    int64_t t0, unsigned rate, probe_done_fn done, void *arg,
    struct lsc_err *e)
{
	struct lsc_err fe;

	for (unsigned k = 0; k < conc && *next < n; k++) {
		if (sl[k].fd != -1)
			continue;
		if (rate_wait(t0, *next, rate) > 0)
			return 0;
		err_clear(&fe);
		if (slot_start(p, &sl[k], &t[*next], *next, &fe) == 0)
			(*active)++;
		else if (done(arg, *next, sl[k].out, NULL, &fe) == -1) {
			*e = fe;
			return -1;
		}
		(*next)++;
	}
	return 0;
}

/* One poll() over the slots in flight, then a step for each ready one. */
static int
turn(struct probe *p, struct slot *sl, struct pollfd *pf, unsigned conc,
    const struct probe_target *t, int64_t now, unsigned *active,
    int wait_ms, struct probe_cert *c, probe_done_fn done, void *arg,
    struct lsc_err *e)
{
	struct lsc_err fe;
	int64_t m = mono_ms();
	int rc, stop = 0;

	for (unsigned k = 0; k < conc; k++) {
		pf[k].fd = sl[k].fd;
		pf[k].events = sl[k].ev;
		pf[k].revents = 0;
		if (sl[k].fd != -1 && sl[k].deadline - m < wait_ms)
			wait_ms = (int)(sl[k].deadline - m > 0 ?
			    sl[k].deadline - m : 0);
	}
	if (poll(pf, conc, wait_ms) == -1 && errno != EINTR)
		return err_set(e, ERR_SYSTEM, "probe: poll: %s",
		    strerror(errno));
	m = mono_ms();
	for (unsigned k = 0; k < conc && !stop; k++) {
		if (sl[k].fd == -1 || (pf[k].revents == 0 &&
		    m < sl[k].deadline))
			continue;
		err_clear(&fe);
		if ((rc = slot_step(p, &sl[k], &t[sl[k].i], now, c, &fe)) == 0)
			continue;
		stop = done(arg, sl[k].i, rc == 1 ? PROBE_PRESENTED :
		    sl[k].out, rc == 1 ? c : NULL, &fe) == -1;
		if (stop)
			*e = fe;
		slot_close(&sl[k]);
		(*active)--;
	}
	return stop ? -1 : 0;
}

int
probe_many(struct probe *p, const struct probe_target *t, size_t n,
    unsigned concurrency, unsigned rate, int64_t now, probe_done_fn done,
    void *arg, struct lsc_err *e)
{
	struct slot *sl;
	struct pollfd *pf;
	struct probe_cert *c;
	struct sigpipe sp;
	size_t next = 0;
	unsigned active = 0, conc = concurrency > 0 ? concurrency : 1;
	int64_t t0 = mono_ms(), w;
	int rc = 0;

	if ((size_t)conc > n && n > 0)
		conc = (unsigned)n;
	sl = calloc(conc, sizeof(*sl));
	pf = calloc(conc, sizeof(*pf));
	c = malloc(sizeof(*c));
	if (sl == NULL || pf == NULL || c == NULL) {
		free(sl);
		free(pf);
		free(c);
		return err_set(e, ERR_SYSTEM, "probe: out of memory");
	}
	for (unsigned k = 0; k < conc; k++)
		sl[k].fd = -1;
	sigpipe_hold(&sp);
	while (rc == 0 && (next < n || active > 0)) {
		if ((rc = fill(p, sl, conc, t, n, &next, &active, t0, rate,
		    done, arg, e)) == -1 || (next == n && active == 0))
			break;
		w = next < n && active < conc ? rate_wait(t0, next, rate) :
		    60000;
		rc = turn(p, sl, pf, conc, t, now, &active, (int)(w < 0 ? 0 :
		    w > 60000 ? 60000 : w), c, done, arg, e);
	}
	for (unsigned k = 0; k < conc; k++)
		slot_close(&sl[k]);
	sigpipe_release(&sp);
	free(sl);
	free(pf);
	free(c);
	return rc;
}

int
probe_pem(struct probe *p, const char *label, const char *pem, size_t len,
    const char *host, int64_t now, struct probe_cert *c, struct lsc_err *e)
{
	STACK_OF(X509) *chain = NULL;
	BIO *b = NULL;
	X509 *x;
	unsigned long code;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	if (len > INT32_MAX)
		return err_set(e, ERR_PARSE, "%s: too large", label);
	ERR_clear_error();
	if ((b = BIO_new_mem_buf(pem, (int)len)) == NULL ||
	    (chain = sk_X509_new_null()) == NULL) {
		err_set(e, ERR_SYSTEM, "%s: out of memory", label);
		goto out;
	}
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		if (sk_X509_push(chain, x) == 0) {
			X509_free(x);
			err_set(e, ERR_SYSTEM, "%s: out of memory", label);
			goto out;
		}
	code = ERR_peek_last_error();
	if (sk_X509_num(chain) == 0 || (code != 0 && !(ERR_GET_LIB(code) ==
	    ERR_LIB_PEM && ERR_GET_REASON(code) == PEM_R_NO_START_LINE))) {
		err_set(e, ERR_PARSE, "%s: not a PEM certificate: %s", label,
		    sk_X509_num(chain) == 0 && code != 0 &&
		    ERR_GET_REASON(code) == PEM_R_NO_START_LINE ?
		    "no certificate in it" : ssl_reason("unreadable"));
		goto out;
	}
	if (host != NULL)
		copy_text(c->host, sizeof(c->host), (const unsigned char *)host,
		    strlen(host));
	rc = describe(p, chain, host, now, label, c, e);
out:
	ERR_clear_error();
	sk_X509_pop_free(chain, X509_free);
	BIO_free(b);
	return rc;
}
