/*
 * CSV cells and rows (csv.h): RFC 4180 quoting plus the OWASP advice on
 * CSV injection (prefix a quote to cells a spreadsheet would take for a
 * formula). Everything a records export writes goes through here.
 * Spreadsheets split on ';' in many locales and on TAB when pasting, and
 * skip blanks and invisible characters before they look for a formula, so
 * both the quoting and the formula check consider those too.
 */
#include <string.h>

#include "csv.h"

/* The code point at s (n bytes of it in *len), or -1 when not UTF-8. */
static long
utf8_at(const unsigned char *s, size_t *len)
{
	if (s[0] < 0x80) {
		*len = 1;
		return (s[0]);
	}
	if ((s[0] & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80) {
		*len = 2;
		return (((long)(s[0] & 0x1f) << 6) | (s[1] & 0x3f));
	}
	if ((s[0] & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 &&
	    (s[2] & 0xc0) == 0x80) {
		*len = 3;
		return (((long)(s[0] & 0x0f) << 12) | ((long)(s[1] & 0x3f) << 6) |
		    (s[2] & 0x3f));
	}
	*len = 1;
	return (-1);
}

/* Blank or invisible: what a spreadsheet skips before a formula sign. */
static int
ignorable(long c)
{
	return (c == ' ' || (c >= 0x09 && c <= 0x0d) || c == 0xa0 ||
	    c == 0xad || c == 0x1680 || c == 0x180e ||
	    (c >= 0x2000 && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f) ||
	    (c >= 0x205f && c <= 0x2064) || c == 0x3000 || c == 0xfeff);
}

/* Formula signs, with their fullwidth, small and minus-sign forms. */
static int
formula_sign(long c)
{
	return (c == '=' || c == '+' || c == '-' || c == '@' || c == 0x2212 ||
	    c == 0xff1d || c == 0xff0b || c == 0xff0d || c == 0xff20 ||
	    c == 0xfe62 || c == 0xfe63 || c == 0xfe66 || c == 0xfe6b);
}

/* Whether the first character past blanks, invisible characters and
 * double quotes is a formula sign. */
static int
formula_after(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n;
	long			 c;

	while (*p != '\0') {
		c = utf8_at(p, &n);
		if (!ignorable(c) && c != '"')
			return (formula_sign(c));
		p += n;
	}
	return (0);
}

int
csv_formula_like(const char *s)
{
	/* A spreadsheet may drop a leading TAB or CR and go on. */
	return (*s == '\t' || *s == '\r' || formula_after(s));
}

/*
 * Separators inside a cell start a new cell for a reader that splits on
 * them without honouring our quotes (a ';' locale meets the quote in the
 * middle of its field, so the quote does not protect there; pasted text
 * splits on TAB and lines): what follows one gets the same guard as the
 * start of the cell.
 */
#define CSV_SPLITS	",;\t\r\n"

void
csv_cell(struct buf *b, const char *s)
{
	size_t	n;
	int	quote;

	if (s == NULL || *s == '\0')
		return;
	quote = strpbrk(s, CSV_SPLITS "\"") != NULL;
	if (quote)
		buf_append(b, "\"", 1);
	if (csv_formula_like(s))
		buf_append(b, "'", 1);
	for (;;) {
		/* Copy the run up to a separator or a quote. */
		n = strcspn(s, CSV_SPLITS "\"");
		buf_append(b, s, n);
		s += n;
		if (*s == '\0')
			break;
		buf_append(b, s, 1);
		if (*s == '"')
			buf_append(b, "\"", 1);	/* doubled inside quotes */
		else if (formula_after(s + 1))
			buf_append(b, "'", 1);
		s++;
	}
	if (quote)
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
