/*
 * test_report.c — golden files for every report in every format, each
 * with a twin that must differ.
 *
 * Every report is rendered from the fixed store (fixture_store.c) at
 * FIXTURE_NOW and compared byte for byte with
 * $LSCRENEW_FIXTURES/reports/<name>.  LSCRENEW_UPDATE_GOLDEN=1 rewrites the
 * golden files instead (review the diff before committing them).  Each
 * twin changes the store (a phone added, one resolved, a run added),
 * renders again and checks that the output differs from the golden in the
 * expected way.
 *
 * Run as "test_report --render-html OUT.html" it only writes the fixture
 * store's HTML report to OUT.html and exits 0: the Chromium integration
 * test (tests/integration/test_html_chromium.py) uses it until the command
 * line can render reports itself.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reports/report.h"
#include "tests/unit/fixture_store.h"

enum twin {
	TWIN_ADD_AND_RESOLVE,	/* + SEP00NEWPHONE01, D405 renewed */
	TWIN_ADD,		/* + SEP00NEWPHONE01 */
	TWIN_RUN,		/* + a failed run */
	TWIN_PHONE,		/* the phone itself changes */
	TWIN_RESOLVE_BAT	/* D411 renewed */
};

struct gcase {
	const char		*file;
	enum report_kind	 kind;
	enum report_format	 format;
	enum report_since	 since;
	int64_t			 since_time;
	int			 width;
	const char		*phone;
	const char		*pool;
	enum twin		 twin;
	const char		*expect;	/* in the twin's output */
	const char		*absent;	/* not in the twin's output */
};

#define NEWNAME	"SEP00NEWPHONE01"
#define D403	"SEP00A1B2C3D403"
#define D405	"SEP00A1B2C3D405"
#define D411	"SEP00A1B2C3D411"

