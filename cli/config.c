/*
 * config.c — lscrenew.conf(5): reading, checking and printing the
 * configuration.
 *
 * iniparser reads the file; this file decides what the values mean.  Every
 * key is described once, in the tables below, and the parser,
 * config_print() and config_keys() all walk those tables, so they cannot
 * disagree with one another (and tests/unit/test_config.c checks that the
 * manual and the example file agree with them).
 *
 * iniparser 4.1 is forgiving where an unattended job must not be: a key
 * given twice silently keeps the last value, a section given twice merges,
 * an unquoted value silently stops at ';' or '#', text after a closing
 * quote is dropped, a section name holding ':' hides its keys, and one bad
 * line makes it return nothing.  scan() reads the same lines first, the
 * way iniparser does, and reports each of these with its line, so that
 * what iniparser hands back is what the administrator meant.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <iniparser.h>

#include "cli/config.h"

#define MAX_FILE	(1024 * 1024)	/* bytes in a configuration file */
#define INI_LINE	1022		/* iniparser 4.1's longest line */
#define MINUTE		60
#define HOUR		3600
#define DAY		86400
#define WEEK		(7 * DAY)

/* Enums are stored through an int; these make that safe. */
_Static_assert(sizeof(enum log_target) == sizeof(int), "enum size");
_Static_assert(sizeof(enum auth_mode) == sizeof(int), "enum size");
_Static_assert(sizeof(enum key_order) == sizeof(int), "enum size");
_Static_assert(sizeof(enum axl_notify) == sizeof(int), "enum size");

enum vtype {
	V_STRING,	/* char *, checked by keydef.check */
	V_CHOICE,	/* char *, one of keydef.names */
	V_ENUM,		/* int or enum: the index, or keydef.values[index] */
	V_BOOL,		/* int, 0 or 1 */
	V_INT,		/* int, min..max */
	V_UINT,		/* unsigned, min..max */
	V_DURATION,	/* int64_t seconds, min..max */
	V_SIZE,		/* uint64_t bytes, min..max */
	V_MILLI,	/* double; min..max in thousandths */
	V_WINDOW,	/* int start (off), int end (off2), minutes; -1 none */
	V_LIST		/* char ** (off), size_t (off2) */
};

#define F_REQUIRED	0x01	/* an error when missing */
#define F_SECRET	0x02	/* shown as "*", wiped when freed */
#define F_ZERO		0x04	/* 0 accepted outside min..max ("never") */

typedef int (*check_fn)(const char *, char *why, size_t whylen);

struct keydef {
	const char	*name;
	enum vtype	 type;
	unsigned	 flags;
	size_t		 off;
	size_t		 off2;
	int64_t		 min;
	int64_t		 max;
	const char *const *names;	/* V_CHOICE, V_ENUM */
	const int	*values;	/* V_ENUM; NULL: the index */
	check_fn	 check;		/* V_STRING; NULL: any text */
	const char	*form;		/* V_STRING: what is expected */
};

static int	 check_path(const char *, char *, size_t);
static int	 check_ca_file(const char *, char *, size_t);
static int	 check_ca_path(const char *, char *, size_t);
static int	 check_host(const char *, char *, size_t);
static int	 check_username(const char *, char *, size_t);
static int	 check_name(const char *, char *, size_t);
static int	 check_pattern(const char *, char *, size_t);
static int	 check_auth_string(const char *, char *, size_t);

static const char *const log_names[] = { "stderr", "syslog", NULL };
static const char *const level_names[] = {
	"error", "warning", "info", "debug", NULL
};
static const char *const facility_names[] = {
	"daemon", "user", "local0", "local1", "local2", "local3", "local4",
	"local5", "local6", "local7", NULL
};
static const char *const axl_names[] = {
	"auto", "12.5", "14.0", "15.0", NULL
};
/* In the order of enum auth_mode, enum key_order, enum axl_notify. */
static const char *const auth_names[] = {
	"null-string", "auth-string", "existing-lsc", "existing-mic", NULL
};
static const char *const key_order_names[] = { "rsa", "ec", "ec-rsa", NULL };
static const char *const notify_names[] = {
	"apply", "restart", "reset", NULL
};
static const char *const rsa_names[] = {
	"1024", "2048", "3072", "4096", NULL
};
static const int rsa_values[] = { 1024, 2048, 3072, 4096 };
static const char *const ec_names[] = { "256", "384", "521", NULL };
static const int ec_values[] = { 256, 384, 521 };

#define G(f)	offsetof(struct global_conf, f)
#define C(f)	offsetof(struct cluster_conf, f)
#define P(f)	offsetof(struct policy, f)

static const struct keydef global_keys[] = {
	{ .name = "state_dir", .type = V_STRING, .off = G(state_dir),
	  .check = check_path, .form = "an absolute path" },
	{ .name = "log", .type = V_ENUM, .off = G(log), .names = log_names },
	{ .name = "log_level", .type = V_ENUM, .off = G(log_level),
	  .names = level_names },
	{ .name = "syslog_facility", .type = V_CHOICE,
	  .off = G(syslog_facility), .names = facility_names },
	{ .name = "hook", .type = V_STRING, .off = G(hook),
	  .form = "a shell command" },
	{ .name = "random_delay", .type = V_DURATION, .off = G(random_delay),
	  .min = 0, .max = 12 * HOUR },
	{ .name = "retention", .type = V_DURATION, .off = G(retention),
	  .min = DAY, .max = 36500LL * DAY },
	{ .name = "metrics_file", .type = V_STRING, .off = G(metrics_file),
	  .check = check_path, .form = "an absolute path" },
	{ .name = "report_file", .type = V_STRING, .off = G(report_file),
	  .check = check_path, .form = "an absolute path" },
};

static const struct keydef cluster_keys[] = {
	{ .name = "host", .type = V_STRING, .flags = F_REQUIRED,
	  .off = C(host), .check = check_host,
	  .form = "a host name or IP address, without scheme or port" },
	{ .name = "port", .type = V_INT, .off = C(port), .min = 1,
	  .max = 65535 },
	{ .name = "ris_host", .type = V_STRING, .off = C(ris_host),
	  .check = check_host,
	  .form = "a host name or IP address, without scheme or port" },
	{ .name = "ris_port", .type = V_INT, .off = C(ris_port), .min = 1,
	  .max = 65535 },
	{ .name = "axl_version", .type = V_CHOICE, .off = C(axl_version),
	  .names = axl_names },
	{ .name = "ca_file", .type = V_STRING, .off = C(ca_file),
	  .check = check_ca_file,
	  .form = "the absolute path of a readable PEM file of CA "
	  "certificates" },
	{ .name = "ca_path", .type = V_STRING, .off = C(ca_path),
	  .check = check_ca_path,
	  .form = "the absolute path of a readable directory of hashed CA "
	  "certificates" },
	{ .name = "username", .type = V_STRING, .flags = F_REQUIRED,
	  .off = C(username), .check = check_username,
	  .form = "the AXL application user's name" },
	{ .name = "password_file", .type = V_STRING, .off = C(password_file),
	  .check = check_path, .form = "an absolute path" },
	{ .name = "password_command", .type = V_STRING,
	  .off = C(password_command),
	  .form = "a shell command that prints the password" },
	{ .name = "password", .type = V_STRING, .flags = F_SECRET,
	  .off = C(password),
	  .form = "the password, in double quotes if it holds ';' or '#'" },
	{ .name = "ris_rate", .type = V_MILLI, .off = C(ris_rate), .min = 100,
	  .max = 60000 },
	{ .name = "connect_timeout", .type = V_DURATION,
	  .off = C(connect_timeout), .min = 1, .max = 10 * MINUTE },
	{ .name = "timeout", .type = V_DURATION, .off = C(timeout), .min = 1,
	  .max = HOUR },
	{ .name = "page_size", .type = V_UINT, .off = C(page_size), .min = 10,
	  .max = 5000 },
	{ .name = "max_response", .type = V_SIZE, .off = C(max_response),
	  .min = 64 * 1024, .max = 256 * 1024 * 1024 },
	{ .name = "retry_attempts", .type = V_UINT, .off = C(retry_attempts),
	  .min = 1, .max = 20 },
	{ .name = "retry_budget", .type = V_DURATION, .off = C(retry_budget),
	  .min = 0, .max = HOUR },
};

