/*
 * fmt.c — times and durations as reports show them, always in UTC.
 *
 * The calendar arithmetic is done here (proleptic Gregorian, H. Hinnant's
 * days_from_civil) rather than through gmtime/timegm, so the output does
 * not depend on TZ or on the C library, and golden files hold everywhere.
 */
#include <stdio.h>

#include "reports/report_int.h"

struct civil {
	long long	 y;
	int		 mon, d, h, mi, s;
};

static long long
floor_div(long long a, long long b)
{
	long long q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static long long
days_from_civil(long long y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_secs(int64_t t, struct civil *c)
{
	long long z, era, doe, yoe, doy, mp, secs;

	z = floor_div(t, DAY_SECONDS);
	secs = t - z * DAY_SECONDS;
	c->h = (int)(secs / 3600);
	c->mi = (int)(secs % 3600 / 60);
	c->s = (int)(secs % 60);
	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	c->d = (int)(doy - (153 * mp + 2) / 5 + 1);
	c->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	c->y = yoe + era * 400 + (c->mon <= 2);
}

int64_t
report_timegm(int y, int mon, int d, int h, int mi, int s)
{
	static const int mdays[12] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int leap;

	if (y < 1970 || y > 9999 || mon < 1 || mon > 12 || d < 1 || h < 0 ||
	    h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60)
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[mon - 1] || (mon == 2 && d == 29 && !leap))
		return -1;
	return (int64_t)days_from_civil(y, mon, d) * DAY_SECONDS +
	    h * 3600 + mi * 60 + s;
}

/*
 * The civil time of t into c; for t <= 0, which reports show as "never"
 * in their own words, buf is made empty and 0 is returned.
 */
static int
civil_or_never(int64_t t, struct civil *c, char *buf, size_t len)
{
	if (t <= 0) {
		snprintf(buf, len, "%s", "");
		return 0;
	}
	civil_from_secs(t, c);
	return 1;
}

void
report_fmt_date(int64_t t, char *buf, size_t len)
{
	struct civil c;

	if (civil_or_never(t, &c, buf, len))
		snprintf(buf, len, "%04lld-%02d-%02d", c.y, c.mon, c.d);
}

void
report_fmt_time(int64_t t, char *buf, size_t len)
{
	struct civil c;

	if (civil_or_never(t, &c, buf, len))
		snprintf(buf, len, "%04lld-%02d-%02d %02d:%02d", c.y, c.mon,
		    c.d, c.h, c.mi);
}

void
report_fmt_csvtime(int64_t t, char *buf, size_t len)
{
	struct civil c;

	if (civil_or_never(t, &c, buf, len))
		snprintf(buf, len, "%04lld-%02d-%02d %02d:%02d:%02d", c.y,
		    c.mon, c.d, c.h, c.mi, c.s);
}

void
report_fmt_rfc3339(int64_t t, char *buf, size_t len)
{
	struct civil c;

	if (civil_or_never(t, &c, buf, len))
		snprintf(buf, len, "%04lld-%02d-%02dT%02d:%02d:%02dZ", c.y,
		    c.mon, c.d, c.h, c.mi, c.s);
}

void
report_fmt_month(int64_t t, char *buf, size_t len)
{
	struct civil c;

	civil_from_secs(t, &c);
	snprintf(buf, len, "%04lld-%02d", c.y, c.mon);
}

void
report_fmt_duration(int64_t s, char *buf, size_t len)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm %02llds", (long long)s / 60,
		    (long long)s % 60);
	else if (s < DAY_SECONDS)
		snprintf(buf, len, "%lldh %02lldm", (long long)s / 3600,
		    (long long)s % 3600 / 60);
	else
		snprintf(buf, len, "%lldd %02lldh", (long long)s / DAY_SECONDS,
		    (long long)s % DAY_SECONDS / 3600);
}

long long
report_days_left(int64_t t, int64_t now)
{
	return floor_div((long long)t - (long long)now, DAY_SECONDS);
}

long
report_month_index(int64_t t)
{
	struct civil c;

	civil_from_secs(t, &c);
	return (long)(c.y * 12 + c.mon - 1);
}

int64_t
report_month_start(long m)
{
	long long y = floor_div(m, 12);
	int mon = (int)(m - y * 12) + 1;

	return (int64_t)days_from_civil(y, mon, 1) * DAY_SECONDS;
}
