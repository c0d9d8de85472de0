/*
 * text.c — aligned text for a terminal or a mail from cron.
 *
 * A table knows its columns' natural widths and fits them into the width
 * (100 columns unless the caller says otherwise): optional columns show
 * only while there is room for them, then the columns marked TAB_SHRINK
 * are narrowed, widest first, and a cell that is still too long is cut
 * with "…" (or wrapped, for TAB_WRAP columns).  Cells are cleaned on the way in, so widths count
 * what the terminal will show.  Escape sequences only ever come from here:
 * bold headings, and only when the output is a terminal.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "reports/report_int.h"

#define SEP		2	/* spaces between columns */
#define ELLIPSIS	"\xe2\x80\xa6"
#define BOLD		"\033[1m"
#define PLAIN		"\033[0m"

struct tcol {
	char		*title;
	unsigned	 flags;
	int		 min, max, drop;
	int		 nat, w, shown;
};

struct report_tab {
	int		 header;
	struct tcol	*cols;
	size_t		 ncols;
	char		**cells;	/* row-major, cleaned */
	size_t		 ncells, cap;
	int		 failed;
};

static char *
clean_dup(const char *s)
{
	struct buf b = BUF_INIT;

	if (s == NULL)
		s = "";
	if (buf_put_text(&b, s, strlen(s)) == -1) {
		buf_free(&b, 0);
		return NULL;
	}
	return buf_take(&b);
}

struct report_tab *
report_tab_new(int header)
{
	struct report_tab *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->header = header;
	return t;
}

void
report_tab_free(struct report_tab *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->ncols; i++)
		free(t->cols[i].title);
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cols);
	free(t->cells);
	free(t);
}

int
report_tab_col(struct report_tab *t, const char *title, unsigned flags,
    int min, int max, int drop)
{
	struct tcol *c;

	if (t->failed)
		return -1;
	if ((c = reallocarray(t->cols, t->ncols + 1, sizeof(*c))) == NULL) {
		t->failed = 1;
		return -1;
	}
	t->cols = c;
	c = &t->cols[t->ncols];
	memset(c, 0, sizeof(*c));
	if ((c->title = clean_dup(title)) == NULL) {
		t->failed = 1;
		return -1;
	}
	c->flags = flags;
	if (flags & TAB_WRAP)
		c->flags |= TAB_SHRINK;
	c->min = min > 0 ? min : 1;
	c->max = max;
	c->drop = drop;
	t->ncols++;
	return 0;
}

int
report_tab_cell(struct report_tab *t, const char *s)
{
	char **v;

	if (t->failed)
		return -1;
	if ((v = report_grow(t->cells, t->ncells, &t->cap, sizeof(*v), 256)) ==
	    NULL) {
		t->failed = 1;
		return -1;
	}
	t->cells = v;
	if ((t->cells[t->ncells] = clean_dup(s)) == NULL) {
		t->failed = 1;
		return -1;
	}
	t->ncells++;
	return 0;
}

int
report_tab_cellf(struct report_tab *t, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (rc == -1) {
		buf_free(&b, 0);
		t->failed = 1;
		return -1;
	}
	rc = report_tab_cell(t, b.data != NULL ? b.data : "");
	buf_free(&b, 0);
	return rc;
}

static size_t
tab_rows(const struct report_tab *t)
{
	return t->ncols ? t->ncells / t->ncols : 0;
}

/*
 * The longest prefix of s that fits in w columns; *cols receives its
 * width.  Returns its length in bytes.
 */
static size_t
fit(const char *s, int w, int *cols)
{
	const char *p = s;
	uint32_t cp;
	size_t n;
	int used = 0, cw;

	while (*p != '\0') {
		n = utf8_next(p, &cp);
		cw = utf8_cp_width(cp);
		if (used + cw > w)
			break;
		used += cw;
		p += n;
	}
	/* keep combining marks with their base */
	while (*p != '\0') {
		n = utf8_next(p, &cp);
		if (utf8_cp_width(cp) != 0)
			break;
		p += n;
	}
	*cols = used;
	return (size_t)(p - s);
}

/* Appends s cut to w columns ("…" marks a cut); returns columns used. */
static int
put_cut(struct buf *b, const char *s, int w)
{
	int cols;
	size_t n;

	if ((int)utf8_width(s) <= w) {
		buf_puts(b, s);
		return (int)utf8_width(s);
	}
	if (w <= 0)
		return 0;
	n = fit(s, w - 1, &cols);
	buf_append(b, s, n);
	buf_puts(b, ELLIPSIS);
	return cols + 1;
}

/*
 * The next line of s wrapped at w columns: its length in bytes and width;
 * returns where the rest starts (one space at the break is eaten).
 */
