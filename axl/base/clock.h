/*
 * clock.h — time: the seam for waiting and for randomness, monotonic
 * milliseconds, whole days, and the formats times are shown in (always
 * UTC, through gmtime_r/timegm, whatever TZ says).
 *
 * Everything that sleeps on purpose (backoff, RIS pacing, the per-minute
 * write cap) goes through a struct lsc_clock, so unit tests can record the
 * sleeps instead of taking them, and the run summary can say how long the
 * client waited on purpose.  Policy code never reads the time: it receives
 * `now` as a parameter.
 */
#ifndef LSC_CLOCK_H
#define LSC_CLOCK_H

#include <stddef.h>
#include <stdint.h>

struct lsc_clock {
	/* Monotonic milliseconds (arbitrary origin). */
	int64_t	(*mono_ms)(struct lsc_clock *);
	/* Sleeps ms milliseconds (a fake records it instead). */
	void	(*sleep_ms)(struct lsc_clock *, int64_t ms);
	/* Uniform random number in [0, 1) for jitter. */
	double	(*random)(struct lsc_clock *);
	int64_t	 slept_ms;	/* total slept through this clock */
	void	*arg;
};

/* The real clock: CLOCK_MONOTONIC, nanosleep, a seeded PRNG.  Static
 * storage; never freed. */
struct lsc_clock *clock_real(void);

/* Sleeps through the clock and adds to slept_ms. */
void	 clock_sleep(struct lsc_clock *, int64_t ms);

/*
 * Exponential backoff with full jitter: a delay in [base/2, min(cap,
 * base * 2^attempt)] milliseconds, attempt counting from 0.
 */
int64_t	 clock_backoff_ms(struct lsc_clock *, int attempt, int64_t base_ms,
	    int64_t cap_ms);

/* Seconds in a day: days as the configuration and the reports count them. */
#define CLOCK_DAY	86400

/* The strftime(3) formats times are shown in (all UTC). */
#define CLOCK_DATE	"%Y-%m-%d"
#define CLOCK_MINUTE	"%Y-%m-%d %H:%M"
#define CLOCK_UTC	"%Y-%m-%d %H:%M UTC"
#define CLOCK_SECONDS	"%Y-%m-%d %H:%M:%S"
#define CLOCK_RFC3339	"%Y-%m-%dT%H:%M:%SZ"
#define CLOCK_MONTH	"%Y-%m"

/* CLOCK_MONOTONIC in milliseconds, without a struct lsc_clock. */
int64_t	 clock_mono_ms(void);

/*
 * Whole days from now to t, rounded down: an hour past t is day -1.
 */
long long clock_days(int64_t t, int64_t now);

/*
 * Formats t (seconds since the epoch) in UTC by fmt (one of the CLOCK_*
 * formats) into buf; the text never instead when t <= 0 (a time that is unknown or
 * never happened).  Returns buf.
 */
char	*clock_fmt(const char *fmt, const char *never, int64_t t, char *buf,
	    size_t len) __attribute__((format(strftime, 1, 0)));

/*
 * The seconds since the epoch of a UTC civil time, month 1..12; -1 when a
 * field is out of range (day 31 of a 30-day month, 24:00, before 1970 or
 * after 9999).
 */
int64_t	 clock_timegm(int y, int mon, int d, int h, int mi, int s);

/* The month holding t, counted from year 0 (y * 12 + month - 1), and the
 * first second of such a month: for the reports' monthly buckets. */
long	 clock_month(int64_t t);
int64_t	 clock_month_start(long m);

#endif
