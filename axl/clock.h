/*
 * clock.h — the seam for waiting and for randomness.
 *
 * Everything that sleeps on purpose (backoff, RIS pacing, the per-minute
 * write cap) goes through a struct lsc_clock, so unit tests can record the
 * sleeps instead of taking them, and the run summary can say how long the
 * client waited on purpose.  Policy code never reads the time: it receives
 * `now` as a parameter.
 */
#ifndef LSC_CLOCK_H
#define LSC_CLOCK_H

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

#endif
