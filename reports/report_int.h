/*
 * report_int.h — what the files of reports/ share.  Not for use outside
 * reports/.
 *
 * A report is built into a struct buf (ctx->out) and only written out by
 * report.c once complete.  Every builder returns 0 / -1 with ctx->e filled;
 * a buffer that failed to grow is caught once, at the end, by report.c.
 */
#ifndef LSC_REPORT_INT_H
#define LSC_REPORT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "axl/base/buf.h"
#include "axl/base/clock.h"
#include "axl/base/err.h"
#include "axl/base/json.h"
#include "axl/base/utf8.h"
#include "jobs/store.h"
#include "reports/report.h"

#define REPORT_SCHEMA_VERSION	1
#define REPORT_DEFAULT_WIDTH	100
#define REPORT_MIN_WIDTH	40
#define CLOCK_DAY		86400
#define FORECAST_MONTHS		24

/* Which phones are left behind (see left_behind.c). */
#define LEFT_BEHIND_STATES (1u << PS_DUE | 1u << PS_LEFT_BEHIND | \
	1u << PS_FAILED_RETRYABLE | 1u << PS_NEEDS_ATTENTION | \
	1u << PS_ABANDONED | 1u << PS_QUEUED | 1u << PS_PENDING)

struct report_csv;
struct report_forecast;
struct report_group;
struct report_phones;

struct report_ctx {
	struct store		*store;
	const struct report_opts *o;
	struct buf		*out;
	struct lsc_err		*e;
	int			 width;		/* text columns */
	struct report_result	 res;
	struct report_phones	*mark;		/* left-behind set to save */
	struct report_trust	*probes;	/* what the phones presented
						   (the kinds that show it) */
};

/* ---- phones copied out of the store (phones.c) ---------------------------- */

struct report_arena;

struct report_phones {
	struct store_phone	*v;
	size_t			 n, cap;
	struct report_arena	*arena;
};

/* Loads the phones matching the options' filters (and, when states is not
 * 0, those states) in the given order, strings copied. */
int	 report_phones_load(struct report_ctx *, unsigned states,
	    enum store_order, struct report_phones *);
/* Appends a copy of p (its strings too) to the struct report_phones at
 * arg; a store_phone_fn. */
int	 report_phones_add(void *arg, const struct store_phone *p,
	    struct lsc_err *);
void	 report_phones_free(struct report_phones *);
/* A copy of s in the arena of ps; NULL stays NULL. */
const char *report_phones_dup(struct report_phones *, const char *);
/* The store filter of the options (states 0, order by name). */
void	 report_filter(const struct report_opts *, struct store_filter *);

/* ---- arrays that grow, group keys (phones.c) ------------------------------ */

/*
 * Room for one more element in v, an array of n elements of size bytes with
 * room for *cap: v itself when there is room, else v grown (to first
 * elements, then doubling) with *cap updated.  NULL when memory runs out;
 * v is untouched and still the caller's then.
 */
void	*report_grow(void *v, size_t n, size_t *cap, size_t size,
	    size_t first);

/* What a group of phones is keyed by (the store hands the groups over in
 * key order); campaign is "" in groups per pool. */
struct report_key {
	const char	*cluster;
	const char	*campaign;
	const char	*pool;
};

/* ---- a phone's fields (shared.c) ---------------------------------------- */

/*
 * One field of a record as the CSV and JSON forms show it: a phone, a run,
 * a group's counts, an entry of a phone's history.  RF_OBJ opens a JSON
 * object (its members' CSV columns are named with s before their names)
 * and RF_END closes it; RF_ABSENT is an empty CSV cell and no JSON member.
 */
struct report_field {
	const char	*name;
	enum { RF_STR, RF_TIME, RF_INT, RF_BOOL, RF_NULL, RF_ABSENT, RF_OBJ,
	    RF_END } type;
	const char	*s;		/* RF_STR (NULL: none), RF_OBJ */
	long long	 n;	/* RF_TIME (<= 0: never), RF_INT, RF_BOOL */
};

/* Appends a field to the record f of n fields. */
#define REPORT_STR(f, n, k, v) \
	((f)[(n)++] = (struct report_field){ k, RF_STR, v, 0 })
#define REPORT_NUM(f, n, k, t, v) \
	((f)[(n)++] = (struct report_field){ k, t, NULL, v })

/* The n fields of a record as CSV cells, or (names) the header's cells:
 * their names (csv.c).  The row is not ended. */
void	 report_csv_fields(struct report_csv *, const struct report_field *,
	    size_t n, int names);
/* The n fields of a record as members of the open JSON object (json.c). */
void	 report_json_fields(struct json *, const struct report_field *,
	    size_t n);

