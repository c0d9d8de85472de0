/*
 * report.c — the entry points: options, names, rendering into a buffer,
 * and writing it out to a stream, a file (atomically) or a directory of
 * BAT files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports/report_int.h"

/* Each kind: the formats it supports and its builder (HTML is one page
 * for every kind that has it: report_html()). */
#define F(x)	(1u << REPORT_FORMAT_##x)
static const struct {
	unsigned	 formats;
	int		(*build)(struct report_ctx *);
} kinds[REPORT__MAX] = {
	[REPORT_LEFT_BEHIND] = { F(TEXT) | F(CSV) | F(JSON) | F(HTML),
	    report_left_behind },
	[REPORT_SUMMARY] = { F(TEXT) | F(CSV) | F(JSON) | F(HTML),
	    report_summary },
	[REPORT_FORECAST] = { F(TEXT) | F(CSV) | F(JSON) | F(HTML),
	    report_forecast },
	[REPORT_HISTORY] = { F(TEXT) | F(CSV) | F(JSON), report_history },
	[REPORT_PHONE] = { F(TEXT) | F(CSV) | F(JSON), report_phone },
	[REPORT_METRICS] = { F(PROM), report_metrics },
	[REPORT_BAT] = { F(BAT), report_bat },
	[REPORT_TRUST] = { F(TEXT) | F(CSV) | F(JSON) | F(HTML) | F(PROM),
	    report_trust },
};
#undef F

void
report_opts_init(struct report_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->kind = REPORT_LEFT_BEHIND;
	o->format = REPORT_FORMAT_TEXT;
	o->since = REPORT_SINCE_NONE;
	o->save_mark = 1;
}

int
report_supports(enum report_kind k, enum report_format f)
{
	if ((unsigned)k >= REPORT__MAX || (unsigned)f >= REPORT_FORMAT__MAX)
		return 0;
	return (kinds[k].formats & (1u << f)) != 0;
}

enum report_format
report_default_format(enum report_kind k)
{
	if (k == REPORT_METRICS)
		return REPORT_FORMAT_PROM;
	if (k == REPORT_BAT)
		return REPORT_FORMAT_BAT;
	return REPORT_FORMAT_TEXT;
}

/* Reads exactly n digits. */
static int
digits(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (**p < '0' || **p > '9')
			return -1;
		*v = *v * 10 + (**p - '0');
		(*p)++;
	}
	return 0;
}

int
report_since_parse(const char *arg, int64_t now, struct report_opts *o,
    struct lsc_err *e)
{
	const char *p = arg;
	int y, mon, d, h = 0, mi = 0, sec = 0;
	long long days = 0;
	int64_t t;

	if (strcasecmp(arg, "last") == 0) {
		o->since = REPORT_SINCE_LAST;
		o->since_time = 0;
		return 0;
	}
	if (*p >= '0' && *p <= '9' && strchr(p, '-') == NULL) {
		while (*p >= '0' && *p <= '9' && days < 100000)
			days = days * 10 + (*p++ - '0');
		if (p[0] != 'd' || p[1] != '\0' || days >= 100000)
			goto bad;
		o->since = REPORT_SINCE_TIME;
		o->since_time = now - (int64_t)days * CLOCK_DAY;
		return 0;
	}
	if (digits(&p, 4, &y) == -1 || *p++ != '-' ||
	    digits(&p, 2, &mon) == -1 || *p++ != '-' ||
	    digits(&p, 2, &d) == -1)
		goto bad;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) == -1 || *p++ != ':' ||
		    digits(&p, 2, &mi) == -1)
			goto bad;
		if (*p == ':' && (p++, digits(&p, 2, &sec) == -1))
			goto bad;
		if (*p == 'Z')
			p++;
	}
	if (*p != '\0' || (t = clock_timegm(y, mon, d, h, mi, sec)) == -1)
		goto bad;
	o->since = REPORT_SINCE_TIME;
	o->since_time = t;
	return 0;