static const struct keydef campaign_keys[] = {
	{ .name = "cluster", .type = V_STRING, .flags = F_REQUIRED,
	  .off = P(cluster), .check = check_name,
	  .form = "the name of a [cluster NAME] section" },
	{ .name = "device_pools", .type = V_LIST, .flags = F_REQUIRED,
	  .off = P(pools), .off2 = P(npools) },
	{ .name = "name_pattern", .type = V_STRING, .off = P(name_like),
	  .check = check_pattern,
	  .form = "a device name pattern with % wildcards, e.g. SEP%" },
	{ .name = "renew_before", .type = V_DURATION, .off = P(renew_before),
	  .min = DAY, .max = 3650LL * DAY },
	{ .name = "install_missing", .type = V_BOOL,
	  .off = P(install_missing) },
	{ .name = "expected_issuer", .type = V_STRING,
	  .off = P(expected_issuer),
	  .form = "the issuer name of the LSCs wanted, as CUCM shows it" },
	{ .name = "auth_mode", .type = V_ENUM, .off = P(auth_mode),
	  .names = auth_names },
	{ .name = "install_auth_mode", .type = V_ENUM,
	  .off = P(install_auth_mode), .names = auth_names },
	{ .name = "auth_string", .type = V_STRING, .flags = F_SECRET,
	  .off = P(auth_string), .check = check_auth_string,
	  .form = "4 to 10 digits" },
	{ .name = "key_order", .type = V_ENUM, .off = P(key_order),
	  .names = key_order_names },
	{ .name = "key_size", .type = V_ENUM, .off = P(rsa_bits),
	  .names = rsa_names, .values = rsa_values },
	{ .name = "ec_key_size", .type = V_ENUM, .off = P(ec_bits),
	  .names = ec_names, .values = ec_values },
	{ .name = "deadline", .type = V_DURATION, .off = P(deadline),
	  .min = HOUR, .max = 90 * DAY },
	{ .name = "max_per_run", .type = V_UINT, .off = P(max_per_run),
	  .min = 0, .max = 1000000 },
	{ .name = "max_per_minute", .type = V_UINT, .off = P(max_per_minute),
	  .min = 0, .max = 1000000 },
	{ .name = "window", .type = V_WINDOW, .off = P(window_start),
	  .off2 = P(window_end) },
	{ .name = "notify", .type = V_ENUM, .off = P(notify),
	  .names = notify_names },
	{ .name = "retry_base", .type = V_DURATION, .off = P(retry_base),
	  .min = MINUTE, .max = 30 * DAY },
	{ .name = "retry_cap", .type = V_DURATION, .off = P(retry_cap),
	  .min = MINUTE, .max = 365 * DAY },
	{ .name = "retry_jitter", .type = V_INT, .off = P(retry_jitter),
	  .min = 0, .max = 100 },
	{ .name = "give_up_after", .type = V_DURATION, .flags = F_ZERO,
	  .off = P(give_up_after), .min = HOUR, .max = 3650LL * DAY },
	{ .name = "give_up_attempts", .type = V_UINT,
	  .off = P(give_up_attempts), .min = 0, .max = 1000000 },
};

#define NKEYS(t)	(sizeof(t) / sizeof((t)[0]))
#define MAX_KEYS	32

_Static_assert(NKEYS(global_keys) <= MAX_KEYS, "MAX_KEYS");
_Static_assert(NKEYS(cluster_keys) <= MAX_KEYS, "MAX_KEYS");
_Static_assert(NKEYS(campaign_keys) <= MAX_KEYS, "MAX_KEYS");

enum kind_id { KIND_GLOBAL, KIND_CLUSTER, KIND_CAMPAIGN, KIND__MAX };

struct kind {
	const char		*name;		/* "cluster" */
	const char		*where;		/* for "belongs in ..." */
	const struct keydef	*keys;
	size_t			 nkeys;
};

static const struct kind kinds[KIND__MAX] = {
	{ "global", "[global]", global_keys, NKEYS(global_keys) },
	{ "cluster", "a [cluster NAME] section", cluster_keys,
	  NKEYS(cluster_keys) },
	{ "campaign", "a [campaign NAME] section", campaign_keys,
	  NKEYS(campaign_keys) },
};

/* A line scan() saw: a section header (key NULL) or a key. */
struct scanned {
	char		*sec;		/* as iniparser names it */
	char		*key;
	int		 line;
};

/* A problem before sorting by line. */
struct found {
	int		 line;
	size_t		 seq;
	char		*text;
};

struct ctx {
	const char	*path;
	int		 fd;		/* the file, for the mode check */
	struct scanned	*sv;
	size_t		 sn;
	struct found	*pv;
	size_t		 pn;
	int		 oom;
	int		 nkind[KIND__MAX];/* sections seen of each kind */
};

#define LINE_END	INT_MAX		/* problems of the whole file */

/* ---- small helpers ------------------------------------------------------- */

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alnum(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	    c == '\v';
}

static int
is_ctrl(int c)
{
	return (c >= 0 && c < 0x20) || c == 0x7f;
}

static char *aprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

