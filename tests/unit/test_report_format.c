/*
 * test_report_format.c — what the formats promise, one property at a time:
 * CSV injection and quoting, HTML and JSON escaping, text width and
 * truncation, terminal escapes, atomic files, --since LAST, BAT
 * directories, Prometheus labels, and the small helpers under them.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "reports/report.h"
#include "reports/report_int.h"
#include "tests/unit/fake_http.h"
#include "tests/unit/fixture_store.h"

/* ---- helpers --------------------------------------------------------------------- */

static struct store *
fixture(void)
{
	struct lsc_err e;
	struct store *s;

	err_clear(&e);
	if ((s = fixture_store_new(&e)) == NULL)
		fail_msg("fixture: %s", e.msg);
	return s;
}

static struct report_opts
opts(enum report_kind k, enum report_format f)
{
	struct report_opts o;

	report_opts_init(&o);
	o.kind = k;
	o.format = f;
	o.now = FIXTURE_NOW;
	o.save_mark = 0;
	return o;
}

static char *
render(struct store *s, const struct report_opts *o)
{
	struct lsc_err e;
	char *data = NULL;
	size_t n = 0;
	FILE *f;

	err_clear(&e);
	f = open_memstream(&data, &n);
	assert_non_null(f);
	if (report_render(s, o, f, &e) == -1)
		fail_msg("report_render(%s, %s): %s", report_kind_name(o->kind),
		    report_format_name(o->format), e.msg);
	assert_int_equal(fclose(f), 0);
	return data;
}

static void
add(struct store *s, const char *name, const char *pool, const char *desc)
{
	struct lsc_err e;

	err_clear(&e);
	if (fixture_add_left_behind(s, "hq", name, pool, 5, desc, &e) == -1)
		fail_msg("adding %s: %s", name, e.msg);
}

static char *
make_tmpdir(void)
{
	char tmpl[] = "/tmp/lscrenew-report-XXXXXX";
	char *d;

	assert_non_null(mkdtemp(tmpl));
	d = strdup(tmpl);
	assert_non_null(d);
	return d;
}

/* Names in a directory, "." and ".." left out. */
static int
count_entries(const char *dir)
{
	DIR *d;
	struct dirent *de;
	int n = 0;

	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
rm_tree(const char *dir)
{
	DIR *d;
	struct dirent *de;
	char p[512];

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (rmdir(p) == -1)
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static char *
slurp(const char *path)
{
	FILE *f;
	char *data;
	long n;

	if ((f = fopen(path, "rb")) == NULL)
		print_error("%s: %s\n", path, strerror(errno));
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	data[n] = '\0';
	fclose(f);
	return data;
}

/* ---- a JSON validator (RFC 8259), enough to prove the output parses ------- */

static const char *json_value(const char *);

static const char *
json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *
json_string(const char *p)
{
	uint32_t cp;
	size_t n;

	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (strchr("0123456789abcdefABCDEF",
					    p[i]) == NULL || p[i] == '\0')
						return NULL;
				p += 5;
			} else if (*p != '\0' && strchr("\"\\/bfnrt", *p) !=
			    NULL)
				p++;
			else
				return NULL;
			continue;
		}
		n = utf8_next(p, &cp);
		if (cp == 0xfffd && memcmp(p, "\xef\xbf\xbd", 3) != 0)
			return NULL;
		p += n;
	}
	return p + 1;
}

static const char *
json_number(const char *p)
{
	const char *start = p;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return p > start ? p : NULL;
}

static const char *
json_value(const char *p)
{
	p = json_ws(p);
	if (*p == '{') {
		p = json_ws(p + 1);
		if (*p == '}')
			return p + 1;
		for (;;) {
			if ((p = json_string(json_ws(p))) == NULL)
				return NULL;
			p = json_ws(p);
			if (*p++ != ':' || (p = json_value(p)) == NULL)
				return NULL;
			p = json_ws(p);
			if (*p == '}')
				return p + 1;
			if (*p++ != ',')
				return NULL;
		}
	}
	if (*p == '[') {
		p = json_ws(p + 1);
		if (*p == ']')
			return p + 1;
		for (;;) {
			if ((p = json_value(p)) == NULL)
				return NULL;
			p = json_ws(p);
			if (*p == ']')
				return p + 1;
			if (*p++ != ',')
				return NULL;
		}
	}
	if (*p == '"')
		return json_string(p);
	if (strncmp(p, "true", 4) == 0)
		return p + 4;
	if (strncmp(p, "false", 5) == 0)
		return p + 5;
	if (strncmp(p, "null", 4) == 0)
		return p + 4;
	return json_number(p);
}

