/*
 * Unit tests of csv.c: RFC 4180 quoting (comma, quote, CR, LF), rows ended
 * by CRLF, empty and NULL cells, UTF-8 passed through, and the formula
 * injection prefix for = + - @ TAB CR (inside the quotes when quoted);
 * issue 18: ';' and TAB quoted, the prefix past blanks and invisible or
 * fullwidth forms, and after every separator inside a cell.
 */
#include <stdlib.h>

#include "check.h"
#include "csv.h"

static struct buf	b;

static char *
cell(const char *s)
{
	b.len = 0;
	buf_append(&b, "", 0);		/* terminates the empty buffer */
	csv_cell(&b, s);
	return (b.data);
}

static void
test_plain(void)
{
	CHECK_STR(cell("Anna Muster"), "Anna Muster");
	CHECK_STR(cell(""), "");
	CHECK_STR(cell(NULL), "");
	CHECK_STR(cell("Zoë Łukasiewicz"), "Zoë Łukasiewicz");
	CHECK_STR(cell("2026-11-27T09:30:00Z"), "2026-11-27T09:30:00Z");
	CHECK_STR(cell("it's"), "it's");
}

static void
test_quoting(void)
{
	CHECK_STR(cell("Doe, Jane"), "\"Doe, Jane\"");
	CHECK_STR(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
	CHECK_STR(cell("\""), "\"\"\"\"");
	CHECK_STR(cell("two\nlines"), "\"two\nlines\"");
	CHECK_STR(cell("cr\rhere"), "\"cr\rhere\"");
	CHECK_STR(cell("a\r\nb"), "\"a\r\nb\"");
}

static void
test_neutralise(void)
{
	CHECK_STR(cell("=1+2"), "'=1+2");
	CHECK_STR(cell("+49 30"), "'+49 30");
	CHECK_STR(cell("-x"), "'-x");
	CHECK_STR(cell("@SUM(A1)"), "'@SUM(A1)");
	CHECK_STR(cell("\tx"), "\"'\tx\"");
	CHECK_STR(cell("=HYPERLINK(\"http://x\",\"y\")"),
	    "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
	CHECK_STR(cell("\rx"), "\"'\rx\"");
	/* Only the first character matters. */
	CHECK_STR(cell("a=b"), "a=b");
	CHECK_STR(cell("x-y@z"), "x-y@z");
}

/* Issue 18: ';' and TAB split cells in other locales, and spreadsheets
 * skip blanks and invisible characters before a formula sign. */
static void
test_issue18(void)
{
	CHECK_STR(cell("a;=1+2"), "\"a;'=1+2\"");
	CHECK_STR(cell("a; b"), "\"a; b\"");
	CHECK_STR(cell("a;\xc2\xa0@x"), "\"a;'\xc2\xa0@x\"");
	CHECK_STR(cell("x\n=cmd"), "\"x\n'=cmd\"");
	CHECK_STR(cell("a,\"=1\""), "\"a,'\"\"=1\"\"\"");
	CHECK_STR(cell("x\t-1"), "\"x\t'-1\"");
	CHECK_STR(cell("x\ty"), "\"x\ty\"");
	CHECK_STR(cell("\n=1+2"), "\"'\n'=1+2\"");
	CHECK_STR(cell(" =1+2"), "' =1+2");
	CHECK_STR(cell("\xc2\xa0=1"), "'\xc2\xa0=1");		/* NBSP */
	CHECK_STR(cell("\xe2\x80\x8b=1"), "'\xe2\x80\x8b=1");	/* ZWSP */
	CHECK_STR(cell("\xef\xbb\xbf+1"), "'\xef\xbb\xbf+1");	/* BOM */
	CHECK_STR(cell("\xef\xbc\x9d" "1+2"), "'\xef\xbc\x9d" "1+2");	/* ＝ */
	CHECK_STR(cell("\xef\xbc\x8b" "1"), "'\xef\xbc\x8b" "1");	/* ＋ */
	CHECK_STR(cell("\xef\xbc\x8d" "1"), "'\xef\xbc\x8d" "1");	/* － */
	CHECK_STR(cell("\xef\xbc\xa0x"), "'\xef\xbc\xa0x");	/* ＠ */
	CHECK_STR(cell("\xe2\x88\x92" "1"), "'\xe2\x88\x92" "1");	/* − */
	CHECK_STR(cell("\xe3\x80\x80@x"), "'\xe3\x80\x80@x");	/* U+3000 */
	CHECK_STR(cell("  "), "  ");
	CHECK_STR(cell("\xc2\xa0" "Anna"), "\xc2\xa0" "Anna");
	CHECK_STR(cell("\xff=1"), "\xff=1");	/* not UTF-8: not skipped */
	CHECK(!csv_formula_like("Anna"));
	CHECK(csv_formula_like("\xe2\x80\x8b\xc2\xa0 -1"));
}

static void
test_row(void)
{
	struct buf		 row = { 0 };
	const char *const	 cells[] = { "1", "Doe, Jane", NULL, "=cmd" };

	csv_row(&row, cells, 4);
	CHECK_STR(row.data, "1,\"Doe, Jane\",,'=cmd\r\n");
	csv_row(&row, cells, 1);
	CHECK_STR(row.data, "1,\"Doe, Jane\",,'=cmd\r\n1\r\n");
	buf_free(&row);
}

int
main(void)
{
	test_plain();
	test_quoting();
	test_neutralise();
	test_issue18();
	test_row();
	buf_free(&b);
	return (check_summary());
}
