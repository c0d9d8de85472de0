/*
 * fuzz_cert.c — libFuzzer target: any bytes as the certificate a phone
 * presents, described as the probe describes it (names, validity, key,
 * SAN, kind, the CA to trust): once as one DER certificate (wrapped in
 * PEM), once as PEM text that may hold a chain.  Describing must report
 * what it cannot read, never crash, leak or read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "axl/base/err.h"
#include "axl/probe.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define BEGIN	"-----BEGIN CERTIFICATE-----\n"
#define END	"\n-----END CERTIFICATE-----\n"

static struct probe *probe;

static void
describe(const char *pem, size_t len)
{
	struct probe_cert *c = calloc(1, sizeof(*c));
	struct lsc_err e;

	if (c == NULL)
		return;
	err_clear(&e);
	(void)probe_pem(probe, "fuzz", pem, len, "127.1.1.14", 1800000000, c,
	    &e);
	free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	EVP_ENCODE_CTX *ctx = NULL;
	struct lsc_err e;
	char	*pem = NULL;
	size_t	 n;
	int	 out;

	if (probe == NULL && (probe = probe_new(NULL, 0, &e)) == NULL)
		abort();
	describe((const char *)data, len);
	/* base64 in lines of 64, a newline each: 65 bytes per 48 */
	if (len > 1 << 20 || (ctx = EVP_ENCODE_CTX_new()) == NULL ||
	    (pem = malloc(sizeof(BEGIN) + 65 * (len / 48 + 2) +
	    sizeof(END))) == NULL)
		goto out;
	memcpy(pem, BEGIN, sizeof(BEGIN) - 1);
	n = sizeof(BEGIN) - 1;
	EVP_EncodeInit(ctx);
	if (EVP_EncodeUpdate(ctx, (unsigned char *)pem + n, &out, data,
	    (int)len) != 1)
		goto out;
	n += (size_t)out;
	EVP_EncodeFinal(ctx, (unsigned char *)pem + n, &out);
	n += (size_t)out;
	memcpy(pem + n, &END[1], sizeof(END) - 1);	/* a newline ends it */
	describe(pem, n + sizeof(END) - 2);
out:
	EVP_ENCODE_CTX_free(ctx);
	free(pem);
	return 0;
}
