/*
 * clock.c — the real clock, and the backoff computation every retry uses.
 */
#include <errno.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "axl/clock.h"

static int64_t
real_mono_ms(struct lsc_clock *c)
{
	struct timespec ts;

	(void)c;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
real_sleep_ms(struct lsc_clock *c, int64_t ms)
{
	struct timespec req, rem;

	(void)c;
	if (ms <= 0)
		return;
	req.tv_sec = (time_t)(ms / 1000);
	req.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&req, &rem) == -1 && errno == EINTR)
		req = rem;
}

/*
 * xorshift64*: jitter only needs to spread clients apart, not to be
 * unpredictable, so a small PRNG seeded from the time and pid will do.
 */
static uint64_t prng_state;

static double
real_random(struct lsc_clock *c)
{
	struct timespec ts;
	uint64_t x;

	(void)c;
	if (prng_state == 0) {
		(void)clock_gettime(CLOCK_REALTIME, &ts);
		prng_state = ((uint64_t)ts.tv_sec << 32) ^
		    (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 16) ^
		    0x9e3779b97f4a7c15ULL;
		if (prng_state == 0)
			prng_state = 1;
	}
	x = prng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	prng_state = x;
	return (double)((x * 0x2545f4914f6cdd1dULL) >> 11) * 0x1.0p-53;
}

static struct lsc_clock real_clock = {
	real_mono_ms, real_sleep_ms, real_random, 0, NULL
};

struct lsc_clock *
clock_real(void)
{
	return &real_clock;
}

void
clock_sleep(struct lsc_clock *c, int64_t ms)
{
	if (ms <= 0)
		return;
	c->sleep_ms(c, ms);
	c->slept_ms += ms;
}

int64_t
clock_backoff_ms(struct lsc_clock *c, int attempt, int64_t base_ms,
    int64_t cap_ms)
{
	int64_t	 hi, lo;
	double	 r;
	int	 i;

	if (base_ms <= 0)
		return 0;
	if (cap_ms < base_ms)
		cap_ms = base_ms;
	hi = base_ms;
	for (i = 0; i < attempt && hi < cap_ms; i++)
		hi = hi > INT64_MAX / 2 ? INT64_MAX : hi * 2;
	if (hi > cap_ms)
		hi = cap_ms;
	lo = base_ms / 2;
	r = c->random(c);
	if (r < 0.0 || r >= 1.0)
		r = 0.0;
	return lo + (int64_t)((double)(hi - lo) * r);
}
