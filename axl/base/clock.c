/*
 * clock.c — the real clock, the backoff computation every retry uses, and
 * the calendar: whole days, formats, UTC civil times (see clock.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "axl/base/clock.h"

int64_t
clock_mono_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
real_mono_ms(struct lsc_clock *c)
{
	(void)c;
	return clock_mono_ms();
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
 * drand48(): jitter only needs to spread clients apart, not to be
 * unpredictable, so the C library's generator seeded from the time and pid
 * will do.
 */
static double
real_random(struct lsc_clock *c)
{
	static int seeded;
	struct timespec ts;

	(void)c;
	if (!seeded) {
		(void)clock_gettime(CLOCK_REALTIME, &ts);
		srand48(ts.tv_sec ^ ts.tv_nsec ^ ((long)getpid() << 16));
		seeded = 1;
	}
	return drand48();
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

long long
clock_days(int64_t t, int64_t now)
{
	int64_t d = t - now;

	return d >= 0 ? d / CLOCK_DAY : -((-d + CLOCK_DAY - 1) / CLOCK_DAY);
}

char *
clock_fmt(const char *fmt, const char *never, int64_t t, char *buf,
    size_t len)
{
	time_t	 tt = (time_t)t;
	struct tm tm;

	if (len == 0)
		return buf;
	/* fmt is checked where clock_fmt() is called (its format
	 * attribute); GCC does not pass that on to strftime here */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, fmt, &tm) == 0)
		snprintf(buf, len, "%s", never);
#pragma GCC diagnostic pop
	return buf;
}

int64_t
clock_timegm(int y, int mon, int d, int h, int mi, int s)
{
	struct tm tm = { 0 };
	time_t	 t;

	if (y < 1970 || y > 9999 || mon < 1 || mon > 12 || d < 1 || d > 31 ||
	    h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	/* timegm normalises 31 April to 1 May: refuse what moved */
	t = timegm(&tm);
	if (tm.tm_mday != d || tm.tm_mon != mon - 1)
		return -1;
	return (int64_t)t;
}

long
clock_month(int64_t t)
{
	time_t	 tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		return 0;
	return (long)(tm.tm_year + 1900) * 12 + tm.tm_mon;
}

int64_t
clock_month_start(long m)
{
	struct tm tm = { 0 };

	tm.tm_year = (int)(m / 12) - 1900;
	tm.tm_mon = (int)(m % 12);
	tm.tm_mday = 1;
	return (int64_t)timegm(&tm);
}
