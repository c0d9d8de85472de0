/*
 * test_buf.c — the byte buffer and its XML/SQL escaping, the error record,
 * and the clock's backoff.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "axl/base/buf.h"
#include "axl/base/clock.h"
#include "axl/base/err.h"
#include "axl/base/json.h"
#include "axl/base/utf8.h"
#include "tests/unit/fake_http.h"

static void
test_buf_grows(void **state)
{
	struct buf b = BUF_INIT;
	char	*s;
	int	 i;

	(void)state;
	for (i = 0; i < 1000; i++)
		assert_int_equal(buf_printf(&b, "%d,", i), 0);
	assert_int_equal(b.len, strlen(b.data));
	assert_true(b.cap > b.len);
	assert_int_equal(strncmp(b.data, "0,1,2,", 6), 0);
	assert_non_null(strstr(b.data, ",999,"));
	assert_int_equal(buf_append(&b, "\0x", 2), 0);
	assert_int_equal(b.data[b.len], '\0');
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	buf_puts(&b, "kept");
	s = buf_take(&b);
	assert_string_equal(s, "kept");
	assert_null(b.data);
	free(s);
	/* An untouched buffer still gives a string. */
	s = buf_take(&b);
	assert_string_equal(s, "");
	free(s);
	buf_free(&b, 1);
	buf_free(&b, 0);
}

static void
test_buf_sticky_failure(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_puts(&b, "<a>");
	assert_int_equal(buf_put_xml(&b, "bad\x01"), -1);
	assert_true(buf_failed(&b));
	assert_int_equal(buf_puts(&b, "more"), -1);
	assert_int_equal(buf_printf(&b, "%d", 1), -1);
	assert_null(buf_take(&b));		/* a failed buffer is no data */
	buf_puts(&b, "x");
	buf_reset(&b);
	assert_false(buf_failed(&b));
	assert_int_equal(buf_puts(&b, "fresh"), 0);
	assert_string_equal(b.data, "fresh");
	buf_free(&b, 1);
}

static void
test_buf_xml(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(buf_put_xml(&b, "SEP001122334455"), 0);
	assert_int_equal(buf_put_xml(&b, " & <b> \"q\" 'a' "), 0);
	assert_int_equal(buf_put_xml(&b, "Müller 東京 😀"), 0);
	assert_int_equal(buf_put_xml(&b, "\t\n\r"), 0);
	assert_string_equal(b.data, "SEP001122334455 &amp; &lt;b&gt; "
	    "&quot;q&quot; &apos;a&apos; Müller 東京 😀&#9;&#10;&#13;");
	buf_free(&b, 0);
}

static void
test_utf8_xml_valid(void **state)
{
	static const char *const good[] = {
		"", "plain", "é", "東京", "😀", "\t\n\r", "\xc2\x80",
		"\xef\xbf\xbd", "\xf4\x8f\xbf\xbf",
	};
	static const char *const bad[] = {
		"\x01", "\x1f", "\x7f\x80", "\xc0\x80", "\xc1\xbf",
		"\xe0\x80\x80", "\xed\xa0\x80", "\xed\xbf\xbf",
		"\xef\xbf\xbe", "\xef\xbf\xbf", "\xf0\x80\x80\x80",
		"\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\xe2\x82",
		"\xe2\x28\xa1",
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!utf8_xml_valid(good[i], strlen(good[i])))
			fail_msg("refused good[%zu]", i);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (utf8_xml_valid(bad[i], strlen(bad[i])))
			fail_msg("accepted bad[%zu]", i);
	/* A NUL inside the given length is a control character. */
	assert_false(utf8_xml_valid("a\0b", 3));
}

static void
test_buf_sql_literal(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "''" },
		{ "HQ Phones", "'HQ Phones'" },
		{ "O'Brien", "'O''Brien'" },
		{ "'", "''''" },
		{ "x'; DROP TABLE device; --", "'x''; DROP TABLE device; --'" },
		{ "a\\'b", "'a\\''b'" },
		{ "back\\slash\\", "'back\\slash\\'" },
		{ "Zürich \"DP\" %_", "'Zürich \"DP\" %_'" },
	};
	static const char *const bad[] = {
		"tab\there", "new\nline", "cr\r", "del\x7f", "bad\xc3",
		"esc\x1b",
	};
	struct buf b = BUF_INIT;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&b);
		assert_int_equal(buf_put_sql_literal(&b, cases[i].in), 0);
		assert_string_equal(b.data, cases[i].out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&b);
		assert_int_equal(buf_put_sql_literal(&b, bad[i]), -1);
		assert_true(buf_failed(&b));
	}
	buf_free(&b, 0);
}