bad:
	return err_set(e, ERR_USAGE, "--since %s: expected LAST, a date "
	    "(YYYY-MM-DD, UTC), a time (YYYY-MM-DDTHH:MM[:SS]Z) or a number "
	    "of days (7d)", arg);
}

/* ---- building ----------------------------------------------------------------- */

static int
check_opts(const struct report_opts *o, struct lsc_err *e)
{
	if ((unsigned)o->kind >= REPORT__MAX ||
	    (unsigned)o->format >= REPORT_FORMAT__MAX)
		return err_set(e, ERR_USAGE, "report: unknown kind or format");
	if (o->now <= 0)
		return err_set(e, ERR_USAGE, "report %s: no time given",
		    report_kind_name(o->kind));
	if (!report_supports(o->kind, o->format))
		return err_set(e, ERR_USAGE, "report %s: no %s format",
		    report_kind_name(o->kind), report_format_name(o->format));
	if (o->since == REPORT_SINCE_LAST && (o->kind != REPORT_LEFT_BEHIND ||
	    o->format == REPORT_FORMAT_HTML))
		return err_set(e, ERR_USAGE, "report %s: --since LAST is for "
		    "left-behind (text, csv, json)", report_kind_name(o->kind));
	if (o->since == REPORT_SINCE_TIME && ((o->kind != REPORT_LEFT_BEHIND &&
	    o->kind != REPORT_HISTORY) || o->format == REPORT_FORMAT_HTML))
		return err_set(e, ERR_USAGE, "report %s: --since DATE is for "
		    "left-behind and history", report_kind_name(o->kind));
	if (o->kind == REPORT_PHONE && (o->phone == NULL || *o->phone == '\0'))
		return err_set(e, ERR_USAGE, "report phone: which phone? (a "
		    "device name)");
	return 0;
}

static void
ctx_init(struct report_ctx *ctx, struct store *s, const struct report_opts *o,
    struct buf *out, struct lsc_err *e)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->store = s;
	ctx->o = o;
	ctx->out = out;
	ctx->e = e;
	ctx->width = o->width > 0 ? o->width : REPORT_DEFAULT_WIDTH;
	if (ctx->width < REPORT_MIN_WIDTH)
		ctx->width = REPORT_MIN_WIDTH;
}

static void
ctx_free(struct report_ctx *ctx)
{
	if (ctx->probes != NULL) {
		report_trust_free(ctx->probes);
		free(ctx->probes);
		ctx->probes = NULL;
	}
	if (ctx->mark != NULL) {
		report_phones_free(ctx->mark);
		free(ctx->mark);
		ctx->mark = NULL;
	}
}

/* What the phones presented, for the kinds that show it. */
static int
load_probes(struct report_ctx *ctx)
{
	enum report_kind k = ctx->o->kind;

	if (ctx->o->format != REPORT_FORMAT_HTML && (k == REPORT_FORECAST ||
	    k == REPORT_HISTORY || k == REPORT_BAT))
		return 0;
	if ((ctx->probes = calloc(1, sizeof(*ctx->probes))) == NULL)
		return report_syserr(ctx->e, "reading probes");
	return report_trust_collect(ctx, ctx->probes);
}

/* Builds the whole report into ctx->out; with pem, the trust report's CA
 * bundle instead. */
static int
build(struct report_ctx *ctx, int pem)
{
	const struct report_opts *o = ctx->o;
	int rc;

	if (pem && o->kind != REPORT_TRUST)
		return err_set(ctx->e, ERR_USAGE, "report %s: --pem is for "
		    "trust", report_kind_name(o->kind));
	if (check_opts(o, ctx->e) == -1 || load_probes(ctx) == -1)
		return -1;
	if (pem)
		rc = report_trust_pem(ctx->probes, ctx);
	else if (o->format == REPORT_FORMAT_HTML)
		rc = report_html(ctx);
	else
		rc = kinds[o->kind].build(ctx);
	if (rc == 0 && buf_failed(ctx->out))
		rc = err_set(ctx->e, ERR_SYSTEM, "report %s: out of memory, or "
		    "text that is not UTF-8", report_kind_name(o->kind));
	return rc;
}