static void
assert_json(const char *doc)
{
	const char *end = json_value(doc);

	if (end == NULL || *json_ws(end) != '\0')
		fail_msg("not valid JSON near offset %ld", end == NULL ? -1L :
		    (long)(end - doc));
}

/* ---- CSV --------------------------------------------------------------------- */

static char *
csv_cell(const char *s)
{
	struct buf b = BUF_INIT;
	struct report_csv c;

	report_csv_init(&c, &b);
	report_csv_str(&c, s);
	assert_false(buf_failed(&b));
	return buf_take(&b);
}

static void
test_csv_cells(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "plain" },
		{ "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0" },
		{ "+1+2", "'+1+2" },
		{ "-3", "'-3" },
		{ "@SUM(A1)", "'@SUM(A1)" },
		{ "\tTAB", "'\tTAB" },
		{ "\rCR", "\"'\rCR\"" },
		{ "a,b", "\"a,b\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
		{ "line1\nline2", "\"line1\nline2\"" },
		{ "=1,\"2\"", "\"'=1,\"\"2\"\"\"" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "bad\xff", "bad\xef\xbf\xbd" },
		{ "", "" },
	};
	char *got;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = csv_cell(cases[i].in);
		if (strcmp(got, cases[i].out) != 0)
			fail_msg("csv(\"%s\") = \"%s\", want \"%s\"",
			    cases[i].in, got, cases[i].out);
		free(got);
	}
}

/* Counts the fields of each CRLF record, honouring quotes. */
static void
assert_csv_shape(const char *doc, int *fields, int *records)
{
	const char *p = doc;
	int n = 1, want = -1, quoted = 0;

	*records = 0;
	for (; *p != '\0'; p++) {
		if (quoted) {
			if (*p == '"' && p[1] == '"')
				p++;
			else if (*p == '"')
				quoted = 0;
			continue;
		}
		if (*p == '"')
			quoted = 1;
		else if (*p == ',')
			n++;
		else if (*p == '\n')
			fail_msg("bare LF outside quotes in record %d",
			    *records + 1);
		else if (*p == '\r') {
			assert_int_equal(p[1], '\n');
			p++;
			if (want == -1)
				want = n;
			else if (n != want)
				fail_msg("record %d has %d fields, the header "
				    "%d", *records + 1, n, want);
			(*records)++;
			n = 1;
		}
	}
	assert_false(quoted);
	*fields = want;
}

static void
test_csv_reports(void **state)
{
	static const enum report_kind kinds[] = {
		REPORT_LEFT_BEHIND, REPORT_SUMMARY, REPORT_FORECAST,
		REPORT_HISTORY, REPORT_PHONE
	};
	struct store *s = fixture();
	struct report_opts o;
	int fields, records;
	char *out;

	(void)state;
	add(s, "SEPINJECT0001", "DP_HQ_Floor1", "@SUM(1+1)*cmd|' /C calc'!A0");
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		o = opts(kinds[i], REPORT_FORMAT_CSV);
		o.phone = "SEP00A1B2C3D405";
		out = render(s, &o);
		assert_csv_shape(out, &fields, &records);
		assert_true(records >= 2);
		free(out);
	}
	o = opts(REPORT_LEFT_BEHIND, REPORT_FORMAT_CSV);
	out = render(s, &o);
	/* formulas neutralised, quoted where needed */
	assert_non_null(strstr(out, ",\"'=HYPERLINK(\"\"http://evil.example/x"
	    "\"\",\"\"open\"\")\","));
	assert_non_null(strstr(out, ",\"'-5 dBm WAN; \"\"far\"\" end, near "
	    "exit\","));
	assert_non_null(strstr(out, ",'@SUM(1+1)*cmd|' /C calc'!A0,"));
	assert_null(strstr(out, ",=HYPERLINK"));
	assert_null(strstr(out, ",@SUM"));
	/* numbers stay numbers */
	assert_non_null(strstr(out, ",-40,"));
	free(out);
	store_close(s);
}