static const char *
wrap_next(const char *s, int w, size_t *len, int *cols)
{
	size_t n, brk = 0;
	int c;

	if (w < 1)
		w = 1;
	n = fit(s, w, &c);
	if (s[n] == '\0' || n == 0) {
		if (n == 0 && *s != '\0') {
			/* a character wider than the column */
			uint32_t cp;

			n = utf8_next(s, &cp);
			c = utf8_cp_width(cp);
		}
		*len = n;
		*cols = c;
		return s + n;
	}
	if (s[n] == ' ') {
		*len = n;
		*cols = c;
		return s + n + 1;
	}
	for (size_t i = n; i > 0; i--)
		if (s[i - 1] == ' ') {
			brk = i - 1;
			break;
		}
	if (brk == 0) {
		*len = n;
		*cols = c;
		return s + n;
	}
	*len = brk;
	*cols = 0;
	for (const char *p = s; p < s + brk;) {
		uint32_t cp;

		p += utf8_next(p, &cp);
		*cols += utf8_cp_width(cp);
	}
	return s + brk + 1;
}

/* Ends a line: trailing spaces go, then the newline. */
static void
end_line(struct buf *b, size_t start)
{
	while (b->len > start && b->data[b->len - 1] == ' ')
		b->len--;
	if (b->data != NULL)
		b->data[b->len] = '\0';
	buf_append(b, "\n", 1);
}

static void
pad(struct buf *b, int n)
{
	static const char sp[] = "                                ";

	while (n > 0) {
		int k = n > (int)sizeof(sp) - 1 ? (int)sizeof(sp) - 1 : n;

		buf_append(b, sp, (size_t)k);
		n -= k;
	}
}

/* The width a column asks for when choosing which columns to show. */
static int
comfort(const struct tcol *c)
{
	if (!(c->flags & TAB_SHRINK))
		return c->nat;
	return c->nat < 2 * c->min ? c->nat : 2 * c->min;
}

/* Chooses which columns show and how wide, for avail columns. */
static void
layout(struct report_tab *t, int avail)
{
	size_t i, nrows = tab_rows(t);
	int total, shown, best, w;

	for (i = 0; i < t->ncols; i++) {
		struct tcol *c = &t->cols[i];

		c->nat = t->header ? (int)utf8_width(c->title) : 1;
		for (size_t r = 0; r < nrows; r++) {
			w = (int)utf8_width(t->cells[r * t->ncols + i]);
			if (w > c->nat)
				c->nat = w;
		}
		if (c->max > 0 && c->nat > c->max)
			c->nat = c->max;
		if (c->nat < 1)
			c->nat = 1;
		c->w = c->nat;
		c->shown = 1;
	}

	/*
	 * Optional columns come in, the lowest drop first, while the table
	 * still fits with the shrinkable columns at a comfortable width
	 * (twice their minimum): a wide terminal shows more columns, but
	 * never at the price of squeezing the ones that matter.
	 */
	total = 0;
	shown = 0;
	for (i = 0; i < t->ncols; i++) {
		struct tcol *c = &t->cols[i];

		if (c->drop > 0) {
			c->shown = 0;
			continue;
		}
		total += comfort(c) + (shown++ ? SEP : 0);
	}
	for (;;) {
		best = -1;
		for (i = 0; i < t->ncols; i++) {
			struct tcol *c = &t->cols[i];

			if (c->drop > 0 && !c->shown &&
			    (best == -1 || c->drop < t->cols[best].drop))
				best = (int)i;
		}
		if (best == -1)
			break;
		w = comfort(&t->cols[best]) + (shown ? SEP : 0);
		if (total + w > avail)
			break;
		total += w;
		shown++;
		t->cols[best].shown = 1;
	}

	/* narrow the widest shrinkable column, one column at a time */
	for (;;) {
		total = 0;
		shown = 0;
		for (i = 0; i < t->ncols; i++)
			if (t->cols[i].shown)
				total += t->cols[i].w + (shown++ ? SEP : 0);
		if (total <= avail)
			return;
		best = -1;
		for (i = 0; i < t->ncols; i++) {
			struct tcol *c = &t->cols[i];

			if (c->shown && (c->flags & TAB_SHRINK) &&
			    c->w > c->min && (best == -1 ||
			    c->w > t->cols[best].w))
				best = (int)i;
		}
		if (best == -1)
			break;
		t->cols[best].w--;
	}
	/* still too wide (a very narrow terminal): narrow anything */
	for (;;) {
		total = 0;
		shown = 0;
		best = -1;
		for (i = 0; i < t->ncols; i++) {
			struct tcol *c = &t->cols[i];

			if (!c->shown)
				continue;
			total += c->w + (shown++ ? SEP : 0);
			if (c->w > 1 && (best == -1 || c->w > t->cols[best].w))
				best = (int)i;
		}
		if (total <= avail || best == -1)
			return;
		t->cols[best].w--;
	}
}

