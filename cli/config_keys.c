/*
 * config_keys.c — every key of lscrenew.conf(5), described once.
 *
 * The tables say, for each kind of section, which keys it takes, where each
 * value goes in its struct, its type, its range and the check of its text.
 * Parsing, checking and config_print() all walk these tables, so they
 * cannot disagree with one another (and tests/unit/test_config.c checks
 * that the manual and the example file agree with them).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cli/config_int.h"

/* Enums are stored through an int; these make that safe. */
_Static_assert(sizeof(enum log_target) == sizeof(int), "enum size");
_Static_assert(sizeof(enum auth_mode) == sizeof(int), "enum size");
_Static_assert(sizeof(enum key_order) == sizeof(int), "enum size");
_Static_assert(sizeof(enum axl_notify) == sizeof(int), "enum size");

static int	 check_path(const char *, char *, size_t);
static int	 check_proxy(const char *, char *, size_t);
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
static const int facility_values[] = {
	LOG_DAEMON, LOG_USER, LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3,
	LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7
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
#define A(f)	offsetof(struct campaign_conf, f)

static const struct config_keydef global_keys[] = {
	{ .name = "state_dir", .type = V_STRING, .off = G(state_dir),
	  .check = check_path, .form = "an absolute path" },
	{ .name = "log", .type = V_ENUM, .off = G(log), .names = log_names },
	{ .name = "log_level", .type = V_ENUM, .off = G(log_level),
	  .names = level_names },
	{ .name = "syslog_facility", .type = V_ENUM,
	  .off = G(syslog_facility), .names = facility_names,
	  .values = facility_values },
	{ .name = "hook", .type = V_STRING, .off = G(hook),
	  .form = "a shell command" },
	{ .name = "random_delay", .type = V_DURATION, .off = G(random_delay),
	  .min = 0, .max = 12 * HOUR },
	{ .name = "retention", .type = V_DURATION, .off = G(retention),
	  .min = DAY, .max = 36500LL * DAY },
	{ .name = "run_timeout", .type = V_DURATION, .off = G(run_timeout),
	  .min = 0, .max = 7 * DAY },
	{ .name = "metrics_file", .type = V_STRING, .off = G(metrics_file),
	  .check = check_path, .form = "an absolute path" },
	{ .name = "report_file", .type = V_STRING, .off = G(report_file),
	  .check = check_path, .form = "an absolute path" },
	{ .name = "probe_concurrency", .type = V_UINT,
	  .off = G(probe_concurrency), .min = 1, .max = 1024 },
	{ .name = "probe_rate", .type = V_UINT, .off = G(probe_rate),
	  .min = 1, .max = 1000 },
	{ .name = "probe_port", .type = V_INT, .off = G(probe_port),
	  .min = 1, .max = 65535 },
};

static const struct config_keydef cluster_keys[] = {
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
	/* readable: checked with CONFIG_CLUSTER (config_access.c) */
	{ .name = "ca_file", .type = V_STRING, .off = C(ca_file),
	  .check = check_path,
	  .form = "the absolute path of a readable PEM file of CA "
	  "certificates" },
	{ .name = "ca_path", .type = V_STRING, .off = C(ca_path),
	  .check = check_path,
	  .form = "the absolute path of a readable directory of hashed CA "
	  "certificates" },
	{ .name = "proxy", .type = V_STRING, .off = C(proxy),
	  .check = check_proxy,
	  .form = "a proxy URL without credentials: http://, https://, "
	  "socks5h:// or socks5://, a host and a port" },
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
	{ .name = "ris_retry_wait", .type = V_DURATION,
	  .off = C(ris_retry_wait), .min = 1, .max = 10 * MINUTE },
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

static const struct config_keydef campaign_keys[] = {
	{ .name = "cluster", .type = V_STRING, .flags = F_REQUIRED,
	  .off = P(cluster), .check = check_name,
	  .form = "the name of a [cluster NAME] section" },
	/* One of the two, or both (config_campaign_pools()). */
	{ .name = "device_pools", .type = V_LIST, .off = P(pools),
	  .off2 = P(npools) },
	{ .name = "device_pools_file", .type = V_STRING, .flags = F_AUX,
	  .off = A(pools_file), .check = check_path,
	  .form = "the absolute path of a readable file of device pool "
	  "names, one per line" },
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
	{ .name = "probe_concurrency", .type = V_UINT,
	  .off = P(probe_concurrency), .min = 0, .max = 1024 },
	{ .name = "probe_rate", .type = V_UINT, .off = P(probe_rate),
	  .min = 0, .max = 1000 },
	{ .name = "confirm_on_phone", .type = V_BOOL,
	  .off = P(confirm_on_phone) },
};

#define NKEYS(t)	(sizeof(t) / sizeof((t)[0]))

_Static_assert(NKEYS(global_keys) <= MAX_KEYS, "MAX_KEYS");
_Static_assert(NKEYS(cluster_keys) <= MAX_KEYS, "MAX_KEYS");
_Static_assert(NKEYS(campaign_keys) <= MAX_KEYS, "MAX_KEYS");

const struct config_kind config_kinds[KIND__MAX] = {
	{ "global", "[global]", global_keys, NKEYS(global_keys) },
	{ "cluster", "a [cluster NAME] section", cluster_keys,
	  NKEYS(cluster_keys) },
	{ "campaign", "a [campaign NAME] section", campaign_keys,
	  NKEYS(campaign_keys) },
};

/* ---- finding keys -------------------------------------------------------- */

static int
is_alnum(int c)
{
	return config_is_digit(c) || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
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

const char *
config_closest(const char *word, const char *const *cand, size_t n)
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

const struct config_keydef *
config_find_key(const struct config_kind *k, const char *name)
{
	for (size_t i = 0; i < k->nkeys; i++)
		if (strcmp(k->keys[i].name, name) == 0)
			return &k->keys[i];
	return NULL;
}

const struct config_keydef *
config_find_any_key(const char *name, const struct config_kind **kp)
{
	const struct config_keydef *d;

	for (int i = 0; i < KIND__MAX; i++)
		if ((d = config_find_key(&config_kinds[i], name)) != NULL) {
			if (kp != NULL)
				*kp = &config_kinds[i];
			return d;
		}
	return NULL;
}

int
config_hide_value(const char *key)
{
	static const char *const secrets[] = { "password", "auth_string" };
	const struct config_keydef *d;

	if ((d = config_find_any_key(key, NULL)) != NULL)
		return (d->flags & F_SECRET) != 0;
	if (config_closest(key, secrets, 2) != NULL)
		return 1;
	return strstr(key, "pass") != NULL || strstr(key, "secret") != NULL ||
	    strstr(key, "auth") != NULL || strstr(key, "pw") != NULL;
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

/* scheme://host:port[/]: a host check_host() accepts, IPv6 in brackets. */
static int
check_proxy(const char *v, char *why, size_t len)
{
	static const char *const schemes[] = {
		"http://", "https://", "socks5://", "socks5h://", NULL
	};
	const char	*h = NULL, *end, *colon;
	char		 host[256], *e;
	long		 port;
	size_t		 n;

	for (size_t i = 0; schemes[i] != NULL && h == NULL; i++)
		if (strncmp(v, schemes[i], strlen(schemes[i])) == 0)
			h = v + strlen(schemes[i]);
	if (h == NULL) {
		snprintf(why, len, "not an http, https, socks5 or socks5h URL");
		return -1;
	}
	end = h + strcspn(h, "/");
	if (*end == '/' && end[1] != '\0') {
		snprintf(why, len, "a path after the port");
		return -1;
	}
	if (memchr(h, '@', (size_t)(end - h)) != NULL) {
		snprintf(why, len, "credentials in the URL");
		return -1;
	}
	for (colon = end; colon > h && colon[-1] != ':' && colon[-1] != ']';
	    colon--)
		;
	if (colon == h || colon[-1] != ':') {
		snprintf(why, len, "no port");
		return -1;
	}
	errno = 0;
	port = strtol(colon, &e, 10);
	if (errno != 0 || e != end || port < 1 || port > 65535) {
		snprintf(why, len, "not a port from 1 to 65535");
		return -1;
	}
	n = (size_t)(colon - 1 - h);
	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		h++;
		n -= 2;
	} else if (memchr(h, ':', n) != NULL) {
		snprintf(why, len, "an IPv6 address not in brackets");
		return -1;
	}
	if (n == 0 || n >= sizeof(host)) {
		snprintf(why, len, "no host");
		return -1;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	return check_host(host, why, len);
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

int
config_valid_name(const char *v)
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
	if (!config_valid_name(v)) {
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
		if (!config_is_digit((unsigned char)v[i])) {
			snprintf(why, len, "not all digits");
			return -1;
		}
	if (n < 4 || n > 10) {
		snprintf(why, len, "%zu digits", n);
		return -1;
	}
	return 0;
}