/* After the output is out: the mark, and the caller's result. */
static int
finish(struct report_ctx *ctx)
{
	int rc = 0;

	if (ctx->mark != NULL && ctx->o->save_mark)
		rc = report_left_behind_mark(ctx);
	if (ctx->o->result != NULL)
		*ctx->o->result = ctx->res;
	return rc;
}

/* ---- files ------------------------------------------------------------------- */

/*
 * Writes data to path atomically (acme-client fileproc.c): a temporary
 * file beside it, fsync'd and given its mode, renamed over it, and the
 * directory fsync'd so the rename survives a crash.  Only a regular file
 * is ever replaced: "-o /dev/null" run as root would otherwise put a file
 * where the device was.
 */
static int
write_atomic(const char *path, const char *data, size_t len, mode_t mode,
    struct lsc_err *e)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash != NULL ? slash + 1 : path;
	char *dir = NULL, *tmp = NULL;
	struct stat st;
	size_t tlen, off = 0;
	ssize_t n;
	int fd = -1, dfd = -1, rc = -1;

	if (*base == '\0') {
		err_set(e, ERR_USAGE, "%s: not a file name", path);
		goto out;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		err_set(e, ERR_SYSTEM, "%s: not a regular file; refusing to "
		    "replace it", path);
		goto out;
	}
	/* the temporary file ".BASE.XXXXXX" beside it */
	tlen = strlen(path) + 16;
	if ((dir = slash == NULL ? strdup(".") : strndup(path, slash == path ?
	    1 : (size_t)(slash - path))) == NULL ||
	    (tmp = malloc(tlen)) == NULL)
		goto syserr;
	snprintf(tmp, tlen, "%.*s.%s.XXXXXX", (int)(base - path), path, base);
	if ((fd = mkstemp(tmp)) == -1) {
		err_set(e, ERR_SYSTEM, "%s: creating a temporary file in %s: "
		    "%s", path, dir, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (fchmod(fd, mode) == -1)
		goto fail;
	while (off < len) {
		if ((n = write(fd, data + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	free(tmp);
	tmp = NULL;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY)) == -1 ||
	    (fsync(dfd) == -1 && errno != EINVAL)) {
		err_set(e, ERR_SYSTEM, "%s: written, but syncing its "
		    "directory failed: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
	goto out;
fail:
	err_set(e, ERR_SYSTEM, "%s: writing: %s", path, strerror(errno));
	goto out;
syserr:
	err_set(e, ERR_SYSTEM, "%s: %s", path, strerror(errno));
out:
	if (fd != -1)
		close(fd);
	if (dfd != -1)
		close(dfd);
	if (tmp != NULL)
		unlink(tmp);
	free(tmp);
	free(dir);
	return rc;
}

/* The mode of a written file: the caller's; else 0644 for what is meant
 * to be shared (shared: the CA bundle, BAT files), html and prom, 0600
 * for the rest. */
static mode_t
file_mode(const struct report_opts *o, int shared)
{
	if (o->file_mode != 0)
		return (mode_t)(o->file_mode & 07777);
	if (shared || o->format == REPORT_FORMAT_HTML ||
	    o->format == REPORT_FORMAT_PROM)
		return 0644;
	return 0600;
}

/* Builds the report (or, with pem, the CA bundle) and writes it to out,
 * or when out is NULL atomically to path; then the mark and the result. */
static int
produce(struct store *s, const struct report_opts *o, FILE *out,
    const char *path, int pem, struct lsc_err *e)
{
	struct report_ctx ctx;
	struct buf b = BUF_INIT;
	int rc = -1;

	ctx_init(&ctx, s, o, &b, e);
	if (build(&ctx, pem) == -1)
		goto out;
	if (out == NULL) {
		if (write_atomic(path, b.data != NULL ? b.data : "", b.len,
		    file_mode(o, pem), e) == -1)
			goto out;
	} else if ((b.len > 0 && fwrite(b.data, 1, b.len, out) != b.len) ||
	    fflush(out) == EOF || ferror(out)) {
		report_syserr(e, "writing the report");
		goto out;
	}
	rc = finish(&ctx);
out:
	ctx_free(&ctx);
	buf_free(&b, 0);
	return rc;
}

int
report_render(struct store *s, const struct report_opts *o, FILE *out,
    struct lsc_err *e)
{
	return produce(s, o, out, NULL, 0, e);
}

int
report_write_file(struct store *s, const struct report_opts *o,
    const char *path, struct lsc_err *e)
{
	return produce(s, o, NULL, path, 0, e);
}

int
report_write_pem(struct store *s, const struct report_opts *o,
    const char *path, struct lsc_err *e)
{
	return produce(s, o, NULL, path, 1, e);
}

/* "<cluster>_<pool>.txt", safe as a file name. */
static void
bat_file_name(const struct report_bat_pool *p, char *buf, size_t len)
{
	size_t i;

	snprintf(buf, len, "%s_%s", p->key.cluster, p->key.pool);
	for (i = 0; buf[i] != '\0'; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		    c == '_'))
			buf[i] = '_';
	}
	/* never a hidden file, never "." or ".." */
	if (buf[0] == '.')
		buf[0] = '_';
}

int
report_write_bat_dir(struct store *s, const struct report_opts *o,
    const char *dir, struct lsc_err *e)
{
	struct report_ctx ctx;
	struct report_bat bt;
	struct buf body = BUF_INIT, path = BUF_INIT;
	char name[256], **used = NULL;
	size_t nused = 0;
	mode_t mode = file_mode(o, 1);
	int rc = -1;

	memset(&bt, 0, sizeof(bt));
	ctx_init(&ctx, s, o, &body, e);
	if (o->kind != REPORT_BAT) {
		err_set(e, ERR_USAGE, "report %s: only bat writes a directory",
		    report_kind_name(o->kind));
		goto out;
	}
	if (check_opts(o, e) == -1 || report_bat_collect(&ctx, &bt) == -1)
		goto out;
	if (bt.n > 0 && (used = calloc(bt.n, sizeof(*used))) == NULL) {
		report_syserr(e, "writing BAT files");
		goto out;
	}
	for (size_t i = 0; i < bt.n; i++) {
		const struct report_bat_pool *p = &bt.p[i];
		char base[200];
		int dup = 1;

		bat_file_name(p, base, sizeof(base));
		/* two pools that clean to the same name get -2, -3 ... */
		for (;;) {
			size_t k;

			if (dup == 1)
				snprintf(name, sizeof(name), "%s.txt", base);
			else
				snprintf(name, sizeof(name), "%s-%d.txt", base,
				    dup);
			for (k = 0; k < nused; k++)
				if (strcmp(used[k], name) == 0)
					break;
			if (k == nused)
				break;
			dup++;
		}
		if ((used[nused] = strdup(name)) == NULL) {
			report_syserr(e, "writing BAT files");
			goto out;
		}
		nused++;
		buf_reset(&body);
		for (size_t k = 0; k < p->n; k++) {
			buf_put_text(&body, p->names[k],
			    strlen(p->names[k]));
			buf_puts(&body, "\n");
		}
		buf_reset(&path);
		buf_printf(&path, "%s/%s", dir, name);
		if (buf_failed(&body) || buf_failed(&path)) {
			err_set(e, ERR_SYSTEM, "writing BAT files: out of "
			    "memory");
			goto out;
		}
		if (write_atomic(path.data, body.data != NULL ? body.data : "",
		    body.len, mode, e) == -1)
			goto out;
		ctx.res.files++;
		ctx.res.rows += p->n;
	}
	if (o->result != NULL)
		*o->result = ctx.res;
	rc = 0;
out:
	for (size_t k = 0; k < nused; k++)
		free(used[k]);
	free(used);
	report_bat_free(&bt);
	buf_free(&body, 0);
	buf_free(&path, 0);
	return rc;
}
