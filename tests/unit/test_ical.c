/*
 * The RFC 5545 writer: UTC times, TEXT escaping, and folding at 75 octets
 * with multi-byte characters straddling the fold boundary, checked by
 * unfolding again and comparing with the original line.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ical.h"

/* Every physical line ends in CRLF, is at most 75 octets, continuation
 * lines (all but the first when the text is one content line) start with
 * one space, and no line starts inside a character. */
static int
folded_lines(const char *s, int one_content_line)
{
	const char	*p = s, *nl;
	int		 first = 1;

	while (*p != '\0') {
		if ((nl = strstr(p, "\r\n")) == NULL)
			return (0);
		if (nl - p > ICAL_FOLD)
			return (0);
		if (one_content_line && !first && *p != ' ')
			return (0);
		if (((unsigned char)p[*p == ' '] & 0xc0) == 0x80)
			return (0);
		if (memchr(p, '\n', (size_t)(nl - p)) != NULL ||
		    memchr(p, '\r', (size_t)(nl - p)) != NULL)
			return (0);
		first = 0;
		p = nl + 2;
	}
	return (1);
}

static int
well_folded(const char *s)
{
	return (folded_lines(s, 1));
}

/* Undoes folding (RFC 5545 §3.1: CRLF followed by one space). */
static char *
unfold(const char *s)
{
	char	*out = malloc(strlen(s) + 1), *o = out;

	while (*s != '\0') {
		if (s[0] == '\r' && s[1] == '\n' && s[2] == ' ') {
			s += 3;
			continue;
		}
		if (s[0] == '\r' && s[1] == '\n' && s[2] == '\0')
			break;
		*o++ = *s++;
	}
	*o = '\0';
	return (out);
}

static void
check_fold(const char *line)
{
	struct buf	 b = { NULL, 0, 0 };
	char		*u;

	ical_fold(&b, line, strlen(line));
	CHECK(well_folded(b.data));
	u = unfold(b.data);
	CHECK_STR(u, line);
	free(u);
	buf_free(&b);
}

static void
test_time(void)
{
	char	out[17];

	ical_time(1795772400, out);		/* 2026-11-27T09:40:00Z */
	CHECK_STR(out, "20261127T094000Z");
	ical_time(0, out);
	CHECK_STR(out, "19700101T000000Z");
	ical_time(951782400, out);		/* a leap day */
	CHECK_STR(out, "20000229T000000Z");
}

static void
test_escape(void)
{
	struct buf	b = { NULL, 0, 0 };

	ical_escape(&b, "a,b;c\\d\ne\r\nf\rg");
	CHECK_STR(b.data, "a\\,b\\;c\\\\d\\ne\\nf\\ng");
	b.len = 0;
	ical_escape(&b, "tab\there\x01\x7f bell\x07");
	CHECK_STR(b.data, "tab\there bell");
	b.len = 0;
	ical_escape(&b, "Zürich: «Grenzschutz»");
	CHECK_STR(b.data, "Zürich: «Grenzschutz»");
	buf_free(&b);
}

static void
test_fold_ascii(void)
{
	struct buf	b = { NULL, 0, 0 };
	char		line[400];

	/* Exactly 75 octets: one line, no fold. */
	memset(line, 'x', 75);
	line[75] = '\0';
	ical_fold(&b, line, 75);
	CHECK(b.len == 77 && strcmp(b.data + 75, "\r\n") == 0);
	buf_free(&b);
	/* 76 octets: 75, then a space and 1. */
	memset(line, 'x', 76);
	line[76] = '\0';
	ical_fold(&b, line, 76);
	CHECK(b.len == 75 + 2 + 1 + 1 + 2);
	CHECK(memcmp(b.data + 75, "\r\n x\r\n", 6) == 0);
	buf_free(&b);
	/* Continuation lines carry 74 octets after their space. */
	memset(line, 'y', 75 + 74 + 5);
	line[75 + 74 + 5] = '\0';
	ical_fold(&b, line, strlen(line));
	CHECK(well_folded(b.data));
	CHECK(strstr(b.data, "\r\n ") == b.data + 75);
	CHECK(strstr(b.data + 77, "\r\n ") == b.data + 77 + 75);
	buf_free(&b);
	check_fold("");
	check_fold("SUMMARY:short");
	memset(line, 'z', 399);
	line[399] = '\0';
	check_fold(line);
}