/* Writes one row (or the header when cells is NULL). */
static void
put_row(struct report_tab *t, struct buf *b, char **cells, int indent)
{
	const char *rest[64];
	struct buf cell = BUF_INIT;
	size_t i, len, start;
	int more, cols, last = -1;

	for (i = 0; i < t->ncols; i++) {
		rest[i] = cells != NULL ? cells[i] : t->cols[i].title;
		if (t->cols[i].shown)
			last = (int)i;
	}
	do {
		more = 0;
		start = b->len;
		pad(b, indent);
		for (i = 0; i < t->ncols; i++) {
			struct tcol *c = &t->cols[i];
			const char *s = rest[i];

			if (!c->shown)
				continue;
			buf_reset(&cell);
			if ((c->flags & TAB_WRAP) && cells != NULL) {
				rest[i] = wrap_next(s, c->w, &len, &cols);
				buf_append(&cell, s, len);
				if (*rest[i] != '\0')
					more = 1;
			} else {
				cols = put_cut(&cell, s, c->w);
				rest[i] = "";
			}
			if (c->flags & TAB_RIGHT)
				pad(b, c->w - cols);
			if (buf_failed(&cell))
				b->failed = 1;
			buf_append(b, cell.data != NULL ? cell.data : "",
			    cell.len);
			if (!(c->flags & TAB_RIGHT) && (int)i != last)
				pad(b, c->w - cols);
			if ((int)i != last)
				pad(b, SEP);
		}
		end_line(b, start);
	} while (more);
	buf_free(&cell, 0);
}

int
report_tab_render(struct report_ctx *ctx, struct report_tab *t, int indent,
    size_t *dropped)
{
	struct buf *b = ctx->out;
	size_t nrows, i, start;
	int bold = ctx->o->is_tty;

	if (t->failed || t->ncols == 0 || t->ncols > 64)
		return err_set(ctx->e, ERR_SYSTEM, "building a table: out of "
		    "memory");
	layout(t, ctx->width - indent);
	if (dropped != NULL) {
		*dropped = 0;
		for (i = 0; i < t->ncols; i++)
			if (!t->cols[i].shown)
				(*dropped)++;
	}
	if (t->header) {
		start = b->len;
		put_row(t, b, NULL, indent);
		if (bold) {
			/* around the text, after the indent */
			struct buf line = BUF_INIT;

			buf_append(&line, b->data + start, b->len - start);
			b->len = start;
			pad(b, indent);
			buf_puts(b, BOLD);
			buf_append(b, line.data + indent, line.len - 1 -
			    (size_t)indent);
			buf_puts(b, PLAIN "\n");
			buf_free(&line, 0);
		}
	}
	nrows = tab_rows(t);
	for (i = 0; i < nrows; i++)
		put_row(t, b, &t->cells[i * t->ncols], indent);
	return 0;
}

static int vline(struct report_ctx *, int, const char *, va_list)
    __attribute__((format(printf, 3, 0)));

static int
vline(struct report_ctx *ctx, int bold, const char *fmt, va_list ap)
{
	struct buf raw = BUF_INIT, clean = BUF_INIT;
	struct buf *b = ctx->out;
	int rc = -1;

	if (buf_vprintf(&raw, fmt, ap) == -1 ||
	    buf_put_text(&clean, raw.data != NULL ? raw.data : "",
	    raw.len) == -1)
		goto out;
	if (bold)
		buf_puts(b, BOLD);
	put_cut(b, clean.data != NULL ? clean.data : "", ctx->width);
	if (bold)
		buf_puts(b, PLAIN);
	buf_append(b, "\n", 1);
	rc = 0;
out:
	buf_free(&raw, 0);
	buf_free(&clean, 0);
	if (rc == -1)
		err_set(ctx->e, ERR_SYSTEM, "formatting a line: out of memory");
	return rc;
}

int
report_text_heading(struct report_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vline(ctx, ctx->o->is_tty, fmt, ap);
	va_end(ap);
	return rc;
}

int
report_text_line(struct report_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vline(ctx, 0, fmt, ap);
	va_end(ap);
	return rc;
}

int
report_text_para(struct report_ctx *ctx, int indent, const char *fmt, ...)
{
	struct buf raw = BUF_INIT, clean = BUF_INIT;
	const char *s;
	size_t len, start;
	va_list ap;
	int cols, rc = -1;

	va_start(ap, fmt);
	rc = buf_vprintf(&raw, fmt, ap);
	va_end(ap);
	if (rc == -1 ||
	    buf_put_text(&clean, raw.data != NULL ? raw.data : "",
	    raw.len) == -1) {
		rc = err_set(ctx->e, ERR_SYSTEM, "formatting text: out of "
		    "memory");
		goto out;
	}
	s = clean.data != NULL ? clean.data : "";
	do {
		const char *seg = s;

		start = ctx->out->len;
		pad(ctx->out, indent);
		s = wrap_next(seg, ctx->width - indent, &len, &cols);
		buf_append(ctx->out, seg, len);
		end_line(ctx->out, start);
	} while (*s != '\0');
	rc = 0;
out:
	buf_free(&raw, 0);
	buf_free(&clean, 0);
	return rc;
}