#define REPORT_PHONE_FIELDS 29

struct report_probe;

/*
 * Every field of p at now, in order: the one list behind the CSV header,
 * the CSV rows and the JSON phone object; the phone side from pr, its
 * newest probe (NULL: never probed).  reason[len] holds the reason in
 * words; the strings are p's and pr's (borrowed) or reason.
 */
void	 report_phone_fields(const struct store_phone *p,
	    const struct report_probe *pr, int64_t now,
	    struct report_field f[REPORT_PHONE_FIELDS], char *reason,
	    size_t len);

/* ---- durations (shared.c) ------------------------------------------------ */

/* "45s", "14m 05s", "2h 03m", "3d 04h". */
void	 report_fmt_duration(int64_t secs, char *, size_t);

/* ---- the text table (text.c) ---------------------------------------------- */

#define TAB_LEFT	0x00
#define TAB_RIGHT	0x01	/* numbers */
#define TAB_SHRINK	0x02	/* may be narrowed down to its minimum */
#define TAB_WRAP	0x04	/* long cells wrap instead of being cut */

struct report_tab;

struct report_tab *report_tab_new(int header);
void	 report_tab_free(struct report_tab *);
/*
 * Adds a column.  min/max bound its width (max 0: none); drop > 0 makes it
 * optional: when the table does not fit, optional columns go first, the
 * highest drop first.
 */
int	 report_tab_col(struct report_tab *, const char *title, unsigned flags,
	    int min, int max, int drop);
