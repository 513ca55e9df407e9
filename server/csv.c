/*
 * CSV cells and rows (csv.h): RFC 4180 quoting plus the OWASP advice on
 * CSV injection (prefix a quote to cells a spreadsheet would take for a
 * formula). Everything a records export writes goes through here.
 */
#include <string.h>

#include "csv.h"

static int
csv_formula_start(char c)
{
	return (c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' ||
	    c == '\r');
}

void
csv_cell(struct buf *b, const char *s)
{
	const char	*p;
	int		 quote;

	if (s == NULL || *s == '\0')
		return;
	quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		buf_append(b, "\"", 1);
	if (csv_formula_start(*s))
		buf_append(b, "'", 1);
	if (!quote) {
		buf_append(b, s, strlen(s));
		return;
	}
	/* Copy the runs between double quotes, doubling each quote. */
	while ((p = strchr(s, '"')) != NULL) {
		buf_append(b, s, (size_t)(p - s) + 1);
		buf_append(b, "\"", 1);
		s = p + 1;
	}
	buf_append(b, s, strlen(s));
	buf_append(b, "\"", 1);
}

void
csv_row(struct buf *b, const char *const *cells, int n)
{
	int	i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_append(b, ",", 1);
		csv_cell(b, cells[i]);
	}
	buf_append(b, "\r\n", 2);
}