/* ---- HTML -------------------------------------------------------------------- */

static void
test_html_escaping(void **state)
{
	struct store *s = fixture();
	struct report_opts o = opts(REPORT_SUMMARY, REPORT_FORMAT_HTML);
	char *out;

	(void)state;
	add(s, "SEP<script>alert(1)</script>", "P<img src=x onerror=alert(1)>"
	    "&\"'", "</td></tr><script>alert('x')</script>\x1b[2J\xe2\x80\xae"
	    "evil");
	out = render(s, &o);
	assert_null(strstr(out, "<script"));
	assert_null(strstr(out, "<img"));
	assert_null(strstr(out, "</td></tr><script"));
	assert_null(strchr(out, '\x1b'));
	assert_null(strstr(out, "\xe2\x80\xae"));
	assert_non_null(strstr(out, "SEP&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(out, "P&lt;img src=x onerror=alert(1)&gt;"
	    "&amp;&quot;&#39;"));
	assert_non_null(strstr(out, "&lt;/td&gt;&lt;/tr&gt;&lt;script&gt;"
	    "alert(&#39;x&#39;)"));
	/* self-contained: no script, no external reference */
	assert_null(strstr(out, "src=\""));
	assert_null(strstr(out, "href=\""));
	assert_null(strstr(out, "@import"));
	assert_null(strstr(out, "url("));
	assert_non_null(strstr(out, "<meta charset=\"utf-8\">"));
	assert_non_null(strstr(out, "@media print"));
	free(out);
	store_close(s);
}

static void
test_html_esc_helper(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	report_html_esc(&b, "a&b<c>d\"e'f\tg\x01h\xffi");
	assert_string_equal(b.data, "a&amp;b&lt;c&gt;d&quot;e&#39;f g\xef\xbf\xbd"
	    "h\xef\xbf\xbdi");
	buf_reset(&b);
	report_html_esc_cut(&b, "abcdef<gh", 6);
	assert_string_equal(b.data, "abcdef\xe2\x80\xa6");
	buf_free(&b, 0);
}

/* ---- JSON --------------------------------------------------------------------- */

static void
test_json_reports(void **state)
{
	static const enum report_kind kinds[] = {
		REPORT_LEFT_BEHIND, REPORT_SUMMARY, REPORT_FORECAST,
		REPORT_HISTORY, REPORT_PHONE
	};
	struct store *s = fixture();
	struct report_opts o;
	char *out;

	(void)state;
	add(s, "SEPJSON000001", "DP_\xe6\x9d\xb1\xe4\xba\xac", "bell\x07 "
	    "esc\x1b quote\" nul? \xf0\x9f\x93\x9e \xc0\xaf");
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		o = opts(kinds[i], REPORT_FORMAT_JSON);
		o.phone = "SEPJSON000001";
		out = render(s, &o);
		assert_json(out);
		assert_non_null(strstr(out, "\"schema_version\": 1"));
		free(out);
	}
	o = opts(REPORT_LEFT_BEHIND, REPORT_FORMAT_JSON);
	o.since = REPORT_SINCE_LAST;
	out = render(s, &o);
	assert_json(out);
	assert_non_null(strstr(out, "\"description\": \"bell\\u0007 esc\\u001b "
	    "quote\\\" nul? \xf0\x9f\x93\x9e \\ufffd\\ufffd\""));
	assert_non_null(strstr(out, "\"pool\": \"DP_\xe6\x9d\xb1\xe4\xba\xac\""));
	free(out);
	store_close(s);
}

/* ---- text ------------------------------------------------------------------- */

