/*
 * fixture_store.h — a fixed state store for report tests, built through
 * the store API only (no SQL), at fixed times for a fixed "now".
 *
 * Two clusters, two campaigns, four device pools, 24 phones with a life of
 * seven weekly-ish runs (R1 2025-05-05 .. R7 2025-06-15, 02:00 UTC) plus a
 * killed eighth run, every phone state, reason changes, audit rows with a
 * failed write, an administrator's reset, and one earlier left-behind
 * report mark (2025-06-05 08:00 UTC).  Names, descriptions and the story
 * of each phone are in fixture_store.c; the numbers tests rely on are
 * below.  No cmocka here: this file is linked into every unit test.
 */
#ifndef LSC_FIXTURE_STORE_H
#define LSC_FIXTURE_STORE_H

#include <stdint.h>

#include "axl/base/err.h"
#include "jobs/store.h"

#define FIXTURE_NOW		((int64_t)1750053600)	/* 2025-06-16 06:00 UTC */
#define FIXTURE_DAY		((int64_t)86400)
#define FIXTURE_MARK_TIME	((int64_t)1749110400)	/* 2025-06-05 08:00 UTC */

#define FIXTURE_PHONES		24	/* rows in the store */
#define FIXTURE_LEFT_BEHIND	11	/* the left-behind set at FIXTURE_NOW */
#define FIXTURE_LB_NEW		6	/* ... of which new since the mark */
#define FIXTURE_LB_STILL_OPEN	5
#define FIXTURE_LB_RESOLVED	1	/* SEP00A1B2C3D403, renewed since */
#define FIXTURE_BAT		2	/* due and registered */
#define FIXTURE_RUNS		8	/* 7 finished, 1 killed */

/* Builds the fixture into an open, empty store.  0 or -1. */
int	 fixture_store_build(struct store *, struct lsc_err *);

/* A new in-memory store holding the fixture; NULL on failure. */
struct store *fixture_store_new(struct lsc_err *);

/*
 * Twins: changes that must show in the reports.
 *
 * fixture_add_left_behind(): a new phone of the cluster's campaign, left
 * behind since yesterday (offline), LSC expiring in lsc_days (0: no LSC).
 * fixture_resolve(): the phone renewed an hour ago, LSC valid two years.
 * fixture_add_run(): a finished run at FIXTURE_NOW - 1 h with the status.
 */
int	 fixture_add_left_behind(struct store *, const char *cluster,
	    const char *name, const char *pool, int lsc_days, const char *desc,
	    struct lsc_err *);
int	 fixture_resolve(struct store *, const char *cluster, const char *name,
	    struct lsc_err *);
int	 fixture_add_run(struct store *, int exit_status, const char *error,
	    struct lsc_err *);

/* PRAGMA integrity_check: 0 when "ok", else -1 with the answer in e. */
int	store_check(struct store *, struct lsc_err *);

#endif
