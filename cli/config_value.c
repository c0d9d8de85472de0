/*
 * config_value.c — the values of lscrenew.conf(5): strict parsers, the
 * fields they fill, and values in words.
 *
 * Durations ("90d"), times of day ("01:00-05:00"), sizes ("8M"), numbers
 * and enums are parsed strictly: nothing after the value, and a number too
 * large is out of range, not wrapped.  The same words come back out in the
 * problems and in config_print().
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/config_int.h"

/* ---- characters ---------------------------------------------------------- */

int
config_is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	    c == '\v';
}

int
config_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

int
config_is_ctrl(int c)
{
	return (c >= 0 && c < 0x20) || c == 0x7f;
}

/* ---- values in words ----------------------------------------------------- */

void
config_fmt_duration(int64_t s, char *buf, size_t len)
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

void
config_fmt_size(uint64_t b, char *buf, size_t len)
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

/* Without trailing zeros: "0.1", "12". */
void
config_fmt_milli(int64_t m, char *buf, size_t len)
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

void
config_form(const struct config_keydef *k, char *buf, size_t len)
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
		config_fmt_duration(k->min, a, sizeof(a));
		config_fmt_duration(k->max, b, sizeof(b));
		snprintf(buf, len, "%sa duration from %s to %s (a number and "
		    "a unit: s, m, h, d or w)", k->flags & F_ZERO ? "0 or " :
		    "", a, b);
		break;
	case V_SIZE:
		config_fmt_size((uint64_t)k->min, a, sizeof(a));
		config_fmt_size((uint64_t)k->max, b, sizeof(b));
		snprintf(buf, len, "a size from %s to %s (a number and an "
		    "optional K, M or G)", a, b);
		break;
	case V_MILLI:
		config_fmt_milli(k->min, a, sizeof(a));
		config_fmt_milli(k->max, b, sizeof(b));
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
	if (!config_is_digit((unsigned char)*p))
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

	if (!config_is_digit((unsigned char)*s))
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

	if (!config_is_digit((unsigned char)s[0]) ||
	    !config_is_digit((unsigned char)s[1]) || s[2] != ':' ||
	    !config_is_digit((unsigned char)s[3]) ||
	    !config_is_digit((unsigned char)s[4]))
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

	for (; config_is_digit((unsigned char)*s); s++) {
		if (++ni > 12)
			return -1;
		ip = ip * 10 + (*s - '0');
	}
	if (ni == 0)
		return -1;
	if (*s == '.') {
		for (s++; config_is_digit((unsigned char)*s); s++) {
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

/* ---- setting values ------------------------------------------------------ */

static void
set_int_field(void *base, size_t off, int v)
{
	memcpy((char *)base + off, &v, sizeof(v));
}

int
config_int_field(const void *base, size_t off)
{
	int v;

	memcpy(&v, (const char *)base + off, sizeof(v));
	return v;
}

char **
config_str_field(void *base, size_t off)
{
	return (char **)(void *)((char *)base + off);
}

/* Frees a string or list field (wiping a secret) and leaves it empty. */
static void
field_free(const struct config_keydef *k, void *base)
{
	char	**sp, ***lp;
	size_t	 *np;

	switch (k->type) {
	case V_STRING:
	case V_CHOICE:
		sp = config_str_field(base, k->off);
		if (k->flags & F_SECRET)
			config_password_free(*sp);
		else
			free(*sp);
		*sp = NULL;
		break;
	case V_LIST:
		lp = (char ***)(void *)((char *)base + k->off);
		np = (size_t *)(void *)((char *)base + k->off2);
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

void
config_clear_fields(const struct config_kind *k, void *base, void *aux)
{
	for (size_t i = 0; i < k->nkeys; i++) {
		if (!(k->keys[i].flags & F_AUX))
			field_free(&k->keys[i], base);
		else if (aux != NULL)
			field_free(&k->keys[i], aux);
	}
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
		name = config_strip(item);
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
enum_index(const struct config_keydef *k, const char *v)
{
	for (int i = 0; k->names[i] != NULL; i++)
		if (strcmp(k->names[i], v) == 0)
			return i;
	return -1;
}

/* config_set_value() for the numbers: integers, durations, sizes and
 * numbers with decimals (kept in thousandths). */
static int
set_number(const struct config_keydef *k, void *base, const char *v,
    const char *exp, char *why, size_t len)
{
	int64_t	 i = 0;
	uint64_t u = 0;
	unsigned uv;
	double	 d;
	int	 rc = 0;

	switch (k->type) {
	case V_DURATION:
		if ((rc = duration(v, &i)) == -1) {
			snprintf(why, len, "%s; expected %s", parse_int(v, &i)
			    == 0 ? "a number without a unit" :
			    "not a duration", exp);
			return -1;
		}
		if (rc != -2 && i == 0 && (k->flags & F_ZERO))
			break;
		/* FALLTHROUGH */
	case V_INT:
	case V_UINT:
		if (k->type != V_DURATION && parse_int(v, &i) == -1) {
			snprintf(why, len, "not an integer; expected %s", exp);
			return -1;
		}
		if (rc == -2 || i < k->min || i > k->max)
			goto range;
		break;
	case V_SIZE:
		if ((rc = size(v, &u)) == -1) {
			snprintf(why, len, "not a size; expected %s", exp);
			return -1;
		}
		if (rc == -2 || u < (uint64_t)k->min || u > (uint64_t)k->max)
			goto range;
		memcpy((char *)base + k->off, &u, sizeof(u));
		return 0;
	default:	/* V_MILLI */
		if (milli(v, &i) == -1) {
			snprintf(why, len, "not a number; expected %s", exp);
			return -1;
		}
		if (i < k->min || i > k->max)
			goto range;
		d = (double)i / 1000.0;
		memcpy((char *)base + k->off, &d, sizeof(d));
		return 0;
	}
	if (k->type == V_INT)
		set_int_field(base, k->off, (int)i);
	else if (k->type == V_UINT) {
		uv = (unsigned)i;
		memcpy((char *)base + k->off, &uv, sizeof(uv));
	} else
		memcpy((char *)base + k->off, &i, sizeof(i));
	return 0;
range:
	snprintf(why, len, "out of range; expected %s", exp);
	return -1;
}

int
config_set_value(const struct config_keydef *k, void *base, const char *v,
    char *why, size_t len)
{
	char	 exp[256], w[256] = "";
	int64_t	 i = 0;
	char	**list = NULL;
	size_t	 n = 0;
	int	 a, b, rc;

	config_form(k, exp, sizeof(exp));
	if (*v == '\0') {
		snprintf(why, len, "empty value; expected %s", exp);
		return -1;
	}
	switch (k->type) {
	case V_STRING:
		for (const char *p = v; *p != '\0'; p++)
			if (config_is_ctrl((unsigned char)*p)) {
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
		field_free(k, base);
		if ((*config_str_field(base, k->off) = strdup(v)) == NULL)
			return -2;
		return 0;
	case V_ENUM:
		if ((a = enum_index(k, v)) == -1) {
			/* a key size below the smallest one named */
			if (config_is_digit((unsigned char)k->names[0][0]) &&
			    parse_int(v, &i) == 0 && i < k->values[0])
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
	case V_DURATION:
	case V_SIZE:
	case V_MILLI:
		return set_number(k, base, v, exp, why, len);
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
		field_free(k, base);
		memcpy((char *)base + k->off, &list, sizeof(list));
		memcpy((char *)base + k->off2, &n, sizeof(n));
		return 0;
	}
	return -1;
}

char *
config_strip(char *s)
{
	size_t n;

	while (config_is_space((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && config_is_space((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}
