/*
 * config_pools.c — a campaign's device pools: those of device_pools, and
 * those of the file that device_pools_file names.
 *
 * iniparser holds at most 1022 characters in a value, continuation lines
 * included: too few for a campaign of a hundred pools.  And a pool name
 * holding ',', ';', '#' or quotes is awkward to write in INI.  So a
 * campaign may name a text file with one pool name per line, taken
 * literally: spaces and tabs around a name are trimmed, blank lines are
 * skipped, a line whose first non-blank character is '#' is a comment, and
 * nothing else is special.  The file is read when the configuration is
 * loaded, so that "lscrenew check --offline" sees its problems; each is
 * reported like any other, on the line of device_pools_file, with the line
 * of the pools file that is wrong.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "axl/base/utf8.h"
#include "cli/config_int.h"

#define POOLS_FILE_MAX	(1024 * 1024)	/* bytes in a pools file */
#define POOLS_MAX	10000		/* names in a pools file */
#define POOL_NAME_MAX	200		/* bytes in a pool name */
#define LINE_PROBLEMS	10		/* bad lines reported one each */

#define KEY		"device_pools_file"

static const char per_line[] = "expected one device pool name per line";

/* ---- reading the file ---------------------------------------------------- */

/*
 * The whole file at path, NUL-terminated, in new memory (*len bytes, not
 * counting the NUL).  0; -1 with why it cannot be read; -2 out of memory.
 * A FIFO or a device is refused before it is read, so nothing blocks.
 */
static int
read_text(const char *path, char **text, size_t *len, char *why,
    size_t whylen)
{
	struct stat	 st;
	char		*buf = NULL;
	ssize_t		 n;
	int		 fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) ==
	    -1) {
		snprintf(why, whylen, "cannot read it: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(why, whylen, "cannot read it: %s", strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(why, whylen, "a directory, not a regular file");
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "not a regular file");
		goto out;
	}
	/* Checked again while reading: the file may grow meanwhile. */
	if (st.st_size > POOLS_FILE_MAX) {
		snprintf(why, whylen, "larger than 1M");
		goto out;
	}
	if ((buf = malloc(POOLS_FILE_MAX + 2)) == NULL) {
		rc = -2;
		goto out;
	}
	if ((n = config_read_fd(fd, buf, POOLS_FILE_MAX + 1)) == -1) {
		snprintf(why, whylen, "cannot read it: %s", strerror(errno));
		goto out;
	}
	if (n > POOLS_FILE_MAX) {
		snprintf(why, whylen, "larger than 1M");
		goto out;
	}
	buf[n] = '\0';
	*text = buf;
	*len = (size_t)n;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

/* ---- one name ------------------------------------------------------------ */

/*
 * Whether the n bytes at s make a pool name: UTF-8 without control
 * characters (C0, DEL or C1), at most POOL_NAME_MAX bytes.  0; -1 with the
 * whole "why; expected ..." in why.
 */
static int
check_pool_name(const unsigned char *s, size_t n, char *why, size_t len)
{
	uint32_t	 cp;
	size_t		 k;

	for (size_t i = 0; i < n; i += k) {
		k = 1;
		if (s[i] == '\r') {
			/* A file saved with DOS line ends: say so. */
			snprintf(why, len, "control character (a carriage "
			    "return: save the file with Unix line ends); %s",
			    per_line);
			return -1;
		}
		if (s[i] < 0x80 && config_is_ctrl(s[i])) {
			snprintf(why, len, "control character; %s", per_line);
			return -1;
		}
		if (s[i] < 0x80)
			continue;
		if (utf8_decode((const char *)s + i, n - i, &cp, &k) == -1) {
			snprintf(why, len, "not UTF-8; %s, in UTF-8",
			    per_line);
			return -1;
		}
		if (cp <= 0x9f) {
			snprintf(why, len, "control character; %s", per_line);
			return -1;
		}
	}
	if (n > POOL_NAME_MAX) {
		snprintf(why, len, "a name of %zu bytes; expected a device "
		    "pool name of at most %d bytes", n, POOL_NAME_MAX);
		return -1;
	}
	return 0;
}

/* ---- the union ----------------------------------------------------------- */

struct entry {
	const char	*name;
	size_t		 at;		/* device_pools', then the file's */
};

static int
entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int		 r;

	if ((r = strcmp(x->name, y->name)) != 0)
		return r;
	return x->at < y->at ? -1 : x->at > y->at;
}

/*
 * Appends to p->pools the n names not already there nor earlier in names,
 * in order.  Sorting finds the duplicates: 10,000 names compared pairwise
 * would take a while.  0; -1 out of memory (p->pools stays consistent).
 */