/* A character of width w bytes starting at every offset around the fold:
 * none may be split, whatever its width. */
static void
test_fold_multibyte(void)
{
	static const char *const chars[] = { "é", "€", "😀" };
	char		line[512];
	struct buf	b = { NULL, 0, 0 };
	size_t		i, pad, n;

	for (i = 0; i < NELEM(chars); i++) {
		for (pad = 68; pad <= 76; pad++) {
			memset(line, 'a', pad);
			line[pad] = '\0';
			for (n = 0; n < 60; n++)
				strcat(line, chars[i]);
			check_fold(line);
		}
	}
	/* Three-byte character whose first byte is the 75th octet: it
	 * moves whole to the next line, so the first line has 74. */
	memset(line, 'a', 74);
	strcpy(line + 74, "€tail");
	ical_fold(&b, line, strlen(line));
	CHECK(strncmp(b.data + 74, "\r\n €tail\r\n", 12) == 0);
	buf_free(&b);
	/* Only multi-byte characters. */
	line[0] = '\0';
	for (n = 0; n < 100; n++)
		strcat(line, "ж");
	check_fold(line);
}

static void
test_text_property(void)
{
	struct buf	 b = { NULL, 0, 0 };
	char		*u;

	ical_text(&b, "SUMMARY", "Border checks, part 1; Q&A\nDay 2 — Ελληνικά "
	    "and more text to go well past the seventy-five octet limit of a line");
	CHECK(well_folded(b.data));
	u = unfold(b.data);
	CHECK_STR(u, "SUMMARY:Border checks\\, part 1\\; Q&A\\nDay 2 — Ελληνικά "
	    "and more text to go well past the seventy-five octet limit of a line");
	free(u);
	buf_free(&b);
}

static void
test_calendar(void)
{
	struct ical_event e = {
		.uid = "event-1@migtrain", .sequence = 2,
		.starts = 1795772400, .ends = 1795779600,
		.created = 1795000000, .modified = 1795100000,
		.summary = "Seminar", .description = "",
		.location = "Geneva, CH", .category = "seminar", .cancelled = 1,
	};
	struct buf	b = { NULL, 0, 0 };

	ical_begin(&b);
	ical_event(&b, &e, 1795000000);
	ical_end(&b);
	CHECK(folded_lines(b.data, 0));
	CHECK(strncmp(b.data, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", 30) == 0);
	CHECK(strstr(b.data, "\r\nMETHOD:PUBLISH\r\n") != NULL);
	CHECK(strstr(b.data, "\r\nPRODID:") != NULL);
	CHECK(strstr(b.data, "\r\nUID:event-1@migtrain\r\n") != NULL);
	CHECK(strstr(b.data, "\r\nDTSTART:20261127T094000Z\r\n") != NULL);
	CHECK(strstr(b.data, "\r\nDTEND:20261127T114000Z\r\n") != NULL);
	CHECK(strstr(b.data, "\r\nSEQUENCE:2\r\n") != NULL);
	CHECK(strstr(b.data, "\r\nSTATUS:CANCELLED\r\n") != NULL);
	CHECK(strstr(b.data, "\r\nLOCATION:Geneva\\, CH\r\n") != NULL);
	CHECK(strstr(b.data, "DESCRIPTION") == NULL);
	CHECK(strcmp(b.data + b.len - 15, "END:VCALENDAR\r\n") == 0);
	buf_free(&b);
}

int
main(void)
{
	test_time();
	test_escape();
	test_fold_ascii();
	test_fold_multibyte();
	test_text_property();
	test_calendar();
	return (check_summary());
}