/* Text for a terminal: controls, C1 and bidirectional controls never pass. */
static void
test_buf_text(void **state)
{
	static const char in[] = "a\x1b[1mb\x7f\xc2\x9b\xe2\x80\xae" "c\xff"
	    "\xd8\x9c\xe2\x80\x8e\xe2\x81\xa6\xe2\x81\xa9 nul\0end "
	    "\xef\xbf\xbd \xc3\xa9";
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(buf_put_text(&b, in, sizeof(in) - 1), 0);
	assert_string_equal(b.data, "a?[1mb???c\xef\xbf\xbd???? nul?end "
	    "\xef\xbf\xbd \xc3\xa9");
	buf_free(&b, 0);
	assert_true(utf8_unsafe(0x85));
	assert_true(utf8_unsafe(0x202e));
	assert_false(utf8_unsafe(0xa0));
	assert_false(utf8_unsafe(0x2028));
}

/* JSON strings: the same characters escaped, so a terminal sees none. */
static void
test_buf_json(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	json_quote(&b, "ctl\x01\x1f\x7f tab\t nl\n cr\r q\" bs\\ /"
	    " \xc3\xa9 \xe2\x80\xa8 \xc2\x85 bad\xff end \xef\xbf\xbd "
	    "bidi\xe2\x80\xae\xe2\x81\xa7");
	assert_string_equal(b.data, "\"ctl\\u0001\\u001f\\u007f tab\\t nl\\n"
	    " cr\\r q\\\" bs\\\\ / \xc3\xa9 \\u2028 \\u0085 bad\\ufffd end "
	    "\xef\xbf\xbd bidi\\u202e\\u2067\"");
	buf_reset(&b);
	json_quote(&b, NULL);
	assert_string_equal(b.data, "null");
	buf_free(&b, 0);
}

/* The time module: UTC formats, whole days rounded down, months, timegm. */
static void
test_clock_calendar(void **state)
{
	const int64_t now = 1750053600;	/* 2025-06-16 06:00 UTC */
	char b[64];

	(void)state;
	assert_string_equal(clock_fmt(CLOCK_RFC3339, "", now, b, sizeof(b)),
	    "2025-06-16T06:00:00Z");
	assert_string_equal(clock_fmt(CLOCK_MINUTE, "", 1709164800, b,
	    sizeof(b)), "2024-02-29 00:00");
	assert_string_equal(clock_fmt(CLOCK_DATE, "", 951782400, b,
	    sizeof(b)), "2000-02-29");
	assert_string_equal(clock_fmt(CLOCK_SECONDS, "", 4102444799, b,
	    sizeof(b)), "2099-12-31 23:59:59");
	assert_string_equal(clock_fmt(CLOCK_UTC, "never", now, b, sizeof(b)),
	    "2025-06-16 06:00 UTC");
	assert_string_equal(clock_fmt(CLOCK_DATE, "", 0, b, sizeof(b)), "");
	assert_string_equal(clock_fmt(CLOCK_UTC, "never", -5, b, sizeof(b)),
	    "never");
	assert_int_equal(clock_days(now + 86399, now), 0);
	assert_int_equal(clock_days(now + 86400, now), 1);
	assert_int_equal(clock_days(now - 1, now), -1);
	assert_int_equal(clock_days(now - 86400, now), -1);
	assert_int_equal(clock_days(now - 86401, now), -2);
	for (long m = clock_month(1); m < clock_month(1) + 1200; m += 7)
		assert_int_equal(clock_month(clock_month_start(m)), m);
	assert_string_equal(clock_fmt(CLOCK_MONTH, "", clock_month_start(
	    clock_month(now) + 23), b, sizeof(b)), "2027-05");
	assert_int_equal(clock_timegm(2025, 2, 29, 0, 0, 0), -1);
	assert_int_equal(clock_timegm(2024, 2, 29, 0, 0, 0), 1709164800);
	assert_int_equal(clock_timegm(2025, 4, 31, 0, 0, 0), -1);
	assert_int_equal(clock_timegm(2025, 6, 16, 24, 0, 0), -1);
	assert_int_equal(clock_timegm(1969, 12, 31, 0, 0, 0), -1);
	assert_int_equal(clock_timegm(2025, 6, 16, 6, 0, 0), now);
}

