/*
 * config_scan.c — the line scan that runs before iniparser.
 *
 * iniparser 4.1 is forgiving where an unattended job must not be: a key
 * given twice silently keeps the last value, a section given twice merges,
 * an unquoted value silently stops at ';' or '#', text after a closing
 * quote is dropped, a section name holding ':' hides its keys, and one bad
 * line makes it return nothing.  config_scan() reads the same lines first,
 * the way iniparser does, and reports each of these with its line, so that
 * what iniparser hands back is what the administrator meant.  The lines it
 * saw also give every later problem its line number (config_line_of()).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/config_int.h"

#define INI_LINE	1022		/* iniparser 4.1's longest line */

/* ---- text ---------------------------------------------------------------- */

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* ---- the lines seen ------------------------------------------------------ */

static int
scanned_add(struct config_ctx *c, const char *sec, const char *key,
    int line)
{
	struct config_scanned *sv;

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

int
config_line_of(const struct config_ctx *c, const char *sec, const char *key)
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

/* ---- the line scan ------------------------------------------------------- */

/* How iniparser will take the value, and whether that loses text. */
static void
scan_value(struct config_ctx *c, int line, const char *sec,
    const char *key, const char *val)
{
	const char	*shown = config_hide_value(key) ? "*" : val;
	const char	*close, *rest;

	if (*val == '"' || *val == '\'') {
		if ((close = strchr(val + 1, *val)) == NULL) {
			config_problem(c, line, sec, key, shown, "unterminated "
			    "quote; expected a closing %c", *val);
			return;
		}
		for (rest = close + 1; config_is_space((unsigned char)*rest);
		    rest++)
			;
		if (*rest != '\0' && *rest != ';' && *rest != '#')
			config_problem(c, line, sec, key, shown, "text after "
			    "the closing quote would be dropped; expected the "
			    "whole value inside the quotes");
		return;
	}
	rest = strpbrk(val, ";#");
	if (rest != NULL && rest > val &&
	    !config_is_space((unsigned char)rest[-1]))
		config_problem(c, line, sec, key, shown, "an unquoted '%c' "
		    "starts a comment and would cut the value; expected the "
		    "whole value in double quotes", *rest);
}

/* One logical line; *cur is the current section ("" before any). */
static void
scan_line(struct config_ctx *c, char *s, int line, char **cur)
{
	char		*name, *end, *eq, *key, *val;
	const char	*shown;

	s = config_strip(s);
	if (*s == '\0' || *s == '#' || *s == ';')
		return;
	if (*s == '[') {
		free(*cur);
		*cur = NULL;
		if (s[strlen(s) - 1] != ']') {
			config_problem(c, line, NULL, NULL, NULL, "line %d: a "
			    "section header must end with ']'; expected "
			    "[global], [cluster NAME] or [campaign NAME] alone "
			    "on the line", line);
			return;
		}
		end = strchr(s, ']');
		*end = '\0';
		name = config_strip(s + 1);
		lower(name);
		if ((*cur = strdup(name)) == NULL) {
			c->oom = 1;
			return;
		}
		if (*name == '\0')
			config_problem(c, line, NULL, NULL, NULL, "line %d: "
			    "[]: empty section name; expected [global], "
			    "[cluster NAME] or [campaign NAME]", line);
		else if (strchr(name, ':') != NULL)
			config_problem(c, line, name, NULL, NULL, "':' in a "
			    "section name hides its keys; expected a NAME of "
			    "letters, digits, '-', '_' and '.'");
		else if (config_line_of(c, name, NULL) != LINE_END)
			config_problem(c, line, name, NULL, NULL, "section "
			    "given twice (its keys would merge); expected each "
			    "section once");
		scanned_add(c, name, NULL, line);
		return;
	}
	/* The line is not shown: it may be a password on a line of its own. */
	if ((eq = strchr(s, '=')) == NULL || eq == s) {
		config_problem(c, line, *cur != NULL && **cur != '\0' ? *cur :
		    NULL, NULL, NULL, "line %d: not a key = value line; "
		    "expected key = value, a [section] header or a comment",
		    line);
		return;
	}
	*eq = '\0';
	key = config_strip(s);
	lower(key);
	val = config_strip(eq + 1);
	if (*cur == NULL)
		return;		/* after a broken header: reported above */
	shown = config_hide_value(key) ? "*" : val;
	if (**cur == '\0') {
		config_problem(c, line, NULL, key, shown, "outside any "
		    "section; expected it under [global], [cluster NAME] or "
		    "[campaign NAME]");
		return;
	}
	if (config_line_of(c, *cur, key) != LINE_END)
		config_problem(c, line, *cur, key, shown, "given twice (the "
		    "last value would silently win); expected %s once in a "
		    "section", key);
	scanned_add(c, *cur, key, line);
	scan_value(c, line, *cur, key, val);
}

/*
 * Reads the lines as iniparser 4.1 does: trailing white space dropped, a
 * final '\' joins the next line, at most INI_LINE characters in all.
 */
void
config_scan(struct config_ctx *c, const char *buf, size_t len)
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
			while (n > 0 &&
			    config_is_space((unsigned char)ll[n - 1]))
				n--;
			if (toolong || n == 0 || ll[n - 1] != '\\')
				break;
			n--;
			if (pos >= len) {
				config_problem(c, line, NULL, NULL, NULL,
				    "line %d ends with '\\' but no line "
				    "follows; expected a line to continue with",
				    line);
				n = 0;
				break;
			}
		}
		ll[n] = '\0';
		if (toolong)
			config_problem(c, first, NULL, NULL, NULL, "line %d: "
			    "longer than %d characters; expected shorter lines "
			    "(a line ending with '\\' continues on the next)",
			    first, INI_LINE);
		else
			scan_line(c, ll, first, &cur);
	}
	explicit_bzero(ll, sizeof(ll));
	free(cur);
}

/* ---- problems ------------------------------------------------------------ */

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

/* Control characters become spaces: one problem, one line. */
void
config_problem(struct config_ctx *c, int line, const char *sec,
    const char *key, const char *val, const char *fmt, ...)
{
	struct config_found *pv;
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
		if (config_is_ctrl((unsigned char)*p))
			*p = ' ';
	c->pv = pv;
	c->pv[c->pn].line = line;
	c->pv[c->pn].seq = c->pn;
	c->pv[c->pn].text = text;
	c->pn++;
}
