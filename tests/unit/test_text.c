/* Unit tests of server/text.c and server/util.c: cursors, date and
 * timestamp shapes, emails, integers, UTF-8, compact JSON and one-line
 * log messages. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "text.h"
#include "util.h"

static void
test_cursor(void)
{
	char	c[40];
	int64_t	id = 0;
	int64_t	values[] = { 0, 1, 42, 1234567890123LL, INT64_MAX };
	size_t	i;

	for (i = 0; i < NELEM(values); i++) {
		cursor_encode(values[i], c, sizeof(c));
		CHECK(strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-_") == strlen(c));
		CHECK(cursor_decode(c, &id) == 0 && id == values[i]);
	}
	CHECK(cursor_decode("", &id) == -1);
	CHECK(cursor_decode("!!!", &id) == -1);
	CHECK(cursor_decode("MTIz", &id) == -1);	/* "123": no k prefix */
	CHECK(cursor_decode("aw", &id) == -1);		/* "k" alone */
	CHECK(cursor_decode("azEyYQ", &id) == -1);	/* "k12a" */
	CHECK(cursor_decode("ay0x", &id) == -1);	/* "k-1" */
	CHECK(cursor_decode("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &id) == -1);
}

static void
test_dates(void)
{
	CHECK(date_text_valid("2026-11-27"));
	CHECK(date_text_valid("2024-02-29"));
	CHECK(date_text_valid("2000-02-29"));
	CHECK(!date_text_valid("2023-02-29"));
	CHECK(!date_text_valid("1900-02-29"));
	CHECK(!date_text_valid("2026-02-30"));
	CHECK(!date_text_valid("2026-04-31"));
	CHECK(!date_text_valid("0000-01-01"));
	CHECK(!time_text_valid("2026-02-30T10:00:00Z"));
	CHECK(!date_text_valid("2026-13-01"));
	CHECK(!date_text_valid("2026-00-10"));
	CHECK(!date_text_valid("2026-1-01"));
	CHECK(!date_text_valid("2026-01-01T00:00:00Z"));
	CHECK(!date_text_valid(""));
	CHECK(!date_text_valid(NULL));
	CHECK(time_text_valid("2026-11-27T09:30:00Z"));
	CHECK(time_text_valid("2026-11-27T09:30:00.123Z"));
	CHECK(time_text_valid("2026-11-27T09:30:00+02:00"));
	CHECK(time_text_valid("2026-11-27T09:30:00-05:30"));
	CHECK(time_text_valid("2026-11-27"));
	CHECK(!time_text_valid("2026-11-27 09:30:00Z"));
	CHECK(!time_text_valid("2026-11-27T24:00:00Z"));
	CHECK(!time_text_valid("2026-11-27T09:30:00"));
	CHECK(!time_text_valid("2026-11-27T09:30:00+0200"));
	CHECK(!time_text_valid("2026-11-27T09:30:00.Z"));
	CHECK(!time_text_valid("2026-11-27T09:30:00Zjunk"));
	CHECK(!time_text_valid("yesterday"));
}

static void
test_email(void)
{
	CHECK(email_text_valid("a.b@example.org"));
	CHECK(email_text_valid("ONE@Ministry.lt"));
	CHECK(!email_text_valid("no-at.example.org"));
	CHECK(!email_text_valid("two@@example.org"));
	CHECK(!email_text_valid("@example.org"));
	CHECK(!email_text_valid("a@example"));
	CHECK(!email_text_valid("a b@example.org"));
	CHECK(!email_text_valid("a@example.org."));
	CHECK(!email_text_valid("a@.org"));
}

static void
test_int_and_utf8(void)
{
	int64_t	v;

	CHECK(parse_int64("42", 1, 100, &v) == 0 && v == 42);
	CHECK(parse_int64("0", 1, 100, &v) == -1);
	CHECK(parse_int64("101", 1, 100, &v) == -1);
	CHECK(parse_int64("4x", 1, 100, &v) == -1);
	CHECK(parse_int64(" 4", 1, 100, &v) == -1);
	CHECK(parse_int64("", 1, 100, &v) == -1);
	CHECK(parse_int64("99999999999999999999", 1, INT64_MAX, &v) == -1);
	CHECK(utf8_valid("plain", 5));
	CHECK(utf8_valid("\xc5\xa0iauliai \xe2\x82\xac \xf0\x9f\x87\xb1", 18));
	CHECK(!utf8_valid("\xff", 1));
	CHECK(!utf8_valid("\xc0\xaf", 2));		/* overlong '/' */
	CHECK(!utf8_valid("\xed\xa0\x80", 3));		/* surrogate */
	CHECK(!utf8_valid("\xe2\x82", 2));		/* truncated */
	CHECK(!utf8_valid("\xf4\x90\x80\x80", 4));	/* past U+10FFFF */
	CHECK(!utf8_valid("a\0b", 3));
}

/* One compact JSON form, whatever wrote it; strings untouched. */
static void
test_json_squeeze(void)
{
	char	a[] = "{\"id\" : 1, \"t\" : \"a : b, c\\\" d\"}\n";
	char	b[] = "[ {\"x\" :\t[1 , 2]} ,\r\n null ]";
	char	c[] = "{\"s\":\"\\\\\", \"n\":  2}";

	CHECK(json_squeeze(a) == strlen(a));
	CHECK_STR(a, "{\"id\":1,\"t\":\"a : b, c\\\" d\"}");
	json_squeeze(b);
	CHECK_STR(b, "[{\"x\":[1,2]},null]");
	json_squeeze(c);			/* an escaped backslash ends */
	CHECK_STR(c, "{\"s\":\"\\\\\",\"n\":2}");
}

/* libpq's messages in one log line. */
static void
test_one_line(void)
{
	char	a[] = "could not connect to server: Connection refused\n"
	    "\tIs the server running on host \"x\"?\n";
	char	b[] = " \n\t ";

	one_line(a);
	CHECK_STR(a, "could not connect to server: Connection refused Is the "
	    "server running on host \"x\"?");
	one_line(b);
	CHECK_STR(b, "");
}

int
main(void)
{
	test_json_squeeze();
	test_one_line();
	test_cursor();
	test_dates();
	test_email();
	test_int_and_utf8();
	return (check_summary());
}