/* Appends a cell to the current row; rows end after the last column. */
int	 report_tab_cell(struct report_tab *, const char *);
int	 report_tab_cellf(struct report_tab *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Renders the table into ctx->out, at most ctx->width columns a line;
 * *dropped (may be NULL) counts the optional columns left out. */
int	 report_tab_render(struct report_ctx *, struct report_tab *,
	    int indent, size_t *dropped);

/* A heading line (bold on a terminal), cut to the width. */
int	 report_text_heading(struct report_ctx *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* A plain line, cleaned and cut to the width. */
int	 report_text_line(struct report_ctx *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* A paragraph wrapped at the width. */
int	 report_text_para(struct report_ctx *, int indent, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

/* ---- CSV (csv.c) ------------------------------------------------------------ */

struct report_csv {
	struct buf	*b;
	int		 col;
};

void	 report_csv_init(struct report_csv *, struct buf *);
/* A text cell: quoted when needed, neutralised when a spreadsheet would
 * take it for a formula.  NULL: an empty cell. */
void	 report_csv_str(struct report_csv *, const char *);
/* A number lscrenew computed (never neutralised). */
void	 report_csv_num(struct report_csv *, long long);
/* A time as "YYYY-MM-DD HH:MM:SS" (UTC); empty for t <= 0. */
void	 report_csv_time(struct report_csv *, int64_t);
void	 report_csv_end(struct report_csv *);
/* A header row from a NULL-terminated list. */
void	 report_csv_header(struct report_csv *, const char *const *);

/* ---- JSON (json.c) ---------------------------------------------------------- */

/* The envelope every report starts with: schema_version, report,
 * generated_at, filters. */
void	 report_json_envelope(struct report_ctx *, struct json *);
/* The phone object (see json.c). */
void	 report_json_phone(struct report_ctx *, struct json *,
	    const struct store_phone *);
/* A run's fields (see json.c); the CSV names its phones per state with
 * prefix before the state's name. */
#define REPORT_RUN_FIELDS	(17 + PS__MAX)
void	 report_run_fields(const struct store_run *, const char *prefix,
	    struct report_field f[REPORT_RUN_FIELDS]);

/* ---- HTML (html.c, svg.c) ------------------------------------------------------ */

/* Appends s escaped for HTML text and attribute values: & < > " ' as
 * references, controls and bidirectional overrides as U+FFFD (tab, CR, LF
 * as a space), bytes that are not UTF-8 as U+FFFD. */
int	 report_html_esc(struct buf *, const char *);
/* The same, cut to at most max characters ("…" marks a cut).  Both in
 * shared.c. */
int	 report_html_esc_cut(struct buf *, const char *, size_t max);
/* The charts: expiries per month, and phones by state per pool. */
int	 report_svg_forecast(struct buf *, const struct report_forecast *);
int	 report_svg_states(struct buf *, const struct report_group *pools,
	    size_t n, int clusters);

/* ---- runs (history.c) ---------------------------------------------------- */

struct report_runs {
	struct store_run	*v;
	size_t			 n, cap;
	struct report_phones	 strings;	/* arena for the strings */
};

/* Newest first, at most limit (0: all), started at or after since. */
int	 report_runs_load(struct report_ctx *, unsigned limit, int64_t since,
	    struct report_runs *);
void	 report_runs_free(struct report_runs *);

/* ---- aggregates (summary.c) -------------------------------------------------- */

struct report_group {
	struct report_key key;
	unsigned long	 phones;
	unsigned long	 state[PS__MAX];
	unsigned long	 renewed_run;	/* renewed in the last run */
	unsigned long	 renewed_30d;
	unsigned long	 exp30, exp60, exp90;	/* cumulative */
	unsigned long	 expired;
	unsigned long	 no_lsc;
	unsigned long	 probed;	/* with a probe (newest counts) */
	unsigned long	 agrees;	/* ... that agrees with CUCM */
	unsigned long	 differs;	/* presented, not as CUCM says */
	unsigned long	 silent;	/* presented no certificate */
};

struct report_summary {
	struct report_group	*g;	/* by cluster, campaign, pool */
	size_t			 n, cap;
	struct report_group	 total;
	int			 have_run;
	struct store_run	 last;	/* the newest finished run */
	struct report_phones	 strings;
};

int	 report_summary_collect(struct report_ctx *, struct report_summary *);
void	 report_summary_free(struct report_summary *);
/* The groups summed per (cluster, pool), whatever the campaign (campaign
 * ""), by cluster and pool; *pools is the caller's to free. */
int	 report_summary_by_pool(const struct report_summary *,
	    struct report_group **pools, size_t *n, struct lsc_err *);

/* ---- forecast (forecast.c) --------------------------------------------------- */

struct report_fc_pool {
	struct report_key key;		/* campaign "" */
	unsigned long	 expired;
	unsigned long	 month[FORECAST_MONTHS];
	unsigned long	 later;
	unsigned long	 no_lsc;
	unsigned long	 phones;
};

struct report_forecast {
	long			 first;		/* month index of now */
	struct report_fc_pool	*p;		/* by cluster, pool */
	size_t			 n, cap;
	struct report_fc_pool	 total;
	int			 clusters;	/* distinct clusters */
	struct report_phones	 strings;
};

int	 report_forecast_collect(struct report_ctx *, struct report_forecast *);
void	 report_forecast_free(struct report_forecast *);

/* ---- left behind (left_behind.c) ------------------------------------------------ */

/* The left-behind set of the options' filters, most urgent first. */
int	 report_left_behind_load(struct report_ctx *, struct report_phones *);
/* Whether a queued/pending phone's deadline has passed (shared.c). */
int	 report_overdue(const struct store_phone *, int64_t now);
/* The reason shown (the store's, and "deadline passed" when overdue;
 * shared.c). */
const char *report_reason(const struct store_phone *, int64_t now, char *,
	    size_t);
/* Saves ctx->mark (after the output was written). */
int	 report_left_behind_mark(struct report_ctx *);

/* ---- the builders, one per kind ------------------------------------------------ */

int	 report_left_behind(struct report_ctx *);
int	 report_summary(struct report_ctx *);
int	 report_forecast(struct report_ctx *);
int	 report_history(struct report_ctx *);
int	 report_phone(struct report_ctx *);
int	 report_metrics(struct report_ctx *);
int	 report_bat(struct report_ctx *);
int	 report_html(struct report_ctx *);
int	 report_trust(struct report_ctx *);

/* BAT: device names due and registered, per pool. */
struct report_bat_pool {
	struct report_key key;		/* campaign "" */
	const char	**names;
	size_t		 n, cap;
};
struct report_bat {
	struct report_bat_pool	*p;
	size_t			 n, cap;
	struct report_phones	 strings;
};
int	 report_bat_collect(struct report_ctx *, struct report_bat *);
void	 report_bat_free(struct report_bat *);

/* ---- phone-side truth (trust.c) ------------------------------------------------ */

#define TRUST_NONE	((size_t)-1)
#define TRUST_ERROR	((size_t)-2)

/* A phone's newest probe (strings copied into the set's arena). */
struct report_probe {
	const char	*cluster, *campaign, *pool, *model;
	const char	*name;		/* NULL: an address probed alone */
	const char	*address;
	int64_t		 at;
	const char	*outcome;	/* presented, refused, timeout, ... */
	const char	*reason;	/* the outcome's or the class's */
	const char	*kind;		/* mic, capf_lsc, enterprise_lsc, ... */
	const char	*subject, *issuer, *sha256, *aki;
	const char	*chain;		/* CA fingerprints sent, space-separated */
	const char	*cls;		/* agrees, mic_not_lsc, ... (NULL) */
	int64_t		 not_after;
	size_t		 chain_ix;	/* its chain; TRUST_NONE: none shown */
};

/* A CA certificate a phone sent, or a root no phone sent (b64 NULL). */
struct report_ca {
	const char	*sha256, *subject, *issuer, *ski, *aki;
	int		 self_signed;
	const char	*b64;		/* the DER in base64; NULL: not sent */
	unsigned long	 phones;	/* phones chaining to it */
	int		 depth;		/* issuers up to the root; 0: a root */
	size_t		 ix;		/* (while sorting) */
};

/* One distinct chain: a kind, an issuer, the CAs sent after the leaf. */
struct report_chain {
	const char	*kind, *issuer, *aki, *chain;
	const char	*subject, *leaf;	/* of its first phone */
	int		 self;		/* a self-signed leaf: its own root */
	size_t		 root;		/* in ca[]; TRUST_NONE when self */
	int		 depth;		/* CAs from the leaf to the root */
	unsigned long	 phones;
	size_t		 first;		/* (while sorting) */
};

struct report_trust {
	struct report_probe	*p;	/* the newest probe of each phone */
	size_t			 np, capp;
	struct report_ca	*ca;	/* root first once analysed */
	size_t			 nca, capca;
	struct report_chain	*ch;	/* most phones first once analysed */
	size_t			 nch, capch;
	struct report_phones	 strings;
};

/* What a group of phones needs (report_trust_need()). */
struct report_need {
	unsigned long	 phones;	/* probed */
	unsigned long	 silent;	/* presented nothing (unreachable...) */
	unsigned long	 self;		/* self-signed: each its own root */
	unsigned long	 mic;		/* presenting their MIC */
};

/* The newest probe of each phone the options select, with the CAs the
 * phones sent, analysed (report_trust_analyse()); the probes end sorted
 * by cluster and name. */
int	 report_trust_collect(struct report_ctx *, struct report_trust *);
/* Sorts the probes by cluster and name, as report_probe_of() finds them
 * (shared.c, with the two below). */
void	 report_probes_sort(struct report_trust *);
/* The newest probe of a phone (ctx->probes); NULL when none. */
const struct report_probe *report_probe_of(const struct report_ctx *,
	    const char *cluster, const char *name);
/* What a probe saw in one word: the kind presented, else the outcome. */
const char *report_probe_presents(const struct report_probe *);
/* Copies p, or ca and its DER (NULL for a root no phone sent), in. */
int	 report_trust_add_probe(struct report_trust *,
	    const struct report_probe *, struct lsc_err *);
int	 report_trust_add_ca(struct report_trust *, const struct report_ca *,
	    const unsigned char *der, size_t len, struct lsc_err *);
/* Groups the chains, finds each one's root (naming those no phone sent),
 * counts the phones chaining to each CA, orders CAs root first. */
int	 report_trust_analyse(struct report_trust *, struct lsc_err *);
/* roots[i] (t->nca of them): the phones of cluster/pool (NULL: any) that
 * need ca[i] as their root; nd counts the rest. */
void	 report_trust_need(const struct report_trust *, const char *cluster,
	    const char *pool, unsigned long *roots, struct report_need *nd);
/* Where to fetch ca[root], a root no phone sent, in words: CUCM for a
 * CAPF or manufacturing root, else the enterprise PKI. */
const char *report_trust_source(const struct report_trust *, size_t root);
/* The PEM bundle into ctx->out: rows = CAs written, files = roots named. */
int	 report_trust_pem(const struct report_trust *, struct report_ctx *);
void	 report_trust_free(struct report_trust *);
/* The report from an analysed set, in ctx->o->format (text, csv, json,
 * prom; trust_out.c). */
int	 report_trust_render(struct report_ctx *, const struct report_trust *);
/* The page's section#trust-section into b. */
int	 report_trust_html(struct report_ctx *, const struct report_trust *,
	    struct buf *b);

/* ---- Prometheus (prom.c) ----------------------------------------------------- */

/* A label name="value", the value escaped; a comma before it unless
 * first. */
void	 report_prom_label(struct buf *, const char *name, const char *v,
	    int first);
/* The HELP and TYPE (gauge) lines of a family. */
void	 report_prom_family(struct buf *, const char *name, const char *help);

/* " in cluster X, campaign Y, pool Z" or "" (shared.c). */
void	 report_filter_text(const struct report_opts *, char *, size_t);

/* Sets ERR_SYSTEM from errno with a prefix. */
int	 report_syserr(struct lsc_err *, const char *what);

#endif