static void
assert_fits(const char *doc, int width)
{
	const char *p = doc, *nl;
	char *line;
	int n = 1;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		line = strndup(p, (size_t)(nl - p));
		assert_non_null(line);
		if ((int)utf8_width(line) > width)
			fail_msg("line %d is %zu columns wide (max %d): %s", n,
			    utf8_width(line), width, line);
		if (nl > p && nl[-1] == ' ')
			fail_msg("line %d ends with a space", n);
		free(line);
		p = nl + 1;
		n++;
	}
}

static void
test_text_width(void **state)
{
	static const enum report_kind kinds[] = {
		REPORT_LEFT_BEHIND, REPORT_SUMMARY, REPORT_FORECAST,
		REPORT_HISTORY, REPORT_PHONE
	};
	static const int widths[] = { 0, 100, 80, 40, 160 };
	struct store *s = fixture();
	struct report_opts o;
	char *out;

	(void)state;
	add(s, "SEPLONG000001", "DP_A_Very_Long_Device_Pool_Name_For_Width",
	    "A description far longer than any column can hold, made of "
	    "words \xe6\x9d\xb1\xe4\xba\xac\xe9\x83\xbd and accents "
	    "\xc3\xa9\xc3\xa8\xc3\xa0, so the text report has to cut it");
	for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
			o = opts(kinds[i], REPORT_FORMAT_TEXT);
			o.width = widths[w];
			o.phone = "SEPLONG000001";
			out = render(s, &o);
			assert_fits(out, widths[w] == 0 ? 100 : widths[w]);
			/* plain when not a terminal, whatever the store
			 * holds (D405's description has an escape) */
			assert_null(strchr(out, '\x1b'));
			free(out);
		}
	o = opts(REPORT_LEFT_BEHIND, REPORT_FORMAT_TEXT);
	out = render(s, &o);
	assert_non_null(strstr(out, "\xe2\x80\xa6"));	/* a cut cell */
	assert_non_null(strstr(out, "SEPLONG000001"));	/* names never cut */
	free(out);

	/* a terminal gets bold headings, and still no escape from data */
	o = opts(REPORT_PHONE, REPORT_FORMAT_TEXT);
	o.phone = "SEP00A1B2C3D405";
	o.is_tty = 1;
	o.width = 220;
	out = render(s, &o);
	assert_non_null(strstr(out, "\033[1m"));
	assert_null(strstr(out, "\033[31m"));
	assert_non_null(strstr(out, "Reception ?[31mred?[0m desk"));
	free(out);
	store_close(s);
}

static void
test_text_table(void **state)
{
	struct report_opts o = opts(REPORT_SUMMARY, REPORT_FORMAT_TEXT);
	struct report_ctx ctx;
	struct report_tab *t;
	struct lsc_err e;
	struct buf b = BUF_INIT;
	size_t dropped;

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	ctx.o = &o;
	ctx.out = &b;
	ctx.e = &e;
	ctx.width = 40;
	t = report_tab_new(1);
	assert_non_null(t);
	report_tab_col(t, "K", 0, 0, 0, 0);
	report_tab_col(t, "N", TAB_RIGHT, 0, 0, 0);
	report_tab_col(t, "OPT", 0, 0, 0, 1);
	report_tab_col(t, "TEXT", TAB_WRAP, 10, 0, 0);
	report_tab_cell(t, "a");
	report_tab_cell(t, "7");
	report_tab_cell(t, "optional column");
	report_tab_cell(t, "one two three four five six seven eight nine ten");
	report_tab_cell(t, "bb");
	report_tab_cell(t, "123");
	report_tab_cell(t, "x");
	report_tab_cell(t, "short");
	assert_int_equal(report_tab_render(&ctx, t, 0, &dropped), 0);
	assert_int_equal(dropped, 1);
	assert_string_equal(b.data,
	    "K     N  TEXT\n"
	    "a     7  one two three four five six\n"
	    "         seven eight nine ten\n"
	    "bb  123  short\n");
	report_tab_free(t);
	buf_free(&b, 0);
}

/* ---- files ------------------------------------------------------------------- */