static int
add_names(struct policy *p, char *const *names, size_t n)
{
	struct entry	*ev = NULL;
	unsigned char	*dup = NULL;
	char		**nv;
	size_t		 first = p->npools, total = first + n, nnew = 0;
	int		 rc = -1;

	if (n == 0)
		return 0;
	if ((ev = calloc(total, sizeof(*ev))) == NULL ||
	    (dup = calloc(total, 1)) == NULL)
		goto out;
	for (size_t i = 0; i < total; i++) {
		ev[i].name = i < first ? p->pools[i] : names[i - first];
		ev[i].at = i;
	}
	qsort(ev, total, sizeof(*ev), entry_cmp);
	for (size_t i = 1; i < total; i++)
		if (strcmp(ev[i].name, ev[i - 1].name) == 0)
			dup[ev[i].at] = 1;
	for (size_t i = first; i < total; i++)
		nnew += !dup[i];
	rc = 0;
	if (nnew == 0)
		goto out;
	if ((nv = reallocarray(p->pools, first + nnew, sizeof(*nv))) == NULL) {
		rc = -1;
		goto out;
	}
	p->pools = nv;
	for (size_t i = first; i < total; i++) {
		if (dup[i])
			continue;
		if ((nv[p->npools] = strdup(names[i - first])) == NULL) {
			rc = -1;
			goto out;
		}
		p->npools++;
	}
out:
	free(ev);
	free(dup);
	return rc;
}

/* ---- the file ------------------------------------------------------------ */

/* Reads cc->pools_file and adds its names to p->pools. */
static void
read_pools_file(struct config_ctx *c, const char *sec, struct policy *p,
    struct campaign_conf *cc, int listed)
{
	const char	*path = cc->pools_file;
	char		 why[512], exp[256];
	char		*text = NULL, **names = NULL;
	unsigned char	*s, *e;
	size_t		 len = 0, pos = 0, ll, nnames = 0, nbad = 0;
	int		 kline, line = 0, toomany = 0;
	const char	*nl;

	kline = config_line_of(c, sec, KEY);
	switch (read_text(path, &text, &len, why, sizeof(why))) {
	case 0:
		break;
	case -1:
		config_form(config_find_key(&config_kinds[KIND_CAMPAIGN], KEY),
		    exp, sizeof(exp));
		config_problem(c, kline, sec, KEY, path, "%s; expected %s",
		    why, exp);
		return;
	default:
		c->oom = 1;
		return;
	}
	if ((names = calloc(POOLS_MAX, sizeof(*names))) == NULL) {
		c->oom = 1;
		goto out;
	}
	/* A byte order mark is no part of the first name. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (pos < len) {
		nl = memchr(text + pos, '\n', len - pos);
		ll = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		s = (unsigned char *)text + pos;
		e = s + ll;
		pos += ll + (nl != NULL);
		line++;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (s == e || *s == '#')
			continue;
		if (check_pool_name(s, (size_t)(e - s), why, sizeof(why)) ==
		    -1) {
			if (++nbad <= LINE_PROBLEMS)
				config_problem(c, kline, sec, KEY, path,
				    "line %d: %s", line, why);
			continue;
		}
		if (nnames == POOLS_MAX) {
			toomany = 1;
			continue;
		}
		*e = '\0';	/* the '\n', a blank or the final NUL */
		names[nnames++] = (char *)s;
	}
	if (nbad > LINE_PROBLEMS)
		config_problem(c, kline, sec, KEY, path, "%zu more lines with "
		    "problems, not shown; %s", nbad - LINE_PROBLEMS, per_line);
	if (toomany)
		config_problem(c, kline, sec, KEY, path, "more than %d device "
		    "pool names; expected at most %d (split the pools among "
		    "campaigns)", POOLS_MAX, POOLS_MAX);
	if (nbad > 0 || toomany)
		goto out;
	if (nnames == 0 && listed == 0) {
		config_problem(c, kline, sec, KEY, path, "no device pool name "
		    "in it; expected at least one, here or in device_pools");
		goto out;
	}
	if (add_names(p, names, nnames) == -1)
		c->oom = 1;
out:
	free(names);
	free(text);
}

void
config_campaign_pools(struct config_ctx *c, const char *sec,
    struct policy *p, struct campaign_conf *cc, int listed, int filed)
{
	char exp[256];

	cc->nlisted = p->npools;
	if (filed == 1)
		read_pools_file(c, sec, p, cc, listed);
	else if (listed == 0 && filed == 0) {
		config_form(config_find_key(&config_kinds[KIND_CAMPAIGN],
		    "device_pools"), exp, sizeof(exp));
		config_problem(c, config_line_of(c, sec, NULL), sec,
		    "device_pools", NULL, "required key missing; expected %s, "
		    "or device_pools_file", exp);
	}
}
