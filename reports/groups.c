/*
 * groups.c — the arrays reports build as the store's callbacks come in:
 * grown by doubling, and groups of phones (per cluster, campaign and pool,
 * or per pool) kept in key order so that output comes out sorted.
 */
#include <stdlib.h>
#include <string.h>

#include "reports/report_int.h"

void *
report_grow(void *v, size_t n, size_t *cap, size_t size, size_t first)
{
	size_t ncap;

	if (n < *cap)
		return v;
	ncap = *cap ? *cap * 2 : first;
	if ((v = reallocarray(v, ncap, size)) == NULL)
		return NULL;
	*cap = ncap;
	return v;
}

static int
key_cmp(const struct report_key *a, const struct report_key *b)
{
	int c;

	if ((c = strcmp(a->cluster, b->cluster)) != 0 ||
	    (c = strcmp(a->campaign, b->campaign)) != 0)
		return c;
	return strcmp(a->pool, b->pool);
}

void *
report_group_of(void *v, size_t *n, size_t *cap, size_t size,
    const struct report_key *k, struct report_phones *strings, size_t *at)
{
	struct report_key key;
	char *g = v;
	size_t lo = 0, hi = *n, mid;
	int c;

	key.cluster = k->cluster != NULL ? k->cluster : "";
	key.campaign = k->campaign != NULL ? k->campaign : "";
	key.pool = k->pool != NULL ? k->pool : "";
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = key_cmp(&key, (const struct report_key *)(g + mid * size));
		if (c == 0) {
			*at = mid;
			return v;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	/* copied before the array grows: a failure leaves it as it was */
	key.cluster = report_phones_dup(strings, key.cluster);
	key.campaign = report_phones_dup(strings, key.campaign);
	key.pool = report_phones_dup(strings, key.pool);
	if (key.cluster == NULL || key.campaign == NULL || key.pool == NULL ||
	    (g = report_grow(v, *n, cap, size, 16)) == NULL)
		return NULL;
	memmove(g + (lo + 1) * size, g + lo * size, (*n - lo) * size);
	memset(g + lo * size, 0, size);
	memcpy(g + lo * size, &key, sizeof(key));
	(*n)++;
	*at = lo;
	return g;
}