static void
test_atomic_write(void **state)
{
	struct store *s = fixture();
	struct report_opts o = opts(REPORT_METRICS, REPORT_FORMAT_PROM);
	struct lsc_err e;
	struct stat sb;
	char *dir = make_tmpdir(), path[512], *want, *got;
	FILE *f;

	(void)state;
	err_clear(&e);
	snprintf(path, sizeof(path), "%s/lscrenew.prom", dir);
	/* an old file is replaced whole */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("old content\n", f);
	fclose(f);
	assert_int_equal(report_write_file(s, &o, path, &e), 0);
	want = render(s, &o);
	got = slurp(path);
	assert_string_equal(got, want);
	free(got);
	free(want);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0644);
	assert_int_equal(count_entries(dir), 1);	/* no temporary left */

	/* HTML is 0644 too; other formats 0600; or what the caller says */
	o = opts(REPORT_SUMMARY, REPORT_FORMAT_HTML);
	snprintf(path, sizeof(path), "%s/report.html", dir);
	assert_int_equal(report_write_file(s, &o, path, &e), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0644);
	o = opts(REPORT_LEFT_BEHIND, REPORT_FORMAT_CSV);
	snprintf(path, sizeof(path), "%s/left-behind.csv", dir);
	assert_int_equal(report_write_file(s, &o, path, &e), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	o.file_mode = 0640;
	assert_int_equal(report_write_file(s, &o, path, &e), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0640);
	assert_int_equal(count_entries(dir), 3);

	/* failures leave nothing behind and the old file untouched */
	snprintf(path, sizeof(path), "%s/missing/x.prom", dir);
	assert_int_equal(report_write_file(s, &o, path, &e), -1);
	assert_int_equal(e.kind, ERR_SYSTEM);
	assert_non_null(strstr(e.msg, "missing/x.prom"));
	snprintf(path, sizeof(path), "%s/adir", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(report_write_file(s, &o, path, &e), -1);
	assert_int_equal(e.kind, ERR_SYSTEM);
	assert_int_equal(count_entries(dir), 4);	/* 3 files + adir */
	o = opts(REPORT_METRICS, REPORT_FORMAT_CSV);	/* a usage error */
	snprintf(path, sizeof(path), "%s/lscrenew.prom", dir);
	assert_int_equal(report_write_file(s, &o, path, &e), -1);
	assert_int_equal(e.kind, ERR_USAGE);
	got = slurp(path);
	assert_non_null(strstr(got, "# TYPE lscrenew_phones gauge"));
	free(got);
	assert_int_equal(count_entries(dir), 4);

	rm_tree(dir);
	free(dir);
	store_close(s);
}

static void
test_bat_dir(void **state)
{
	struct store *s = fixture();
	struct report_opts o = opts(REPORT_BAT, REPORT_FORMAT_BAT);
	struct report_result r;
	struct lsc_err e;
	struct stat sb;
	char *dir = make_tmpdir(), path[512], *got;

	(void)state;
	err_clear(&e);
	/* a pool whose name is no file name */
	add(s, "SEPBATDIR0001", "../A/B C", "Odd pool");
	o.result = &r;
	assert_int_equal(report_write_bat_dir(s, &o, dir, &e), 0);
	assert_int_equal(r.files, 5);
	assert_int_equal(r.rows, FIXTURE_BAT);
	assert_int_equal(count_entries(dir), 5);
	snprintf(path, sizeof(path), "%s/hq_DP_HQ_Floor1.txt", dir);
	got = slurp(path);
	assert_string_equal(got, "SEP00A1B2C3D411\n");
	free(got);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0644);
	snprintf(path, sizeof(path), "%s/hq_DP_HQ_Floor2.txt", dir);
	got = slurp(path);
	assert_string_equal(got, "SEP00A1B2C3D412\n");
	free(got);
	snprintf(path, sizeof(path), "%s/branch_DP_Branch_East.txt", dir);
	got = slurp(path);
	assert_string_equal(got, "");	/* nothing to push: empty, present */
	free(got);
	snprintf(path, sizeof(path), "%s/hq_.._A_B_C.txt", dir);
	assert_int_equal(stat(path, &sb), 0);

	o = opts(REPORT_SUMMARY, REPORT_FORMAT_TEXT);
	assert_int_equal(report_write_bat_dir(s, &o, dir, &e), -1);
	assert_int_equal(e.kind, ERR_USAGE);
	rm_tree(dir);
	free(dir);
	store_close(s);
}