/* The UTF-8 module: decoding, cutting at a boundary, display width. */
static void
test_utf8(void **state)
{
	uint32_t cp;

	(void)state;
	assert_int_equal(utf8_next("\xc3\xa9", &cp), 2);
	assert_int_equal(cp, 0xe9);
	assert_int_equal(utf8_next("\xe2\x80\xa6", &cp), 3);
	assert_int_equal(cp, 0x2026);
	assert_int_equal(utf8_next("\xf0\x9f\x93\x9e", &cp), 4);
	assert_int_equal(cp, 0x1f4de);
	assert_int_equal(utf8_next("\xc0\xaf", &cp), 1);	/* overlong */
	assert_int_equal(cp, 0xfffd);
	assert_int_equal(utf8_next("\xed\xa0\x80", &cp), 3); /* surrogate */
	assert_int_equal(cp, 0xfffd);
	assert_int_equal(utf8_next("\xe2\x80", &cp), 2);	/* cut */
	assert_int_equal(cp, 0xfffd);
	/* a cut never splits a character; a sequence cut short is left out */
	assert_int_equal(utf8_cut("ab\xc3\xa9", 4, 3), 2);
	assert_int_equal(utf8_cut("ab\xc3\xa9", 4, 4), 4);
	assert_int_equal(utf8_cut("ab\xe2\x80", 4, 10), 2);
	assert_int_equal(utf8_cut("\xf0\x9f\x93\x9e!", 5, 4), 4);
	assert_int_equal(utf8_cut("\xf0\x9f\x93\x9e!", 5, 3), 0);
	assert_int_equal(utf8_cut("abc", 3, 0), 0);
	/* display width: CJK two columns, combining marks none */
	assert_int_equal(utf8_width("abc"), 3);
	assert_int_equal(utf8_width("M\xc3\xbc" "nchen S\xc3\xbc" "d"), 11);
	assert_int_equal(utf8_width("\xe6\x9d\xb1\xe4\xba\xac"), 4);
	assert_int_equal(utf8_width("e\xcc\x81"), 1);
	assert_int_equal(utf8_width("\xea\xb0\x80\xe3\x81\x8b\xe3\x82\x99"),
	    4);
}

/* The writer: indented for the reports, one line for the command line. */
static void
test_json_writer(void **state)
{
	struct buf b = BUF_INIT;
	struct json j;

	(void)state;
	json_init(&j, &b, 1);
	json_obj(&j, NULL);
	json_int(&j, "n", -3);
	json_time(&j, "at", 1750053600);
	json_time(&j, "never", 0);
	json_arr(&j, "a");
	json_str(&j, NULL, "x\n");
	json_bool(&j, NULL, 1);
	json_end(&j);
	json_finish(&j);
	assert_string_equal(b.data, "{\"n\":-3,\"at\":\"2025-06-16T06:00:00Z\","
	    "\"never\":null,\"a\":[\"x\\n\",true]}\n");
	buf_reset(&b);
	json_init(&j, &b, 0);
	json_obj(&j, NULL);
	json_arr_inline(&j, "m");
	json_int(&j, NULL, 1);
	json_int(&j, NULL, 2);
	json_end(&j);
	json_finish(&j);
	assert_string_equal(b.data, "{\n  \"m\": [1, 2]\n}\n");
	buf_reset(&b);
	json_init(&j, &b, 1);
	json_end(&j);		/* nothing open */
	assert_true(buf_failed(&b));
	buf_free(&b, 0);
}

