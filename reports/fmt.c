/*
 * fmt.c — durations as reports show them.
 */
#include <stdio.h>

#include "reports/report_int.h"

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
	else if (s < CLOCK_DAY)
		snprintf(buf, len, "%lldh %02lldm", (long long)s / 3600,
		    (long long)s % 3600 / 60);
	else
		snprintf(buf, len, "%lldd %02lldh", (long long)s / CLOCK_DAY,
		    (long long)s % CLOCK_DAY / 3600);
}