/* ---- --since ----------------------------------------------------------------- */

static void
since(struct store *s, const char *pool, int save, struct report_result *r)
{
	struct report_opts o = opts(REPORT_LEFT_BEHIND, REPORT_FORMAT_JSON);

	o.since = REPORT_SINCE_LAST;
	o.save_mark = save;
	o.pool = pool;
	o.result = r;
	free(render(s, &o));
}

static void
test_since_last(void **state)
{
	struct store *s = fixture();
	struct report_result r;
	struct report_opts o;
	struct lsc_err e;
	FILE *full;

	(void)state;
	err_clear(&e);
	/* a report that cannot be written saves no mark */
	o = opts(REPORT_LEFT_BEHIND, REPORT_FORMAT_TEXT);
	o.save_mark = 1;
	if ((full = fopen("/dev/full", "w")) != NULL) {
		assert_int_equal(report_render(s, &o, full, &e), -1);
		assert_int_equal(e.kind, ERR_SYSTEM);
		fclose(full);
	}

	since(s, NULL, 1, &r);
	assert_true(r.previous_found);
	assert_int_equal(r.added, FIXTURE_LB_NEW);
	assert_int_equal(r.still_open, FIXTURE_LB_STILL_OPEN);
	assert_int_equal(r.resolved, FIXTURE_LB_RESOLVED);

	/* right after: nothing changed */
	since(s, NULL, 1, &r);
	assert_int_equal(r.added, 0);
	assert_int_equal(r.still_open, FIXTURE_LEFT_BEHIND);
	assert_int_equal(r.resolved, 0);

	/* one new, one resolved */
	add(s, "SEPSINCE00001", "DP_HQ_Floor2", "New");
	assert_int_equal(fixture_resolve(s, "hq", "SEP00A1B2C3D405", &e), 0);
	since(s, NULL, 0, &r);
	assert_int_equal(r.added, 1);
	assert_int_equal(r.still_open, FIXTURE_LEFT_BEHIND - 1);
	assert_int_equal(r.resolved, 1);
	/* save_mark 0 kept the previous mark */
	since(s, NULL, 1, &r);
	assert_int_equal(r.added, 1);
	assert_int_equal(r.resolved, 1);
	since(s, NULL, 1, &r);
	assert_int_equal(r.added, 0);
	assert_int_equal(r.resolved, 0);

	/* marks are kept per filter */
	since(s, "DP_HQ_Floor2", 1, &r);
	assert_false(r.previous_found);
	assert_int_equal(r.added, r.rows);
	since(s, "DP_HQ_Floor2", 1, &r);
	assert_true(r.previous_found);
	assert_int_equal(r.added, 0);
	store_close(s);
}

static void
test_since_parse(void **state)
{
	static const char *const bad[] = {
		"", "yesterday", "7", "-3d", "2025-13-01", "2025-02-29",
		"2025-06-31", "2025-6-1", "2025-06-05T25:00", "2025-06-05X",
		"1969-12-31", "99999999d"
	};
	struct report_opts o;
	struct lsc_err e;

	(void)state;
	report_opts_init(&o);
	assert_int_equal(report_since_parse("LAST", FIXTURE_NOW, &o, &e), 0);
	assert_int_equal(o.since, REPORT_SINCE_LAST);
	assert_int_equal(report_since_parse("last", FIXTURE_NOW, &o, &e), 0);
	assert_int_equal(o.since, REPORT_SINCE_LAST);
	assert_int_equal(report_since_parse("2025-06-05", FIXTURE_NOW, &o, &e),
	    0);
	assert_int_equal(o.since, REPORT_SINCE_TIME);
	assert_int_equal(o.since_time, 1749081600);
	assert_int_equal(report_since_parse("2025-06-05T08:00Z", FIXTURE_NOW,
	    &o, &e), 0);
	assert_int_equal(o.since_time, FIXTURE_MARK_TIME);
	assert_int_equal(report_since_parse("2024-02-29 23:59:59",
	    FIXTURE_NOW, &o, &e), 0);
	assert_int_equal(o.since_time, 1709251199);
	assert_int_equal(report_since_parse("7d", FIXTURE_NOW, &o, &e), 0);
	assert_int_equal(o.since_time, FIXTURE_NOW - 7 * FIXTURE_DAY);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&e);
		if (report_since_parse(bad[i], FIXTURE_NOW, &o, &e) != -1)
			fail_msg("--since \"%s\" accepted", bad[i]);
		assert_int_equal(e.kind, ERR_USAGE);
	}
}