static void
test_err_record(void **state)
{
	struct lsc_err e;
	char	 long_msg[700];
	int	 k;

	(void)state;
	err_clear(&e);
	assert_int_equal(e.kind, ERR_NONE);
	assert_int_equal(e.retry_after, -1);
	assert_string_equal(e.msg, "");
	assert_int_equal(err_set(&e, ERR_FAULT, "%s: %s", "updatePhone",
	    "line one\nline\ttwo\r"), -1);
	assert_int_equal(e.kind, ERR_FAULT);
	assert_string_equal(e.msg, "updatePhone: line one line two ");
	assert_int_equal(err_prefix(&e, "%s", "SEP001122334455"), -1);
	assert_string_equal(e.msg, "SEP001122334455: updatePhone: line one "
	    "line two ");
	/* C1 and bidirectional controls from a faultstring, bytes that
	 * are not UTF-8: nothing a terminal would act on */
	err_set(&e, ERR_FAULT, "a\xc2\x9b" "2Jb\xe2\x80\xae" "c\x9b" "d\xc3\xa9");
	assert_string_equal(e.msg, "a 2Jb c?d\xc3\xa9");
	assert_int_equal(err_set(NULL, ERR_FAULT, "x"), -1);
	assert_int_equal(err_prefix(NULL, "x"), -1);
	err_clear(NULL);

	/* Truncation never leaves half a character. */
	memset(long_msg, 0, sizeof(long_msg));
	for (k = 0; k < 340; k++)
		memcpy(long_msg + 2 * k, "é", 2);
	err_set(&e, ERR_PARSE, "xy%s", long_msg);
	assert_int_equal(strlen(e.msg), LSC_ERR_MSGLEN - 2);
	assert_true(utf8_xml_valid(e.msg, strlen(e.msg)));
	err_prefix(&e, "SEP001122334455");
	assert_true(strlen(e.msg) < LSC_ERR_MSGLEN);
	assert_true(utf8_xml_valid(e.msg, strlen(e.msg)));
	assert_int_equal(strncmp(e.msg, "SEP001122334455: xyé", 21), 0);
}

static void
test_err_kinds(void **state)
{
	int	 k, j;

	(void)state;
	for (k = 0; k < ERR__MAX; k++) {
		assert_string_not_equal(err_kind_name(k), "unknown");
		for (j = 0; j < k; j++)
			assert_string_not_equal(err_kind_name(k),
			    err_kind_name(j));
	}
	assert_string_equal(err_kind_name(ERR__MAX), "unknown");
	assert_string_equal(err_kind_name(ERR_THROTTLED), "throttled");
}

static void
test_backoff(void **state)
{
	struct fake_clock fc;
	int	 a;

	(void)state;
	fake_clock_init(&fc);
	fc.rnd = 0.0;
	for (a = 0; a < 10; a++)
		assert_int_equal(clock_backoff_ms(&fc.c, a, 2000, 30000), 1000);
	fc.rnd = 0.999999;
	assert_int_equal(clock_backoff_ms(&fc.c, 0, 2000, 30000), 1999);
	assert_int_equal(clock_backoff_ms(&fc.c, 1, 2000, 30000), 3999);
	assert_int_equal(clock_backoff_ms(&fc.c, 3, 2000, 30000), 15999);
	assert_int_equal(clock_backoff_ms(&fc.c, 4, 2000, 30000), 29999);
	assert_int_equal(clock_backoff_ms(&fc.c, 1000, 2000, 30000), 29999);
	assert_int_equal(clock_backoff_ms(&fc.c, 2147483647, INT64_MAX / 4,
	    INT64_MAX), INT64_MAX / 8 + (int64_t)((double)(INT64_MAX -
	    INT64_MAX / 8) * 0.999999));
	assert_int_equal(clock_backoff_ms(&fc.c, 3, 0, 30000), 0);

	clock_sleep(&fc.c, 250);
	clock_sleep(&fc.c, 0);
	clock_sleep(&fc.c, -5);
	assert_int_equal(fc.nsleeps, 1);
	assert_int_equal(fc.c.slept_ms, 250);
}

static void
test_real_clock(void **state)
{
	struct lsc_clock *c = clock_real();
	int64_t	 t0, t1;
	double	 r;
	int	 i;

	(void)state;
	assert_ptr_equal(c, clock_real());
	t0 = c->mono_ms(c);
	t1 = c->mono_ms(c);
	assert_true(t1 >= t0);
	for (i = 0; i < 1000; i++) {
		r = c->random(c);
		assert_true(r >= 0.0 && r < 1.0);
	}
	clock_sleep(c, 1);
	assert_int_equal(c->slept_ms, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_grows),
		cmocka_unit_test(test_buf_sticky_failure),
		cmocka_unit_test(test_buf_xml),
		cmocka_unit_test(test_utf8_xml_valid),
		cmocka_unit_test(test_buf_sql_literal),
		cmocka_unit_test(test_buf_text),
		cmocka_unit_test(test_buf_json),
		cmocka_unit_test(test_json_writer),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_clock_calendar),
		cmocka_unit_test(test_err_record),
		cmocka_unit_test(test_err_kinds),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_real_clock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
