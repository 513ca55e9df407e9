/*
 * Unit tests of csv.c: RFC 4180 quoting (comma, quote, CR, LF), rows ended
 * by CRLF, empty and NULL cells, UTF-8 passed through, and the formula
 * injection prefix for = + - @ TAB CR (inside the quotes when quoted).
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
	CHECK_STR(cell("\tx"), "'\tx");
	CHECK_STR(cell("=HYPERLINK(\"http://x\",\"y\")"),
	    "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
	CHECK_STR(cell("\rx"), "\"'\rx\"");
	/* Only the first character matters. */
	CHECK_STR(cell("a=b"), "a=b");
	CHECK_STR(cell("x-y@z"), "x-y@z");
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
	test_row();
	buf_free(&b);
	return (check_summary());
}