/* ---- errors, names, empty store ------------------------------------------------- */

static void
expect_error(struct store *s, const struct report_opts *o, enum err_kind k)
{
	struct lsc_err e;
	char *data = NULL;
	size_t n = 0;
	FILE *f;

	err_clear(&e);
	f = open_memstream(&data, &n);
	assert_non_null(f);
	assert_int_equal(report_render(s, o, f, &e), -1);
	fclose(f);
	assert_int_equal(n, 0);		/* nothing printed */
	if (e.kind != k)
		fail_msg("kind %s (%s), want %s", err_kind_name(e.kind), e.msg,
		    err_kind_name(k));
	free(data);
}

static void
test_usage_errors(void **state)
{
	struct store *s = fixture();
	struct report_opts o;

	(void)state;
	o = opts(REPORT_METRICS, REPORT_FORMAT_CSV);
	expect_error(s, &o, ERR_USAGE);
	o = opts(REPORT_HISTORY, REPORT_FORMAT_HTML);
	expect_error(s, &o, ERR_USAGE);
	o = opts(REPORT_PHONE, REPORT_FORMAT_TEXT);
	expect_error(s, &o, ERR_USAGE);
	o.phone = "SEPNOSUCHPHONE";
	expect_error(s, &o, ERR_NOTFOUND);
	o = opts(REPORT_SUMMARY, REPORT_FORMAT_TEXT);
	o.since = REPORT_SINCE_LAST;
	expect_error(s, &o, ERR_USAGE);
	o = opts(REPORT_LEFT_BEHIND, REPORT_FORMAT_HTML);
	o.since = REPORT_SINCE_TIME;
	o.since_time = FIXTURE_MARK_TIME;
	expect_error(s, &o, ERR_USAGE);
	o = opts(REPORT_LEFT_BEHIND, REPORT_FORMAT_TEXT);
	o.now = 0;
	expect_error(s, &o, ERR_USAGE);
	o = opts(REPORT_LEFT_BEHIND, (enum report_format)42);
	expect_error(s, &o, ERR_USAGE);
	store_close(s);
}

static void
test_names(void **state)
{
	enum report_kind k;
	enum report_format f;

	(void)state;
	for (int i = 0; i < REPORT__MAX; i++) {
		assert_int_equal(report_kind_parse(report_kind_name(
		    (enum report_kind)i), &k), 0);
		assert_int_equal(k, i);
		assert_true(report_supports((enum report_kind)i,
		    report_default_format((enum report_kind)i)));
	}
	for (int i = 0; i < REPORT_FORMAT__MAX; i++) {
		assert_int_equal(report_format_parse(report_format_name(
		    (enum report_format)i), &f), 0);
		assert_int_equal(f, i);
	}
	assert_int_equal(report_kind_parse("left_behind", &k), -1);
	assert_int_equal(report_format_parse("xml", &f), -1);
	assert_true(report_supports(REPORT_SUMMARY, REPORT_FORMAT_HTML));
	assert_true(report_supports(REPORT_LEFT_BEHIND, REPORT_FORMAT_CSV));
	assert_false(report_supports(REPORT_METRICS, REPORT_FORMAT_JSON));
	assert_false(report_supports(REPORT_BAT, REPORT_FORMAT_TEXT));
	assert_string_equal(report_kind_name((enum report_kind)99), "unknown");
}

