/*
 * report.h — reports rendered from the state store, and only from it.
 *
 * Every report is a pure function of (the store, the options, opts.now): no
 * clock is read and no log is consulted, so any report can be made again at
 * any time and gives the same bytes for the same store.  The one exception
 * is by design: a left-behind report saves a mark of the set it showed (see
 * save_mark), so that the next "--since LAST" can say what changed.
 *
 * Kinds and the formats each supports (report_supports()):
 *
 *   left-behind  text csv json html   every due phone not renewed yet
 *   summary      text csv json html   counts per cluster/campaign/pool
 *   forecast     text csv json html   LSC expiries per month, 24 months
 *   history      text csv json        the runs
 *   phone        text csv json        one phone's row, events and writes
 *   metrics      prom                 Prometheus textfile
 *   bat          bat                  BAT custom files (device names)
 *   trust        text csv json prom   what the phones present (their newest
 *                                     probe) and which CAs a browser must
 *                                     trust; report_write_pem() writes the
 *                                     CA bundle
 *
 * "html" is one self-contained page (summary tiles, forecast and state
 * charts, the summary and left-behind tables, recent runs): the three kinds
 * that accept it render the same page.  What each report contains, which
 * phones count as left behind and which go into a BAT file are described
 * in the comment at the top of each reports/<kind>.c; the JSON field names
 * (stable, "schema_version": 1) at the top of reports/json.c.
 *
 * Times are shown in UTC.  Text never holds a control character from the
 * store (terminal escapes in a CUCM description are neutralised).
 */
#ifndef LSC_REPORT_H
#define LSC_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "axl/base/err.h"
#include "jobs/store.h"

enum report_kind {
	REPORT_LEFT_BEHIND,
	REPORT_SUMMARY,
	REPORT_FORECAST,
	REPORT_HISTORY,
	REPORT_PHONE,
	REPORT_METRICS,
	REPORT_BAT,
	REPORT_TRUST,
	REPORT__MAX
};

enum report_format {
	REPORT_FORMAT_TEXT,	/* aligned columns, fits opts.width */
	REPORT_FORMAT_CSV,	/* RFC 4180, UTF-8, header row */
	REPORT_FORMAT_JSON,	/* UTF-8, "schema_version": 1 */
	REPORT_FORMAT_HTML,	/* one self-contained page */
	REPORT_FORMAT_PROM,	/* Prometheus text exposition format */
	REPORT_FORMAT_BAT,	/* device names, one per line */
	REPORT_FORMAT__MAX
};

enum report_since {
	REPORT_SINCE_NONE,	/* the whole current set */
	REPORT_SINCE_LAST,	/* compared with the previous left-behind
				   report's mark (same filters) */
	REPORT_SINCE_TIME	/* compared with the set at since_time, as
				   the store's events tell it */
};

/* What a render produced, for the caller's messages and exit status. */
struct report_result {
	unsigned long	 rows;		/* phones (left-behind, bat), runs
					   (history), timeline entries
					   (phone), groups (summary, forecast,
					   metrics) */
	unsigned long	 added;		/* --since: new in the set */
	unsigned long	 still_open;	/* --since: in both sets */
	unsigned long	 resolved;	/* --since: no longer in the set */
	unsigned long	 files;		/* report_write_bat_dir() */
	int		 previous_found;/* --since LAST: a previous mark
					   existed */
};

struct report_opts {
	enum report_kind kind;
	enum report_format format;
	int64_t		 now;		/* the report's "now" (required) */
	enum report_since since;	/* left-behind: LAST or TIME;
					   history: TIME only */
	int64_t		 since_time;	/* REPORT_SINCE_TIME */
	int		 save_mark;	/* left-behind (text/csv/json): save
					   the set shown as a mark, after the
					   output is written; needs a store
					   opened STORE_RW.  Default 1. */
	const char	*cluster;	/* filters, NULL: any (borrowed) */
	const char	*campaign;
	const char	*pool;
	const char	*phone;		/* REPORT_PHONE: the device name */
	unsigned	 limit;		/* history: newest runs, 0: all */
	int		 is_tty;	/* text: the output is a terminal
					   (bold headings allowed) */
	int		 width;		/* text: columns; 0: 100 */
	unsigned	 file_mode;	/* report_write_file(): 0 for the
					   default, 0644 for html and prom,
					   0600 otherwise */
	struct report_result *result;	/* filled when not NULL */
};

/* Sets the defaults: left-behind, text, save_mark 1, everything else 0 or
 * NULL.  The caller must still set now. */
void	 report_opts_init(struct report_opts *);

/* "left-behind", "summary", ...; "text", "csv", ...; and back (-1 when
 * unknown). */
const char *report_kind_name(enum report_kind);
int	 report_kind_parse(const char *, enum report_kind *);
const char *report_format_name(enum report_format);
int	 report_format_parse(const char *, enum report_format *);

/* Whether kind can be rendered in format. */
int	 report_supports(enum report_kind, enum report_format);
/* text for most kinds; prom for metrics, bat for bat. */
enum report_format report_default_format(enum report_kind);

/*
 * Parses a --since argument: "LAST" (any case), a date "YYYY-MM-DD"
 * (midnight UTC), "YYYY-MM-DDTHH:MM[:SS][Z]" (UTC), or "Nd" (N days before
 * now).  Sets o->since and o->since_time.  ERR_USAGE with a message naming
 * the argument when it is none of these.
 */
int	 report_since_parse(const char *, int64_t now, struct report_opts *,
	    struct lsc_err *);

/*
 * Renders a report to out, which is written only once the whole report is
 * built (a failure mid-way prints nothing).  Then, for a left-behind report
 * with save_mark, saves the mark.  Returns 0, or -1 with the error filled:
 * ERR_USAGE (kind/format/options that do not go together, phone without
 * opts->phone), ERR_NOTFOUND (phone unknown to the store), ERR_STORE,
 * ERR_SYSTEM (memory, writing out).
 */
int	 report_render(struct store *, const struct report_opts *, FILE *out,
	    struct lsc_err *);

/*
 * Renders a report into path atomically: a temporary file in the same
 * directory (mkstemp), written, flushed, fsync'd, given its mode, then
 * renamed over path and the directory fsync'd.  The file is never seen
 * half written; on failure the temporary file is removed and path is
 * untouched.  Errors as report_render(), and ERR_SYSTEM naming the path.
 */
int	 report_write_file(struct store *, const struct report_opts *,
	    const char *path, struct lsc_err *);

/*
 * BAT into a directory: one file per device pool of the (filtered) store,
 * named "<cluster>_<pool>.txt" (characters other than letters, digits, '.',
 * '-' and '_' become '_'), each written atomically, mode 0644 unless
 * file_mode says otherwise.  A pool with nothing to push gets an empty
 * file, so yesterday's list is never taken for today's.  opts->kind must
 * be REPORT_BAT.  result->files counts the files written.
 */
int	 report_write_bat_dir(struct store *, const struct report_opts *,
	    const char *dir, struct lsc_err *);

/*
 * The CA certificates the phones of the (filtered) store sent, as PEM,
 * deduplicated and ordered root first, each after comments giving its
 * subject, issuer, fingerprint and the phones chaining to it; then, as
 * comments, the roots no phone sent (subject and key identifier) for the
 * administrator to fetch from CUCM or the enterprise PKI.  Written
 * atomically as report_write_file() writes, mode 0644 unless
 * opts->file_mode says otherwise.  result->rows counts the certificates
 * written, result->files the roots named.  Errors as report_write_file().
 */
int	 report_write_pem(struct store *, const struct report_opts *,
	    const char *path, struct lsc_err *);

#endif