static const struct gcase cases[] = {
	{ "left-behind.txt", REPORT_LEFT_BEHIND, REPORT_FORMAT_TEXT, 0, 0, 0,
	  NULL, NULL, TWIN_ADD_AND_RESOLVE, NEWNAME, D405 },
	{ "left-behind.csv", REPORT_LEFT_BEHIND, REPORT_FORMAT_CSV, 0, 0, 0,
	  NULL, NULL, TWIN_ADD_AND_RESOLVE, NEWNAME, D405 },
	{ "left-behind.json", REPORT_LEFT_BEHIND, REPORT_FORMAT_JSON, 0, 0, 0,
	  NULL, NULL, TWIN_ADD_AND_RESOLVE, NEWNAME, D405 },
	{ "left-behind-wide.txt", REPORT_LEFT_BEHIND, REPORT_FORMAT_TEXT, 0,
	  0, 220, NULL, NULL, TWIN_ADD_AND_RESOLVE, NEWNAME, D405 },
	{ "left-behind-pool.txt", REPORT_LEFT_BEHIND, REPORT_FORMAT_TEXT, 0,
	  0, 0, NULL, "DP_HQ_Floor1", TWIN_ADD_AND_RESOLVE, NEWNAME, D405 },
	{ "left-behind-since-last.txt", REPORT_LEFT_BEHIND,
	  REPORT_FORMAT_TEXT, REPORT_SINCE_LAST, 0, 0, NULL, NULL,
	  TWIN_ADD_AND_RESOLVE, "Resolved (2)", NULL },
	{ "left-behind-since-last.csv", REPORT_LEFT_BEHIND, REPORT_FORMAT_CSV,
	  REPORT_SINCE_LAST, 0, 0, NULL, NULL, TWIN_ADD_AND_RESOLVE,
	  NEWNAME, NULL },
	{ "left-behind-since-last.json", REPORT_LEFT_BEHIND,
	  REPORT_FORMAT_JSON, REPORT_SINCE_LAST, 0, 0, NULL, NULL,
	  TWIN_ADD_AND_RESOLVE, "\"resolved\": 2", NULL },
	{ "left-behind-since-date.txt", REPORT_LEFT_BEHIND,
	  REPORT_FORMAT_TEXT, REPORT_SINCE_TIME, FIXTURE_MARK_TIME, 0, NULL,
	  NULL, TWIN_ADD_AND_RESOLVE, "7 new, 4 still open, 2 resolved",
	  NULL },
	{ "summary.txt", REPORT_SUMMARY, REPORT_FORMAT_TEXT, 0, 0, 0, NULL,
	  NULL, TWIN_ADD, "25 phones", NULL },
	{ "summary.csv", REPORT_SUMMARY, REPORT_FORMAT_CSV, 0, 0, 0, NULL,
	  NULL, TWIN_ADD, "hq,hq-desk,DP_HQ_Floor1,12,", NULL },
	{ "summary.json", REPORT_SUMMARY, REPORT_FORMAT_JSON, 0, 0, 0, NULL,
	  NULL, TWIN_ADD, "\"phones\": 25", NULL },
	{ "forecast.txt", REPORT_FORECAST, REPORT_FORMAT_TEXT, 0, 0, 0, NULL,
	  NULL, TWIN_ADD, NULL, NULL },
	{ "forecast.csv", REPORT_FORECAST, REPORT_FORMAT_CSV, 0, 0, 0, NULL,
	  NULL, TWIN_ADD, NULL, NULL },
	{ "forecast.json", REPORT_FORECAST, REPORT_FORMAT_JSON, 0, 0, 0, NULL,
	  NULL, TWIN_ADD, NULL, NULL },
	{ "history.txt", REPORT_HISTORY, REPORT_FORMAT_TEXT, 0, 0, 0, NULL,
	  NULL, TWIN_RUN, "hq unreachable", NULL },
	{ "history.csv", REPORT_HISTORY, REPORT_FORMAT_CSV, 0, 0, 0, NULL,
	  NULL, TWIN_RUN, "hq unreachable", NULL },
	{ "history.json", REPORT_HISTORY, REPORT_FORMAT_JSON, 0, 0, 0, NULL,
	  NULL, TWIN_RUN, "\"error\": \"hq unreachable\"", NULL },
	{ "phone.txt", REPORT_PHONE, REPORT_FORMAT_TEXT, 0, 0, 0, D403, NULL,
	  TWIN_PHONE, "10.9.9.9", NULL },
	{ "phone.csv", REPORT_PHONE, REPORT_FORMAT_CSV, 0, 0, 0, D403, NULL,
	  TWIN_PHONE, "left_behind", NULL },
	{ "phone.json", REPORT_PHONE, REPORT_FORMAT_JSON, 0, 0, 0, D403, NULL,
	  TWIN_PHONE, "\"last_ip\": \"10.9.9.9\"", NULL },
	{ "metrics.prom", REPORT_METRICS, REPORT_FORMAT_PROM, 0, 0, 0, NULL,
	  NULL, TWIN_ADD, "pool=\"DP_HQ_Floor1\",state=\"left_behind\"} 3",
	  NULL },
	{ "bat.txt", REPORT_BAT, REPORT_FORMAT_BAT, 0, 0, 0, NULL, NULL,
	  TWIN_RESOLVE_BAT, NULL, D411 },
	{ "report.html", REPORT_SUMMARY, REPORT_FORMAT_HTML, 0, 0, 0, NULL,
	  NULL, TWIN_ADD_AND_RESOLVE, NEWNAME, NULL },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* ---- helpers ------------------------------------------------------------------- */

static struct report_opts
opts_of(const struct gcase *c)
{
	struct report_opts o;

	report_opts_init(&o);
	o.kind = c->kind;
	o.format = c->format;
	o.now = FIXTURE_NOW;
	o.since = c->since;
	o.since_time = c->since_time;
	o.width = c->width;
	o.phone = c->phone;
	o.pool = c->pool;
	o.save_mark = 0;
	return o;
}

/* Renders into a NUL-terminated string the caller frees. */
static char *
render(struct store *s, const struct report_opts *o, size_t *len)
{
	struct lsc_err e;
	char *data = NULL;
	size_t n = 0;
	FILE *f;

	err_clear(&e);
	f = open_memstream(&data, &n);
	assert_non_null(f);
	if (report_render(s, o, f, &e) == -1)
		fail_msg("report_render: %s", e.msg);
	assert_int_equal(fclose(f), 0);
	if (len != NULL)
		*len = n;
	return data;
}

static char *
golden_path(const char *name)
{
	const char *dir = getenv("LSCRENEW_FIXTURES");
	char *p;
	size_t len;

	if (dir == NULL)
		dir = "tests/fixtures";
	len = strlen(dir) + strlen(name) + 16;
	p = malloc(len);
	assert_non_null(p);
	snprintf(p, len, "%s/reports/%s", dir, name);
	return p;
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f;
	char *data;
	long n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	data[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return data;
}

static int
updating(void)
{
	const char *u = getenv("LSCRENEW_UPDATE_GOLDEN");

	return u != NULL && strcmp(u, "1") == 0;
}

/* Says where two outputs first differ, line by line. */
static void
show_difference(const char *name, const char *want, const char *got)
{
	int line = 1;
	const char *w = want, *g = got;

	while (*w != '\0' && *w == *g) {
		if (*w == '\n')
			line++;
		w++;
		g++;
	}
	while (w > want && w[-1] != '\n')
		w--;
	g = got + (w - want);
	print_error("%s: first difference at line %d\n  golden: %.*s\n"
	    "  output: %.*s\n", name, line, (int)strcspn(w, "\n"), w,
	    (int)strcspn(g, "\n"), g);
}

static void
check_golden(const char *name, const char *data, size_t len)
{
	char *path = golden_path(name), *want;
	size_t wlen = 0;
	FILE *f;

	if (updating()) {
		if ((f = fopen(path, "wb")) == NULL)
			print_error("%s: %s\n", path, strerror(errno));
		assert_non_null(f);
		assert_int_equal(fwrite(data, 1, len, f), len);
		assert_int_equal(fclose(f), 0);
		free(path);
		return;
	}
	want = read_file(path, &wlen);
	if (want == NULL)
		fail_msg("%s: %s (make it with LSCRENEW_UPDATE_GOLDEN=1)", path,
		    strerror(errno));
	if (wlen != len || memcmp(want, data, len) != 0) {
		show_difference(name, want, data);
		fail_msg("%s differs from its golden file", name);
	}
	free(want);
	free(path);
}

static void
apply_twin(struct store *s, enum twin t)
{
	struct lsc_err e;
	int rc = 0;

	err_clear(&e);
	switch (t) {
	case TWIN_ADD_AND_RESOLVE:
		rc = fixture_add_left_behind(s, "hq", NEWNAME, "DP_HQ_Floor1",
		    9, "Added for the twin", &e);
		if (rc == 0)
			rc = fixture_resolve(s, "hq", D405, &e);
		break;
	case TWIN_ADD:
		rc = fixture_add_left_behind(s, "hq", NEWNAME, "DP_HQ_Floor1",
		    40, "Added for the twin", &e);
		break;
	case TWIN_RUN:
		rc = fixture_add_run(s, 3, "hq unreachable", &e);
		break;
	case TWIN_PHONE:
		rc = fixture_add_left_behind(s, "hq", D403, "DP_HQ_Floor1", 5,
		    "Meeting room 1.10", &e);
		break;
	case TWIN_RESOLVE_BAT:
		rc = fixture_resolve(s, "hq", D411, &e);
		break;
	}
	if (rc == -1)
		fail_msg("twin: %s", e.msg);
}

/* ---- the tests ------------------------------------------------------------------ */

static void
test_golden(void **state)
{
	const struct gcase *c = *state;
	struct report_opts o = opts_of(c);
	struct lsc_err e;
	struct store *s;
	char *out, *again;
	size_t len, len2;

	err_clear(&e);
	if ((s = fixture_store_new(&e)) == NULL)
		fail_msg("fixture: %s", e.msg);
	out = render(s, &o, &len);
	check_golden(c->file, out, len);

	/* deterministic: the same store renders the same bytes */
	again = render(s, &o, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(out, again, len);
	free(again);

	/* the twin */
	apply_twin(s, c->twin);
	again = render(s, &o, &len2);
	if (len == len2 && memcmp(out, again, len) == 0)
		fail_msg("%s: the twin renders the same bytes", c->file);
	if (c->expect != NULL && strstr(again, c->expect) == NULL)
		fail_msg("%s: the twin lacks \"%s\"", c->file, c->expect);
	if (c->absent != NULL && strstr(again, c->absent) != NULL)
		fail_msg("%s: the twin still has \"%s\"", c->file, c->absent);
	if (c->absent != NULL && strstr(out, c->absent) == NULL)
		fail_msg("%s: \"%s\" is not in the golden output either",
		    c->file, c->absent);
	free(again);
	free(out);
	store_close(s);
}

/* The golden outputs hold what the fixture promises. */
static void
test_fixture_numbers(void **state)
{
	struct report_result r;
	struct report_opts o;
	struct lsc_err e;
	struct store *s;
	char *out;

	(void)state;
	err_clear(&e);
	if ((s = fixture_store_new(&e)) == NULL)
		fail_msg("fixture: %s", e.msg);
	report_opts_init(&o);
	o.now = FIXTURE_NOW;
	o.save_mark = 0;
	o.result = &r;
	o.format = REPORT_FORMAT_JSON;
	free(render(s, &o, NULL));
	assert_int_equal(r.rows, FIXTURE_LEFT_BEHIND);

	o.since = REPORT_SINCE_LAST;
	free(render(s, &o, NULL));
	assert_true(r.previous_found);
	assert_int_equal(r.added, FIXTURE_LB_NEW);
	assert_int_equal(r.still_open, FIXTURE_LB_STILL_OPEN);
	assert_int_equal(r.resolved, FIXTURE_LB_RESOLVED);

	o.since = REPORT_SINCE_NONE;
	o.kind = REPORT_BAT;
	o.format = REPORT_FORMAT_BAT;
	free(render(s, &o, NULL));
	assert_int_equal(r.rows, FIXTURE_BAT);

	o.kind = REPORT_HISTORY;
	o.format = REPORT_FORMAT_CSV;
	free(render(s, &o, NULL));
	assert_int_equal(r.rows, FIXTURE_RUNS);

	/* most urgent first: the longest expired, ..., no LSC last */
	o.kind = REPORT_LEFT_BEHIND;
	o.format = REPORT_FORMAT_TEXT;
	out = render(s, &o, NULL);
	assert_true(strstr(out, "SEP00A1B2C3D40A") < strstr(out,
	    "SEP00A1B2C3D414"));
	assert_true(strstr(out, "SEP00A1B2C3D414") < strstr(out,
	    "SEP00A1B2C3D406"));
	assert_true(strstr(out, "SEP00B1B2C3D423") < strstr(out, D405));
	assert_true(strstr(out, "SEP00A1B2C3D411") < strstr(out,
	    "SEP00B1B2C3D420"));
	assert_true(strstr(out, "SEP00B1B2C3D420") < strstr(out,
	    "SEP00A1B2C3D412"));
	/* in flight and renewed phones are not left behind; the overdue
	 * pending one is */
	assert_null(strstr(out, "SEP00A1B2C3D408"));
	assert_null(strstr(out, "SEP00A1B2C3D417"));
	assert_null(strstr(out, D403));
	assert_non_null(strstr(out, "SEP00A1B2C3D409"));
	free(out);
	store_close(s);
}

/* ---- --render-html ---------------------------------------------------------------- */

static int
render_html(const char *path)
{
	struct report_opts o;
	struct lsc_err e;
	struct store *s;

	err_clear(&e);
	if ((s = fixture_store_new(&e)) == NULL) {
		fprintf(stderr, "test_report: fixture: %s\n", e.msg);
		return 1;
	}
	report_opts_init(&o);
	o.kind = REPORT_SUMMARY;
	o.format = REPORT_FORMAT_HTML;
	o.now = FIXTURE_NOW;
	if (report_write_file(s, &o, path, &e) == -1) {
		fprintf(stderr, "test_report: %s\n", e.msg);
		store_close(s);
		return 1;
	}
	store_close(s);
	return 0;
}

int
main(int argc, char **argv)
{
	struct CMUnitTest tests[NCASES + 1];
	size_t i;

	if (argc == 3 && strcmp(argv[1], "--render-html") == 0)
		return render_html(argv[2]);
	memset(tests, 0, sizeof(tests));
	for (i = 0; i < NCASES; i++) {
		tests[i].name = cases[i].file;
		tests[i].test_func = test_golden;
		tests[i].initial_state = (void *)(uintptr_t)&cases[i];
	}
	tests[i].name = "fixture_numbers";
	tests[i].test_func = test_fixture_numbers;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