static void
test_empty_store(void **state)
{
	struct lsc_err e;
	struct store *s;
	struct report_opts o;
	char *out;

	(void)state;
	err_clear(&e);
	s = store_open_memory(&e);
	assert_non_null(s);
	for (int k = 0; k < REPORT__MAX; k++)
		for (int f = 0; f < REPORT_FORMAT__MAX; f++) {
			if (k == REPORT_PHONE ||
			    !report_supports((enum report_kind)k,
			    (enum report_format)f))
				continue;
			o = opts((enum report_kind)k, (enum report_format)f);
			out = render(s, &o);
			if (f == REPORT_FORMAT_JSON)
				assert_json(out);
			if (k == REPORT_BAT)
				assert_string_equal(out, "");
			if (k == REPORT_METRICS)
				assert_null(strstr(out, "last_run"));
			if (k == REPORT_LEFT_BEHIND && f == REPORT_FORMAT_TEXT)
				assert_non_null(strstr(out, "Every due phone "
				    "is renewed or in flight."));
			free(out);
		}
	o = opts(REPORT_PHONE, REPORT_FORMAT_TEXT);
	o.phone = "SEP000000000000";
	expect_error(s, &o, ERR_NOTFOUND);
	store_close(s);
}

/* ---- Prometheus ------------------------------------------------------------------ */

static void
test_prom_labels(void **state)
{
	struct store *s = fixture();
	struct report_opts o = opts(REPORT_METRICS, REPORT_FORMAT_PROM);
	const char *p, *nl;
	char *out;

	(void)state;
	add(s, "SEPPROM000001", "a\"b\\c\nd\xff", "labels");
	out = render(s, &o);
	assert_non_null(strstr(out, "pool=\"a\\\"b\\\\c\\nd\xef\xbf\xbd\""));
	/* every sample: name, optional labels, one space, an integer */
	for (p = out; *p != '\0'; p = nl + 1) {
		const char *q = p;

		nl = strchr(p, '\n');
		assert_non_null(nl);
		if (*p == '#') {
			assert_true(strncmp(p, "# HELP lscrenew_", 16) == 0 ||
			    strncmp(p, "# TYPE lscrenew_", 16) == 0);
			continue;
		}
		assert_true(strncmp(p, "lscrenew_", 9) == 0);
		while (q < nl && (*q == '_' || (*q >= 'a' && *q <= 'z')))
			q++;
		if (*q == '{') {
			int quoted = 0;

			for (q++; q < nl; q++) {
				if (quoted && *q == '\\')
					q++;
				else if (*q == '"')
					quoted = !quoted;
				else if (!quoted && *q == '}')
					break;
			}
			assert_true(q < nl);
			q++;
		}
		assert_int_equal(*q, ' ');
		for (q++; q < nl; q++)
			assert_true(*q >= '0' && *q <= '9');
	}
	assert_int_equal(out[strlen(out) - 1], '\n');
	free(out);
	store_close(s);
}

/* ---- helpers under the reports ----------------------------------------------------- */

static void
test_fmt_duration(void **state)
{
	char b[64];

	(void)state;
	report_fmt_duration(45, b, sizeof(b));
	assert_string_equal(b, "45s");
	report_fmt_duration(822, b, sizeof(b));
	assert_string_equal(b, "13m 42s");
	report_fmt_duration(7380, b, sizeof(b));
	assert_string_equal(b, "2h 03m");
	report_fmt_duration(3 * 86400 + 4 * 3600, b, sizeof(b));
	assert_string_equal(b, "3d 04h");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_cells),
		cmocka_unit_test(test_csv_reports),
		cmocka_unit_test(test_html_escaping),
		cmocka_unit_test(test_html_esc_helper),
		cmocka_unit_test(test_json_reports),
		cmocka_unit_test(test_text_width),
		cmocka_unit_test(test_text_table),
		cmocka_unit_test(test_atomic_write),
		cmocka_unit_test(test_bat_dir),
		cmocka_unit_test(test_since_last),
		cmocka_unit_test(test_since_parse),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_empty_store),
		cmocka_unit_test(test_prom_labels),
		cmocka_unit_test(test_fmt_duration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