/* A formatted string in new memory, or NULL when out of memory. */
static char *
aprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static char *
dupn(const char *s, size_t n)
{
	char *d;

	if ((d = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* Strips white space at both ends, in place; returns the new start. */
static char *
strip(char *s)
{
	size_t n;

	while (is_space((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_space((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static void
free_secret(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

/*
 * Optimal string alignment distance (edit distance counting a swap of two
 * neighbours as one edit: "hots" is one edit from "host").
 */
static size_t
distance(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b), i, j, best;
	size_t	 d[40][40];

	if (la >= 40 || lb >= 40)
		return SIZE_MAX;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb];
}

/* The candidate closest to word, when close enough to be a typo. */
static const char *
closest(const char *word, const char *const *cand, size_t n)
{
	const char	*best = NULL;
	size_t		 bd = SIZE_MAX, d, limit;

	limit = 1 + strlen(word) / 4;
	if (limit > 3)
		limit = 3;
	for (size_t i = 0; i < n; i++) {
		d = distance(word, cand[i]);
		if (d <= limit && d < bd) {
			bd = d;
			best = cand[i];
		}
	}
	return best;
}

/* The key's definition in a kind, or NULL. */
static const struct keydef *
find_key(const struct kind *k, const char *name)
{
	for (size_t i = 0; i < k->nkeys; i++)
		if (strcmp(k->keys[i].name, name) == 0)
			return &k->keys[i];
	return NULL;
}

static const struct keydef *
find_any_key(const char *name, const struct kind **kp)
{
	const struct keydef *d;

	for (int i = 0; i < KIND__MAX; i++)
		if ((d = find_key(&kinds[i], name)) != NULL) {
			if (kp != NULL)
				*kp = &kinds[i];
			return d;
		}
	return NULL;
}

/*
 * Whether a value under this key must not be shown: a secret key, or an
 * unknown key that looks like a misspelt secret ("pasword").
 */
static int
hide_value(const char *key)
{
	static const char *const secrets[] = { "password", "auth_string" };
	const struct keydef *d;

	if ((d = find_any_key(key, NULL)) != NULL)
		return (d->flags & F_SECRET) != 0;
	if (closest(key, secrets, 2) != NULL)
		return 1;
	return strstr(key, "pass") != NULL || strstr(key, "secret") != NULL ||
	    strstr(key, "auth") != NULL || strstr(key, "pw") != NULL;
}

/* ---- values in words ----------------------------------------------------- */

static void
fmt_duration(int64_t s, char *buf, size_t len)
{
	if (s != 0 && s % DAY == 0)
		snprintf(buf, len, "%lldd", (long long)(s / DAY));
	else if (s != 0 && s % HOUR == 0)
		snprintf(buf, len, "%lldh", (long long)(s / HOUR));
	else if (s != 0 && s % MINUTE == 0)
		snprintf(buf, len, "%lldm", (long long)(s / MINUTE));
	else if (s != 0)
		snprintf(buf, len, "%llds", (long long)s);
	else
		snprintf(buf, len, "0");
}

static void
fmt_size(uint64_t b, char *buf, size_t len)
{
	const uint64_t k = 1024;

	if (b != 0 && b % (k * k * k) == 0)
		snprintf(buf, len, "%lluG", (unsigned long long)(b / (k * k * k)));
	else if (b != 0 && b % (k * k) == 0)
		snprintf(buf, len, "%lluM", (unsigned long long)(b / (k * k)));
	else if (b != 0 && b % k == 0)
		snprintf(buf, len, "%lluK", (unsigned long long)(b / k));
	else
		snprintf(buf, len, "%llu", (unsigned long long)b);
}

/* Thousandths as a decimal number without trailing zeros: "0.1", "12". */
static void
fmt_milli(int64_t m, char *buf, size_t len)
{
	int64_t	 frac = m % 1000;
	int	 digits = 3;

	if (frac == 0) {
		snprintf(buf, len, "%lld", (long long)(m / 1000));
		return;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(buf, len, "%lld.%0*lld", (long long)(m / 1000), digits,
	    (long long)frac);
}

/* "a, b or c" */
static void
fmt_names(const char *const *names, char *buf, size_t len)
{
	size_t	 n = 0, off = 0;
	int	 w;

	while (names[n] != NULL)
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		w = snprintf(buf + off, len - off, "%s%s", i == 0 ? "" :
		    i + 1 == n ? " or " : ", ", names[i]);
		if (w < 0 || (size_t)w >= len - off)
			return;
		off += (size_t)w;
	}
}

/* What a key expects, in words: the "expected ..." of its problems. */
static void
form(const struct keydef *k, char *buf, size_t len)
{
	char a[32], b[32];

	switch (k->type) {
	case V_STRING:
		snprintf(buf, len, "%s", k->form);
		break;
	case V_CHOICE:
	case V_ENUM:
		fmt_names(k->names, buf, len);
		break;
	case V_BOOL:
		snprintf(buf, len, "yes or no");
		break;
	case V_INT:
	case V_UINT:
		snprintf(buf, len, "an integer from %lld to %lld",
		    (long long)k->min, (long long)k->max);
		break;
	case V_DURATION:
		fmt_duration(k->min, a, sizeof(a));
		fmt_duration(k->max, b, sizeof(b));
		snprintf(buf, len, "%sa duration from %s to %s (a number and "
		    "a unit: s, m, h, d or w)", k->flags & F_ZERO ? "0 or " :
		    "", a, b);
		break;
	case V_SIZE:
		fmt_size((uint64_t)k->min, a, sizeof(a));
		fmt_size((uint64_t)k->max, b, sizeof(b));
		snprintf(buf, len, "a size from %s to %s (a number and an "
		    "optional K, M or G)", a, b);
		break;
	case V_MILLI:
		fmt_milli(k->min, a, sizeof(a));
		fmt_milli(k->max, b, sizeof(b));
		snprintf(buf, len, "a number from %s to %s, at most 3 "
		    "decimals", a, b);
		break;
	case V_WINDOW:
		snprintf(buf, len, "HH:MM-HH:MM in local time, start and end "
		    "different, e.g. 01:00-05:00");
		break;
	case V_LIST:
		snprintf(buf, len, "a comma-separated list of device pool "
		    "names");
		break;
	}
}

/* ---- strict parsers ------------------------------------------------------ */

/*
 * A decimal integer: an optional '-', digits, nothing else.  0, or -1 when
 * malformed; a number too large for int64_t saturates (so it is reported
 * as out of range, not as malformed).
 */
static int
parse_int(const char *s, int64_t *out)
{
	const char	*p = s;
	char		*end;
	long long	 v;

	if (*p == '-')
		p++;
	if (!is_digit((unsigned char)*p))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return -1;
	if (errno == ERANGE)
		v = *s == '-' ? LLONG_MIN : LLONG_MAX;
	*out = v;
	return 0;
}

/* Digits then a unit; -1 malformed, -2 overflow. */
static int
parse_scaled(const char *s, const char *units, const int64_t *mult,
    int unit_required, uint64_t *out)
{
	char			*end;
	unsigned long long	 v;
	const char		*u;
	uint64_t		 m = 1;

	if (!is_digit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end == '\0') {
		if (unit_required)
			return -1;
	} else {
		if (end[1] != '\0' || (u = strchr(units, *end)) == NULL)
			return -1;
		m = (uint64_t)mult[u - units];
	}
	if (errno == ERANGE || v > INT64_MAX / m)
		return -2;
	*out = v * m;
	return 0;
}

static int
duration(const char *s, int64_t *seconds)
{
	static const int64_t mult[] = { 1, MINUTE, HOUR, DAY, WEEK };
	uint64_t v;
	int rc;

	/* Zero is zero in every unit: the one bare number accepted. */
	if (strcmp(s, "0") == 0) {
		*seconds = 0;
		return 0;
	}
	if ((rc = parse_scaled(s, "smhdw", mult, 1, &v)) != 0)
		return rc;
	*seconds = (int64_t)v;
	return 0;
}

static int
size(const char *s, uint64_t *bytes)
{
	static const int64_t mult[] = {
		1024, 1024 * 1024, 1024 * 1024 * 1024
	};

	return parse_scaled(s, "KMG", mult, 0, bytes);
}

static int
hhmm(const char *s, int *min)
{
	int h, m;

	if (!is_digit((unsigned char)s[0]) || !is_digit((unsigned char)s[1]) ||
	    s[2] != ':' || !is_digit((unsigned char)s[3]) ||
	    !is_digit((unsigned char)s[4]))
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23 || m > 59)
		return -1;
	*min = h * 60 + m;
	return 0;
}

/* "HH:MM-HH:MM": 0; -1 malformed; -2 start equals end. */
static int
window(const char *s, int *start, int *end)
{
	if (strlen(s) != 11 || s[5] != '-' || hhmm(s, start) == -1 ||
	    hhmm(s + 6, end) == -1)
		return -1;
	return *start == *end ? -2 : 0;
}

/* "12" or "0.5": thousandths, exactly (no locale, no strtod surprises). */
static int
milli(const char *s, int64_t *out)
{
	int64_t	 ip = 0, fp = 0;
	int	 ni = 0, nf = 0;

	for (; is_digit((unsigned char)*s); s++) {
		if (++ni > 12)
			return -1;
		ip = ip * 10 + (*s - '0');
	}
	if (ni == 0)
		return -1;
	if (*s == '.') {
		for (s++; is_digit((unsigned char)*s); s++) {
			if (++nf > 3)
				return -1;
			fp = fp * 10 + (*s - '0');
		}
		if (nf == 0)
			return -1;
		for (; nf < 3; nf++)
			fp *= 10;
	}
	if (*s != '\0')
		return -1;
	*out = ip * 1000 + fp;
	return 0;
}

static int
boolean(const char *s, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

int
config_parse_duration(const char *s, int64_t *seconds)
{
	return s != NULL && duration(s, seconds) == 0 ? 0 : -1;
}

int
config_parse_window(const char *s, int *start_min, int *end_min)
{
	return s != NULL && window(s, start_min, end_min) == 0 ? 0 : -1;
}

int
config_parse_size(const char *s, uint64_t *bytes)
{
	return s != NULL && size(s, bytes) == 0 ? 0 : -1;
}

/* ---- string checks ------------------------------------------------------- */

static int
check_path(const char *v, char *why, size_t len)
{
	if (v[0] != '/') {
		snprintf(why, len, "not an absolute path");
		return -1;
	}
	return 0;
}

static int
check_ca_file(const char *v, char *why, size_t len)
{
	struct stat	 st;
	int		 fd, rc = -1;

	if (check_path(v, why, len) == -1)
		return -1;
	if ((fd = open(v, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) ==
	    -1) {
		snprintf(why, len, "cannot read it: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1)
		snprintf(why, len, "cannot read it: %s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		snprintf(why, len, "not a regular file");
	else
		rc = 0;
	close(fd);
	return rc;
}

static int
check_ca_path(const char *v, char *why, size_t len)
{
	int fd;

	if (check_path(v, why, len) == -1)
		return -1;
	if ((fd = open(v, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		if (errno == ENOTDIR)
			snprintf(why, len, "not a directory");
		else
			snprintf(why, len, "cannot read it: %s",
			    strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

static int
check_host(const char *v, char *why, size_t len)
{
	const char	*c;
	int		 colons = 0;

	if (strstr(v, "://") != NULL) {
		snprintf(why, len, "a URL, not a host name");
		return -1;
	}
	for (c = v; *c != '\0'; c++) {
		if (*c == ':')
			colons++;
		else if (!is_alnum((unsigned char)*c) && *c != '.' &&
		    *c != '-' && *c != '_') {
			snprintf(why, len, "'%c' cannot appear in a host name",
			    *c);
			return -1;
		}
	}
	/* Two colons or more: an IPv6 address; one: "host:port". */
	if (colons == 1) {
		snprintf(why, len, "a port in the host name (give it with "
		    "port)");
		return -1;
	}
	return 0;
}

static int
check_username(const char *v, char *why, size_t len)
{
	if (strchr(v, ':') != NULL) {
		snprintf(why, len, "':' cannot be sent in HTTP Basic "
		    "authentication");
		return -1;
	}
	return 0;
}

static int
valid_name(const char *v)
{
	if (*v == '\0')
		return 0;
	for (; *v != '\0'; v++)
		if (!is_alnum((unsigned char)*v) && *v != '-' && *v != '_' &&
		    *v != '.')
			return 0;
	return 1;
}

static int
check_name(const char *v, char *why, size_t len)
{
	if (!valid_name(v)) {
		snprintf(why, len, "not a valid section name");
		return -1;
	}
	return 0;
}

static int
check_pattern(const char *v, char *why, size_t len)
{
	for (; *v != '\0'; v++)
		if (!is_alnum((unsigned char)*v) && *v != '%' && *v != '_' &&
		    *v != '.' && *v != '-') {
			snprintf(why, len, "'%c' cannot appear in a device "
			    "name", *v);
			return -1;
		}
	return 0;
}

static int
check_auth_string(const char *v, char *why, size_t len)
{
	size_t n = strlen(v);

	for (size_t i = 0; i < n; i++)
		if (!is_digit((unsigned char)v[i])) {
			snprintf(why, len, "not all digits");
			return -1;
		}
	if (n < 4 || n > 10) {
		snprintf(why, len, "%zu digits", n);
		return -1;
	}
	return 0;
}

/* ---- problems ------------------------------------------------------------ */

static void problem(struct ctx *, int, const char *, const char *,
    const char *, const char *, ...) __attribute__((format(printf, 6, 7)));

/*
 * Records "FILE: [sec] key = value: why".  Each part but the file may be
 * NULL.  Control characters become spaces: one problem, one line.
 */
static void
problem(struct ctx *c, int line, const char *sec, const char *key,
    const char *val, const char *fmt, ...)
{
	struct found	*pv;
	va_list		 ap;
	char		 why[1024], *text, *p;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (sec == NULL && key == NULL)
		text = aprintf("%s: %s", c->path, why);
	else
		text = aprintf("%s: %s%s%s%s%s%s%s: %s", c->path,
		    sec != NULL ? "[" : "", sec != NULL ? sec : "",
		    sec != NULL ? "]" : "", sec != NULL && key != NULL ? " " :
		    "", key != NULL ? key : "", val != NULL ? " = " : "",
		    val != NULL ? val : "", why);
	if (text == NULL ||
	    (pv = reallocarray(c->pv, c->pn + 1, sizeof(*pv))) == NULL) {
		free(text);
		c->oom = 1;
		return;
	}
	for (p = text; *p != '\0'; p++)
		if (is_ctrl((unsigned char)*p))
			*p = ' ';
	c->pv = pv;
	c->pv[c->pn].line = line;
	c->pv[c->pn].seq = c->pn;
	c->pv[c->pn].text = text;
	c->pn++;
}

/* The line of a section header (key NULL) or of the key's last value. */
static int
line_of(const struct ctx *c, const char *sec, const char *key)
{
	int line = LINE_END;

	for (size_t i = 0; i < c->sn; i++) {
		if (c->sv[i].sec == NULL || strcmp(c->sv[i].sec, sec) != 0)
			continue;
		if (key == NULL && c->sv[i].key == NULL)
			return c->sv[i].line;
		if (key != NULL && c->sv[i].key != NULL &&
		    strcmp(c->sv[i].key, key) == 0)
			line = c->sv[i].line;
	}
	return line;
}

static int
found_cmp(const void *a, const void *b)
{
	const struct found *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Moves the problems, in file order, to the caller's list. */
static void
hand_over(struct ctx *c, struct config_problems *probs)
{
	if (c->pn == 0)
		return;
	qsort(c->pv, c->pn, sizeof(*c->pv), found_cmp);
	if ((probs->v = calloc(c->pn, sizeof(*probs->v))) == NULL) {
		c->oom = 1;
		return;
	}
	for (size_t i = 0; i < c->pn; i++) {
		probs->v[i].text = c->pv[i].text;
		c->pv[i].text = NULL;
	}
	probs->n = c->pn;
}

/* ---- the line scan ------------------------------------------------------- */

static int
scanned_add(struct ctx *c, const char *sec, const char *key, int line)
{
	struct scanned *sv;

	if ((sv = reallocarray(c->sv, c->sn + 1, sizeof(*sv))) == NULL) {
		c->oom = 1;
		return -1;
	}
	c->sv = sv;
	sv[c->sn].sec = sec != NULL ? strdup(sec) : NULL;
	sv[c->sn].key = key != NULL ? strdup(key) : NULL;
	sv[c->sn].line = line;
	if ((sec != NULL && sv[c->sn].sec == NULL) ||
	    (key != NULL && sv[c->sn].key == NULL)) {
		free(sv[c->sn].sec);
		free(sv[c->sn].key);
		c->oom = 1;
		return -1;
	}
	c->sn++;
	return 0;
}

static int
scanned_has(const struct ctx *c, const char *sec, const char *key)
{
	for (size_t i = 0; i < c->sn; i++)
		if (c->sv[i].sec != NULL && strcmp(c->sv[i].sec, sec) == 0 &&
		    ((key == NULL && c->sv[i].key == NULL) || (key != NULL &&
		    c->sv[i].key != NULL && strcmp(c->sv[i].key, key) == 0)))
			return 1;
	return 0;
}

/* How iniparser will take the value, and whether that loses text. */
static void
scan_value(struct ctx *c, int line, const char *sec, const char *key,
    const char *val)
{
	const char	*shown = hide_value(key) ? "*" : val;
	const char	*close, *rest;

	if (*val == '"' || *val == '\'') {
		if ((close = strchr(val + 1, *val)) == NULL) {
			problem(c, line, sec, key, shown, "unterminated "
			    "quote; expected a closing %c", *val);
			return;
		}
		for (rest = close + 1; is_space((unsigned char)*rest); rest++)
			;
		if (*rest != '\0' && *rest != ';' && *rest != '#')
			problem(c, line, sec, key, shown, "text after the "
			    "closing quote would be dropped; expected the "
			    "whole value inside the quotes");
		return;
	}
	rest = strpbrk(val, ";#");
	if (rest != NULL && rest > val && !is_space((unsigned char)rest[-1]))
		problem(c, line, sec, key, shown, "an unquoted '%c' starts a "
		    "comment and would cut the value; expected the whole "
		    "value in double quotes", *rest);
}

/* One logical line; *cur is the current section ("" before any). */
static void
scan_line(struct ctx *c, char *s, int line, char **cur)
{
	char	*name, *end, *eq, *key, *val;

	s = strip(s);
	if (*s == '\0' || *s == '#' || *s == ';')
		return;
	if (*s == '[') {
		free(*cur);
		*cur = NULL;
		if (s[strlen(s) - 1] != ']') {
			problem(c, line, NULL, NULL, NULL, "line %d: a section "
			    "header must end with ']'; expected [global], "
			    "[cluster NAME] or [campaign NAME] alone on the "
			    "line", line);
			return;
		}
		end = strchr(s, ']');
		*end = '\0';
		name = strip(s + 1);
		lower(name);
		if ((*cur = strdup(name)) == NULL) {
			c->oom = 1;
			return;
		}
		if (*name == '\0')
			problem(c, line, NULL, NULL, NULL, "line %d: []: empty "
			    "section name; expected [global], [cluster NAME] "
			    "or [campaign NAME]", line);
		else if (strchr(name, ':') != NULL)
			problem(c, line, name, NULL, NULL, "':' in a section "
			    "name hides its keys; expected a NAME of letters, "
			    "digits, '-', '_' and '.'");
		else if (scanned_has(c, name, NULL))
			problem(c, line, name, NULL, NULL, "section given "
			    "twice (its keys would merge); expected each "
			    "section once");
		scanned_add(c, name, NULL, line);
		return;
	}
	/* The line is not shown: it may be a password on a line of its own. */
	if ((eq = strchr(s, '=')) == NULL || eq == s) {
		problem(c, line, *cur != NULL && **cur != '\0' ? *cur : NULL,
		    NULL, NULL, "line %d: not a key = value line; expected "
		    "key = value, a [section] header or a comment", line);
		return;
	}
	*eq = '\0';
	key = strip(s);
	lower(key);
	val = strip(eq + 1);
	if (*cur == NULL)
		return;		/* after a broken header: reported above */
	if (**cur == '\0') {
		problem(c, line, NULL, key, hide_value(key) ? "*" : val,
		    "outside any section; expected it under [global], "
		    "[cluster NAME] or [campaign NAME]");
		return;
	}
	if (scanned_has(c, *cur, key))
		problem(c, line, *cur, key, hide_value(key) ? "*" : val,
		    "given twice (the last value would silently win); "
		    "expected %s once in a section", key);
	scanned_add(c, *cur, key, line);
	scan_value(c, line, *cur, key, val);
}

/*
 * Reads the lines as iniparser 4.1 does: trailing white space dropped, a
 * final '\' joins the next line, at most INI_LINE characters in all.
 */
static void
scan(struct ctx *c, const char *buf, size_t len)
{
	char	 ll[INI_LINE + 1], *cur = NULL;
	size_t	 pos = 0, n, plen;
	int	 line = 0, first, toolong;
	const char *nl;

	if ((cur = strdup("")) == NULL) {
		c->oom = 1;
		return;
	}
	while (pos < len) {
		n = 0;
		toolong = 0;
		first = line + 1;
		for (;;) {
			nl = memchr(buf + pos, '\n', len - pos);
			plen = nl != NULL ? (size_t)(nl - (buf + pos)) :
			    len - pos;
			line++;
			if (n + plen > INI_LINE)
				toolong = 1;
			else {
				memcpy(ll + n, buf + pos, plen);
				n += plen;
			}
			pos += plen + (nl != NULL);
			while (n > 0 && is_space((unsigned char)ll[n - 1]))
				n--;
			if (toolong || n == 0 || ll[n - 1] != '\\')
				break;
			n--;
			if (pos >= len) {
				problem(c, line, NULL, NULL, NULL, "line %d "
				    "ends with '\\' but no line follows; "
				    "expected a line to continue with", line);
				n = 0;
				break;
			}
		}
		ll[n] = '\0';
		if (toolong)
			problem(c, first, NULL, NULL, NULL, "line %d: longer "
			    "than %d characters; expected shorter lines (a "
			    "line ending with '\\' continues on the next)",
			    first, INI_LINE);
		else
			scan_line(c, ll, first, &cur);
	}
	explicit_bzero(ll, sizeof(ll));
	free(cur);
}

/* ---- setting values ------------------------------------------------------ */

static void
set_int_field(void *base, size_t off, int v)
{
	memcpy((char *)base + off, &v, sizeof(v));
}

static int
get_int_field(const void *base, size_t off)
{
	int v;

	memcpy(&v, (const char *)base + off, sizeof(v));
	return v;
}

static char **
str_field(void *base, size_t off)
{
	return (char **)(void *)((char *)base + off);
}

/*
 * Device pools: split at ',' except "\,"; "\\" is a backslash; names are
 * trimmed, non-empty and distinct.  -1 with why; -2 out of memory.
 */
static int
parse_pools(const char *v, char ***outv, size_t *outn, char *why, size_t len)
{
	char	**list = NULL, **nl, *item = NULL, *name;
	size_t	  n = 0, il = 0;
	int	  rc = -1;

	if ((item = malloc(strlen(v) + 1)) == NULL)
		return -2;
	for (const char *p = v;; p++) {
		if (*p == '\\') {
			if (p[1] != ',' && p[1] != '\\') {
				snprintf(why, len, "a backslash not followed "
				    "by ',' or '\\'");
				goto out;
			}
			item[il++] = *++p;
			continue;
		}
		if (*p != ',' && *p != '\0') {
			item[il++] = *p;
			continue;
		}
		item[il] = '\0';
		name = strip(item);
		if (*name == '\0') {
			snprintf(why, len, "an empty device pool name");
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			if (strcmp(list[i], name) == 0) {
				snprintf(why, len, "device pool \"%s\" listed "
				    "twice", name);
				goto out;
			}
		if ((nl = reallocarray(list, n + 1, sizeof(*nl))) == NULL) {
			rc = -2;
			goto out;
		}
		list = nl;
		if ((list[n] = strdup(name)) == NULL) {
			rc = -2;
			goto out;
		}
		n++;
		il = 0;
		if (*p == '\0')
			break;
	}
	*outv = list;
	*outn = n;
	list = NULL;
	n = 0;
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
	free(item);
	return rc;
}

static int
enum_index(const struct keydef *k, const char *v)
{
	for (int i = 0; k->names[i] != NULL; i++)
		if (strcmp(k->names[i], v) == 0)
			return i;
	return -1;
}

/*
 * Parses v for key k into the struct at base.  0; -1 with the whole
 * "why; expected ..." in why; -2 out of memory.
 */
static int
set_value(const struct keydef *k, void *base, const char *v, char *why,
    size_t len)
{
	char	 exp[256], w[256] = "";
	int64_t	 i = 0;
	uint64_t u = 0;
	char	**sp, **list = NULL;
	size_t	 n = 0;
	int	 a, b, rc;

	form(k, exp, sizeof(exp));
	if (*v == '\0') {
		snprintf(why, len, "empty value; expected %s", exp);
		return -1;
	}
	switch (k->type) {
	case V_STRING:
		for (const char *p = v; *p != '\0'; p++)
			if (is_ctrl((unsigned char)*p)) {
				snprintf(why, len, "a control character; "
				    "expected %s", exp);
				return -1;
			}
		if (k->check != NULL && k->check(v, w, sizeof(w)) == -1) {
			snprintf(why, len, "%s; expected %s", w, exp);
			return -1;
		}
		/* FALLTHROUGH */
	case V_CHOICE:
		if (k->type == V_CHOICE && (a = enum_index(k, v)) == -1) {
			snprintf(why, len, "unknown value; expected %s", exp);
			return -1;
		}
		sp = str_field(base, k->off);
		if (k->flags & F_SECRET)
			free_secret(*sp);
		else
			free(*sp);
		if ((*sp = strdup(v)) == NULL)
			return -2;
		return 0;
	case V_ENUM:
		if ((a = enum_index(k, v)) == -1) {
			if (k->values != NULL && parse_int(v, &i) == 0 &&
			    i < k->values[0])
				snprintf(why, len, "too small to be secure; "
				    "expected %s", exp);
			else
				snprintf(why, len, "unknown value; expected "
				    "%s", exp);
			return -1;
		}
		set_int_field(base, k->off, k->values != NULL ?
		    k->values[a] : a);
		return 0;
	case V_BOOL:
		if (boolean(v, &a) == -1) {
			snprintf(why, len, "not a boolean; expected %s (or "
			    "true/false, on/off, 1/0)", exp);
			return -1;
		}
		set_int_field(base, k->off, a);
		return 0;
	case V_INT:
	case V_UINT:
		if (parse_int(v, &i) == -1) {
			snprintf(why, len, "not an integer; expected %s", exp);
			return -1;
		}
		if (i < k->min || i > k->max) {
			snprintf(why, len, "out of range; expected %s", exp);
			return -1;
		}
		if (k->type == V_INT)
			set_int_field(base, k->off, (int)i);
		else {
			unsigned uv = (unsigned)i;

			memcpy((char *)base + k->off, &uv, sizeof(uv));
		}
		return 0;
	case V_DURATION:
		if ((rc = duration(v, &i)) == -1) {
			snprintf(why, len, "%s; expected %s", parse_int(v, &i)
			    == 0 ? "a number without a unit" :
			    "not a duration", exp);
			return -1;
		}
		if (rc == -2 || ((i < k->min || i > k->max) &&
		    !(i == 0 && (k->flags & F_ZERO)))) {
			snprintf(why, len, "out of range; expected %s", exp);
			return -1;
		}
		memcpy((char *)base + k->off, &i, sizeof(i));
		return 0;
	case V_SIZE:
		if ((rc = size(v, &u)) == -1) {
			snprintf(why, len, "not a size; expected %s", exp);
			return -1;
		}
		if (rc == -2 || u < (uint64_t)k->min || u > (uint64_t)k->max) {
			snprintf(why, len, "out of range; expected %s", exp);
			return -1;
		}
		memcpy((char *)base + k->off, &u, sizeof(u));
		return 0;
	case V_MILLI:
		if (milli(v, &i) == -1) {
			snprintf(why, len, "not a number; expected %s", exp);
			return -1;
		}
		if (i < k->min || i > k->max) {
			snprintf(why, len, "out of range; expected %s", exp);
			return -1;
		}
		{
			double d = (double)i / 1000.0;

			memcpy((char *)base + k->off, &d, sizeof(d));
		}
		return 0;
	case V_WINDOW:
		if ((rc = window(v, &a, &b)) != 0) {
			snprintf(why, len, "%s; expected %s", rc == -2 ?
			    "start and end are the same" : "not a time window",
			    exp);
			return -1;
		}
		set_int_field(base, k->off, a);
		set_int_field(base, k->off2, b);
		return 0;
	case V_LIST:
		if ((rc = parse_pools(v, &list, &n, w, sizeof(w))) != 0) {
			if (rc == -1)
				snprintf(why, len, "%s; expected %s (write a "
				    "comma in a name as \\,)", w, exp);
			return rc;
		}
		sp = *(char ***)(void *)((char *)base + k->off);
		for (size_t j = 0; sp != NULL && j < *(size_t *)(void *)
		    ((char *)base + k->off2); j++)
			free(sp[j]);
		free(sp);
		memcpy((char *)base + k->off, &list, sizeof(list));
		memcpy((char *)base + k->off2, &n, sizeof(n));
		return 0;
	}
	return -1;
}

/* ---- sections ------------------------------------------------------------ */

static int
global_defaults(struct global_conf *g)
{
	memset(g, 0, sizeof(*g));
	g->log = LOG_TO_STDERR;
	g->log_level = 1;
	g->random_delay = 0;
	g->retention = 400 * DAY;
	g->state_dir = strdup("/var/lib/lscrenew");
	g->syslog_facility = strdup("daemon");
	return g->state_dir == NULL || g->syslog_facility == NULL ? -1 : 0;
}

static int
cluster_defaults(struct cluster_conf *cl)
{
	memset(cl, 0, sizeof(*cl));
	cl->port = 8443;
	cl->ris_port = 8443;
	cl->secret = SECRET_NONE;
	cl->ris_rate = 12.0;
	cl->connect_timeout = 10;
	cl->timeout = 120;
	cl->page_size = 1000;
	cl->max_response = 16 * 1024 * 1024;
	cl->retry_attempts = 5;
	cl->retry_budget = 2 * MINUTE;
	cl->axl_version = strdup("auto");
	return cl->axl_version == NULL ? -1 : 0;
}

static void
strings_clear(const struct kind *k, void *base)
{
	char	**sp, ***lp;
	size_t	 *np;

	for (size_t i = 0; i < k->nkeys; i++) {
		switch (k->keys[i].type) {
		case V_STRING:
		case V_CHOICE:
			sp = str_field(base, k->keys[i].off);
			if (k->keys[i].flags & F_SECRET)
				free_secret(*sp);
			else
				free(*sp);
			*sp = NULL;
			break;
		case V_LIST:
			lp = (char ***)(void *)((char *)base + k->keys[i].off);
			np = (size_t *)(void *)((char *)base +
			    k->keys[i].off2);
			for (size_t j = 0; *lp != NULL && j < *np; j++)
				free((*lp)[j]);
			free(*lp);
			*lp = NULL;
			*np = 0;
			break;
		default:
			break;
		}
	}
}

static void
unknown_key(struct ctx *c, int line, const struct kind *k, const char *sec,
    const char *key, const char *val)
{
	const char		*names[MAX_KEYS], *best;
	const struct kind	*other = NULL;
	const char		*shown = hide_value(key) ? "*" : val;

	for (size_t i = 0; i < k->nkeys; i++)
		names[i] = k->keys[i].name;
	if ((best = closest(key, names, k->nkeys)) != NULL) {
		problem(c, line, sec, key, shown, "unknown key; did you mean "
		    "%s?", best);
		return;
	}
	if (find_any_key(key, &other) != NULL) {
		problem(c, line, sec, key, shown, "unknown key here; %s "
		    "belongs in %s", key, other->where);
		return;
	}
	/* A misspelt key of another kind of section. */
	for (int i = 0; i < KIND__MAX; i++) {
		if (&kinds[i] == k)
			continue;
		for (size_t j = 0; j < kinds[i].nkeys; j++)
			names[j] = kinds[i].keys[j].name;
		if ((best = closest(key, names, kinds[i].nkeys)) != NULL) {
			problem(c, line, sec, key, shown, "unknown key; did "
			    "you mean %s (which belongs in %s)?", best,
			    kinds[i].where);
			return;
		}
	}
	problem(c, line, sec, key, shown, "unknown key; expected one of the "
	    "keys of %s in lscrenew.conf(5)", k->where);
}

/*
 * Parses the keys of one section into base; seen[i] tells which of the
 * kind's keys were given (and valid).
 */
static void
parse_section(struct ctx *c, dictionary *d, const char *sec,
    const struct kind *k, void *base, unsigned char *seen)
{
	const char		**keys = NULL, *key, *val;
	const struct keydef	*def;
	char			 why[1024], exp[256];
	int			 nk, line;
	size_t			 idx;

	memset(seen, 0, MAX_KEYS);
	if ((nk = iniparser_getsecnkeys(d, sec)) > 0) {
		if ((keys = calloc((size_t)nk, sizeof(*keys))) == NULL ||
		    iniparser_getseckeys(d, sec, keys) == NULL) {
			c->oom = 1;
			goto out;
		}
	}
	for (int i = 0; i < nk; i++) {
		key = keys[i] + strlen(sec) + 1;
		val = iniparser_getstring(d, keys[i], "");
		line = line_of(c, sec, key);
		if ((def = find_key(k, key)) == NULL) {
			unknown_key(c, line, k, sec, key, val);
			continue;
		}
		idx = (size_t)(def - k->keys);
		switch (set_value(def, base, val, why, sizeof(why))) {
		case 0:
			seen[idx] = 1;
			break;
		case -1:
			seen[idx] = 2;	/* given, but wrong */
			problem(c, line, sec, key, def->flags & F_SECRET ?
			    "*" : val, "%s", why);
			break;
		default:
			c->oom = 1;
			goto out;
		}
	}
	for (size_t i = 0; i < k->nkeys; i++)
		if ((k->keys[i].flags & F_REQUIRED) && !seen[i]) {
			form(&k->keys[i], exp, sizeof(exp));
			problem(c, line_of(c, sec, NULL), sec, k->keys[i].name,
			    NULL, "required key missing; expected %s", exp);
		}
out:
	free(keys);
}

static size_t
key_index(const struct kind *k, const char *name)
{
	return (size_t)(find_key(k, name) - k->keys);
}

/* Password source, inline password protection, RisPort70 defaults. */
static void
cluster_finish(struct ctx *c, const char *sec, struct cluster_conf *cl,
    const unsigned char *seen)
{
	static const char *const src[] = {
		"password_file", "password_command", "password"
	};
	static const enum secret_source kind_of[] = {
		SECRET_FILE, SECRET_COMMAND, SECRET_INLINE
	};
	const struct kind *k = &kinds[KIND_CLUSTER];
	const char	*val;
	char		 what[PATH_MAX + 128], fix[2 * PATH_MAX + 64];
	size_t		 given[3], first = 0;
	int		 n = 0;

	/* The first source in the file is the one; any other is reported. */
	for (size_t i = 0; i < 3; i++)
		if (seen[key_index(k, src[i])]) {
			given[n++] = i;
			if (line_of(c, sec, src[i]) < line_of(c, sec,
			    src[given[first]]))
				first = (size_t)n - 1;
		}
	if (n > 0)
		cl->secret = kind_of[given[first]];
	for (int j = 0; j < n; j++) {
		size_t i = given[j];

		if ((size_t)j == first)
			continue;
		val = i == 2 ? "*" : *str_field(cl, find_key(k, src[i])->off);
		problem(c, line_of(c, sec, src[i]), sec, src[i], val != NULL ?
		    val : "", "a second password source (%s is also set); "
		    "expected exactly one of password_file, "
		    "password_command or password", src[given[first]]);
	}
	if (n == 0)
		problem(c, line_of(c, sec, NULL), sec, NULL, NULL, "no "
		    "password source; expected one of password_file, "
		    "password_command or password");
	if (n == 1 && cl->secret == SECRET_INLINE &&
	    config_check_private(c->fd, c->path, what, sizeof(what), fix,
	    sizeof(fix)) == -1)
		problem(c, line_of(c, sec, "password"), sec, "password", "*",
		    "%s; expected a file only its owner can read to hold a "
		    "password: run %s", what, fix);
	if (cl->ris_host == NULL && cl->host != NULL &&
	    (cl->ris_host = strdup(cl->host)) == NULL)
		c->oom = 1;
	if (!seen[key_index(k, "ris_port")])
		cl->ris_port = cl->port;
}

/* The auth_string rules and retry_cap >= retry_base. */
static void
campaign_finish(struct ctx *c, const char *sec, struct policy *p,
    const unsigned char *seen)
{
	const struct kind *k = &kinds[KIND_CAMPAIGN];
	char	 a[32], b[32];
	int	 need;
	const char *mode;

	need = p->auth_mode == AUTH_STRING || p->install_auth_mode ==
	    AUTH_STRING;
	mode = p->auth_mode == AUTH_STRING ? "auth_mode" : "install_auth_mode";
	if (need && !seen[key_index(k, "auth_string")])
		problem(c, line_of(c, sec, mode), sec, "auth_string", NULL,
		    "required by %s = auth-string; expected 4 to 10 digits",
		    mode);
	if (!need && seen[key_index(k, "auth_string")] == 1)
		problem(c, line_of(c, sec, "auth_string"), sec, "auth_string",
		    "*", "not used: neither auth_mode nor install_auth_mode "
		    "is auth-string; expected no auth_string");
	if (p->retry_cap < p->retry_base &&
	    seen[key_index(k, "retry_cap")] != 2 &&
	    seen[key_index(k, "retry_base")] != 2) {
		fmt_duration(p->retry_cap, a, sizeof(a));
		fmt_duration(p->retry_base, b, sizeof(b));
		if (seen[key_index(k, "retry_cap")])
			problem(c, line_of(c, sec, "retry_cap"), sec,
			    "retry_cap", a, "less than retry_base (%s); "
			    "expected at least retry_base", b);
		else
			problem(c, line_of(c, sec, "retry_base"), sec,
			    "retry_base", b, "more than retry_cap (%s, the "
			    "default); expected at most retry_cap", a);
	}
}

static void *
grow(void *v, size_t n, size_t each)
{
	return reallocarray(v, n + 1, each);
}

/* One section of the file, whatever it is. */
static void
walk_section(struct ctx *c, dictionary *d, const char *sec,
    struct config *cfg)
{
	unsigned char	 seen[MAX_KEYS];
	char		 word[16], *nm;
	const char	*name, *best, *line_end;
	static const char *const kind_names[] = {
		"global", "cluster", "campaign"
	};
	int		 line = line_of(c, sec, NULL);
	size_t		 wl;
	struct cluster_conf *cl;
	struct policy	*p;

	wl = strcspn(sec, " \t");
	for (name = sec + wl; is_space((unsigned char)*name); name++)
		;
	line_end = name + strlen(name);
	snprintf(word, sizeof(word), "%.*s", (int)(wl < 15 ? wl : 15), sec);

	if (wl == 6 && strncmp(sec, "global", 6) == 0) {
		c->nkind[KIND_GLOBAL]++;
		if (*name != '\0')
			problem(c, line, sec, NULL, NULL, "[global] takes no "
			    "name; expected [global]");
		parse_section(c, d, sec, &kinds[KIND_GLOBAL], &cfg->global,
		    seen);
		return;
	}
	if ((wl == 7 && strncmp(sec, "cluster", 7) == 0) ||
	    (wl == 8 && strncmp(sec, "campaign", 8) == 0)) {
		if (*name == '\0') {
			problem(c, line, sec, NULL, NULL, "missing name; "
			    "expected [%s NAME]", word);
			return;
		}
		if (!valid_name(name))
			problem(c, line, sec, NULL, NULL, "\"%s\" is not a "
			    "valid name; expected [%s NAME], NAME made of "
			    "letters, digits, '-', '_' and '.'", name, word);
		if ((nm = dupn(name, (size_t)(line_end - name))) == NULL) {
			c->oom = 1;
			return;
		}
		if (wl == 7) {
			c->nkind[KIND_CLUSTER]++;
			if ((cl = grow(cfg->clusters, cfg->nclusters,
			    sizeof(*cl))) == NULL) {
				free(nm);
				c->oom = 1;
				return;
			}
			cfg->clusters = cl;
			cl = &cfg->clusters[cfg->nclusters];
			if (cluster_defaults(cl) == -1) {
				free(cl->axl_version);
				free(nm);
				c->oom = 1;
				return;
			}
			cl->name = nm;
			cfg->nclusters++;
			parse_section(c, d, sec, &kinds[KIND_CLUSTER], cl,
			    seen);
			cluster_finish(c, sec, cl, seen);
		} else {
			c->nkind[KIND_CAMPAIGN]++;
			if ((p = grow(cfg->campaigns, cfg->ncampaigns,
			    sizeof(*p))) == NULL) {
				free(nm);
				c->oom = 1;
				return;
			}
			cfg->campaigns = p;
			p = &cfg->campaigns[cfg->ncampaigns];
			policy_defaults(p);
			p->name = nm;
			cfg->ncampaigns++;
			parse_section(c, d, sec, &kinds[KIND_CAMPAIGN], p,
			    seen);
			campaign_finish(c, sec, p, seen);
		}
		return;
	}
	if ((best = closest(word, kind_names, 3)) != NULL)
		problem(c, line, sec, NULL, NULL, "unknown section; did you "
		    "mean [%s%s%s]?", best, *name != '\0' ? " " : "", name);
	else
		problem(c, line, sec, NULL, NULL, "unknown section; expected "
		    "[global], [cluster NAME] or [campaign NAME]");
}

/* Each campaign's cluster exists; its name is made the cluster's own. */
static void
check_references(struct ctx *c, struct config *cfg)
{
	const struct cluster_conf *cl;
	const char	**names = NULL, *best;
	char		  sec[300], *nm;

	if (cfg->nclusters > 0 &&
	    (names = calloc(cfg->nclusters, sizeof(*names))) == NULL) {
		c->oom = 1;
		return;
	}
	for (size_t i = 0; i < cfg->nclusters; i++)
		names[i] = cfg->clusters[i].name;
	for (size_t i = 0; i < cfg->ncampaigns; i++) {
		struct policy *p = &cfg->campaigns[i];

		if (p->cluster == NULL)
			continue;
		if ((cl = config_cluster(cfg, p->cluster)) != NULL) {
			if ((nm = strdup(cl->name)) == NULL) {
				c->oom = 1;
				break;
			}
			free(p->cluster);
			p->cluster = nm;
			continue;
		}
		snprintf(sec, sizeof(sec), "campaign %s", p->name);
		best = closest(p->cluster, names, cfg->nclusters);
		if (best != NULL)
			problem(c, line_of(c, sec, "cluster"), sec, "cluster",
			    p->cluster, "no such cluster; did you mean %s?",
			    best);
		else
			problem(c, line_of(c, sec, "cluster"), sec, "cluster",
			    p->cluster, "no such cluster; expected the name "
			    "of a [cluster NAME] section");
	}
	free(names);
}

/* ---- loading ------------------------------------------------------------- */

/* The first message iniparser reported while loading (its first line). */
static char ini_error[512];

static int ini_errback(const char *, ...) __attribute__((format(printf, 1, 2)));

static int
ini_errback(const char *fmt, ...)
{
	va_list ap;

	if (ini_error[0] != '\0')
		return 0;
	va_start(ap, fmt);
	vsnprintf(ini_error, sizeof(ini_error), fmt, ap);
	va_end(ap);
	ini_error[strcspn(ini_error, "\n")] = '\0';
	return 0;
}

static int
file_problem(struct ctx *c, struct lsc_err *err, enum err_kind kind,
    const char *why)
{
	problem(c, 0, NULL, NULL, NULL, "%s", why);
	return err_set(err, kind, "%s: %s", c->path, why);
}

/* Opens and reads the file, refusing what is not a regular file. */
static int
read_config(struct ctx *c, char **text, size_t *len, struct stat *st,
    struct lsc_err *err)
{
	char		 why[512];
	char		*buf = NULL;
	size_t		 n = 0;
	ssize_t		 r;
	int		 fd;

	if ((fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		int e = errno;

		snprintf(why, sizeof(why), "cannot open: %s", strerror(e));
		return file_problem(c, err, e == ENOENT || e == EACCES ||
		    e == EPERM || e == ENOTDIR || e == ELOOP ||
		    e == ENAMETOOLONG ? ERR_CONFIG : ERR_SYSTEM, why);
	}
	c->fd = fd;
	if (fstat(fd, st) == -1) {
		snprintf(why, sizeof(why), "cannot stat: %s", strerror(errno));
		return file_problem(c, err, ERR_SYSTEM, why);
	}
	if (S_ISDIR(st->st_mode))
		return file_problem(c, err, ERR_CONFIG, "is a directory; "
		    "expected a configuration file");
	if (!S_ISREG(st->st_mode))
		return file_problem(c, err, ERR_CONFIG, "not a regular file; "
		    "expected a configuration file");
	if (st->st_size > MAX_FILE)
		return file_problem(c, err, ERR_CONFIG, "too large; expected "
		    "at most 1M");
	if ((buf = malloc(MAX_FILE + 1)) == NULL)
		return file_problem(c, err, ERR_SYSTEM, "out of memory");
	while (n <= MAX_FILE) {
		r = read(fd, buf + n, MAX_FILE + 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			snprintf(why, sizeof(why), "cannot read: %s",
			    strerror(errno));
			free(buf);
			return file_problem(c, err, ERR_SYSTEM, why);
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > MAX_FILE) {
		explicit_bzero(buf, n);
		free(buf);
		return file_problem(c, err, ERR_CONFIG, "too large; expected "
		    "at most 1M");
	}
	if (memchr(buf, '\0', n) != NULL) {
		explicit_bzero(buf, n);
		free(buf);
		return file_problem(c, err, ERR_CONFIG, "holds a NUL byte; "
		    "expected a text file");
	}
	*text = buf;
	*len = n;
	return 0;
}

/* iniparser keeps the values, passwords among them, in its dictionary. */
static void
wipe_dictionary(dictionary *d)
{
	for (ssize_t i = 0; i < d->size; i++)
		if (d->val[i] != NULL)
			explicit_bzero(d->val[i], strlen(d->val[i]));
}

int
config_load(const char *path, struct config *cfg,
    struct config_problems *probs, struct lsc_err *err)
{
	struct ctx	 c;
	struct stat	 st, again;
	dictionary	*d = NULL;
	char		*text = NULL;
	size_t		 len = 0;
	int		 rc = -1;

	if (path == NULL)
		path = CONFIG_DEFAULT_PATH;
	memset(&c, 0, sizeof(c));
	c.path = path;
	c.fd = -1;
	memset(cfg, 0, sizeof(*cfg));
	memset(probs, 0, sizeof(*probs));
	err_clear(err);

	if (read_config(&c, &text, &len, &st, err) == -1) {
		hand_over(&c, probs);
		goto out;
	}
	if ((cfg->path = strdup(path)) == NULL ||
	    global_defaults(&cfg->global) == -1) {
		c.oom = 1;
		goto done;
	}
	scan(&c, text, len);

	ini_error[0] = '\0';
	iniparser_set_error_callback(ini_errback);
	d = iniparser_load(path);
	iniparser_set_error_callback(NULL);
	if (d == NULL) {
		if (c.pn == 0)
			problem(&c, 0, NULL, NULL, NULL, "%s", ini_error[0] !=
			    '\0' ? ini_error : "iniparser cannot read it");
		goto done;
	}
	if (stat(path, &again) == -1 || again.st_dev != st.st_dev ||
	    again.st_ino != st.st_ino) {
		problem(&c, 0, NULL, NULL, NULL, "replaced while being read; "
		    "expected to read it again");
		goto done;
	}
	for (int i = 0; i < iniparser_getnsec(d); i++)
		walk_section(&c, d, iniparser_getsecname(d, i), cfg);
	check_references(&c, cfg);
	if (c.nkind[KIND_CLUSTER] == 0)
		problem(&c, LINE_END, NULL, NULL, NULL, "no [cluster NAME] "
		    "section; expected at least one");
	if (c.nkind[KIND_CAMPAIGN] == 0)
		problem(&c, LINE_END, NULL, NULL, NULL, "no [campaign NAME] "
		    "section; expected at least one");
done:
	hand_over(&c, probs);
	if (c.oom) {
		config_problems_free(probs);
		err_set(err, ERR_SYSTEM, "%s: out of memory", path);
	} else if (probs->n > 0)
		err_set(err, ERR_CONFIG, "%s", probs->v[0].text);
	else
		rc = 0;
out:
	if (d != NULL) {
		wipe_dictionary(d);
		iniparser_freedict(d);
	}
	if (text != NULL) {
		explicit_bzero(text, len);
		free(text);
	}
	for (size_t i = 0; i < c.sn; i++) {
		free(c.sv[i].sec);
		free(c.sv[i].key);
	}
	free(c.sv);
	for (size_t i = 0; i < c.pn; i++)
		free(c.pv[i].text);
	free(c.pv);
	if (c.fd != -1)
		close(c.fd);
	if (rc == -1)
		config_free(cfg);
	return rc;
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->path);
	strings_clear(&kinds[KIND_GLOBAL], &cfg->global);
	for (size_t i = 0; i < cfg->nclusters; i++) {
		free(cfg->clusters[i].name);
		strings_clear(&kinds[KIND_CLUSTER], &cfg->clusters[i]);
	}
	free(cfg->clusters);
	for (size_t i = 0; i < cfg->ncampaigns; i++)
		policy_clear(&cfg->campaigns[i]);
	free(cfg->campaigns);
	memset(cfg, 0, sizeof(*cfg));
}

void
config_problems_free(struct config_problems *probs)
{
	if (probs == NULL)
		return;
	for (size_t i = 0; i < probs->n; i++)
		free(probs->v[i].text);
	free(probs->v);
	probs->v = NULL;
	probs->n = 0;
}

const struct cluster_conf *
config_cluster(const struct config *cfg, const char *name)
{
	for (size_t i = 0; name != NULL && i < cfg->nclusters; i++)
		if (strcasecmp(cfg->clusters[i].name, name) == 0)
			return &cfg->clusters[i];
	return NULL;
}

const struct policy *
config_campaign(const struct config *cfg, const char *name)
{
	for (size_t i = 0; name != NULL && i < cfg->ncampaigns; i++)
		if (strcasecmp(cfg->campaigns[i].name, name) == 0)
			return &cfg->campaigns[i];
	return NULL;
}

const char *const *
config_keys(const char *section_kind)
{
	static const char *lists[KIND__MAX][MAX_KEYS + 1];

	for (int i = 0; section_kind != NULL && i < KIND__MAX; i++) {
		if (strcmp(kinds[i].name, section_kind) != 0)
			continue;
		if (lists[i][0] == NULL)
			for (size_t j = 0; j < kinds[i].nkeys; j++)
				lists[i][j] = kinds[i].keys[j].name;
		return lists[i];
	}
	return NULL;
}

/* ---- printing ------------------------------------------------------------ */

/* A value as it must be written to be read back the same. */
static void
print_text(FILE *f, const char *name, const char *v)
{
	size_t n = strlen(v);

	if (strpbrk(v, ";#") != NULL || n == 0 || is_space((unsigned char)
	    v[0]) || is_space((unsigned char)v[n - 1]) || v[0] == '"' ||
	    v[0] == '\'')
		fprintf(f, "%s = %c%s%c\n", name, strchr(v, '"') ? '\'' : '"',
		    v, strchr(v, '"') ? '\'' : '"');
	else
		fprintf(f, "%s = %s\n", name, v);
}

static void
print_pools(FILE *f, const char *name, char *const *v, size_t n)
{
	char	*buf, *p;
	size_t	 len = 1;

	for (size_t i = 0; i < n; i++)
		len += 2 * strlen(v[i]) + 2;
	if ((p = buf = malloc(len)) == NULL) {
		fprintf(f, "# %s = (out of memory)\n", name);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i > 0) {
			*p++ = ',';
			*p++ = ' ';
		}
		for (const char *s = v[i]; *s != '\0'; s++) {
			if (*s == ',' || *s == '\\')
				*p++ = '\\';
			*p++ = *s;
		}
	}
	*p = '\0';
	print_text(f, name, buf);
	free(buf);
}

static void
print_keys(FILE *f, const struct kind *k, const void *base)
{
	const struct keydef *d;
	const char	*s;
	char		 buf[64];
	int		 iv, iv2;
	int64_t		 i64;
	uint64_t	 u64;
	unsigned	 u;
	double		 dbl;

	for (size_t i = 0; i < k->nkeys; i++) {
		d = &k->keys[i];
		switch (d->type) {
		case V_STRING:
		case V_CHOICE:
			memcpy(&s, (const char *)base + d->off, sizeof(s));
			if (s == NULL)
				fprintf(f, "# %s = (not set)\n", d->name);
			else if (d->flags & F_SECRET)
				fprintf(f, "%s = *\n", d->name);
			else
				print_text(f, d->name, s);
			break;
		case V_ENUM:
			iv = get_int_field(base, d->off);
			s = "?";
			for (int j = 0; d->names[j] != NULL; j++)
				if ((d->values != NULL ? d->values[j] : j) ==
				    iv)
					s = d->names[j];
			fprintf(f, "%s = %s\n", d->name, s);
			break;
		case V_BOOL:
			fprintf(f, "%s = %s\n", d->name,
			    get_int_field(base, d->off) ? "yes" : "no");
			break;
		case V_INT:
			fprintf(f, "%s = %d\n", d->name,
			    get_int_field(base, d->off));
			break;
		case V_UINT:
			memcpy(&u, (const char *)base + d->off, sizeof(u));
			fprintf(f, "%s = %u\n", d->name, u);
			break;
		case V_DURATION:
			memcpy(&i64, (const char *)base + d->off, sizeof(i64));
			fmt_duration(i64, buf, sizeof(buf));
			fprintf(f, "%s = %s\n", d->name, buf);
			break;
		case V_SIZE:
			memcpy(&u64, (const char *)base + d->off, sizeof(u64));
			fmt_size(u64, buf, sizeof(buf));
			fprintf(f, "%s = %s\n", d->name, buf);
			break;
		case V_MILLI:
			memcpy(&dbl, (const char *)base + d->off, sizeof(dbl));
			fmt_milli((int64_t)(dbl * 1000.0 + 0.5), buf,
			    sizeof(buf));
			fprintf(f, "%s = %s\n", d->name, buf);
			break;
		case V_WINDOW:
			iv = get_int_field(base, d->off);
			iv2 = get_int_field(base, d->off2);
			if (iv < 0 || iv2 < 0)
				fprintf(f, "# %s = (not set)\n", d->name);
			else
				fprintf(f, "%s = %02d:%02d-%02d:%02d\n",
				    d->name, iv / 60, iv % 60, iv2 / 60,
				    iv2 % 60);
			break;
		case V_LIST: {
			char *const	*lv;
			size_t		 ln;

			memcpy(&lv, (const char *)base + d->off, sizeof(lv));
			memcpy(&ln, (const char *)base + d->off2, sizeof(ln));
			if (ln == 0)
				fprintf(f, "# %s = (not set)\n", d->name);
			else
				print_pools(f, d->name, lv, ln);
			break;
		}
		}
	}
}

void
config_print(const struct config *cfg, FILE *f)
{
	fprintf(f, "# effective configuration of %s\n",
	    cfg->path != NULL ? cfg->path : CONFIG_DEFAULT_PATH);
	fprintf(f, "\n[global]\n");
	print_keys(f, &kinds[KIND_GLOBAL], &cfg->global);
	for (size_t i = 0; i < cfg->nclusters; i++) {
		fprintf(f, "\n[cluster %s]\n", cfg->clusters[i].name);
		print_keys(f, &kinds[KIND_CLUSTER], &cfg->clusters[i]);
	}
	for (size_t i = 0; i < cfg->ncampaigns; i++) {
		fprintf(f, "\n[campaign %s]\n", cfg->campaigns[i].name);
		print_keys(f, &kinds[KIND_CAMPAIGN], &cfg->campaigns[i]);
	}
}
