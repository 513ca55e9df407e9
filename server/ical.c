/*
 * RFC 5545 output for the event calendars (API §7). Everything here is
 * pure text work so the unit tests can pin the awkward parts: folding
 * counts octets, not characters, and never cuts inside a UTF-8 sequence;
 * TEXT values escape backslash, semicolon, comma and line breaks and drop
 * the other control characters, which TEXT may not hold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ical.h"

#define ICAL_PRODID	"-//migtrain//Events 1.0//EN"

void
ical_time(int64_t t, char out[17])
{
	struct tm	tm;
	time_t		tt = (time_t)t;
	char		tmp[64];

	if (gmtime_r(&tt, &tm) == NULL || tm.tm_year + 1900 > 9999 ||
	    tm.tm_year + 1900 < 0) {
		/* Out of the 4-digit range: the epoch, never a broken line. */
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = 70;
		tm.tm_mday = 1;
	}
	/* The fields are in range, so this is always 16 characters. */
	snprintf(tmp, sizeof(tmp), "%04d%02d%02dT%02d%02d%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	memcpy(out, tmp, 16);
	out[16] = '\0';
}

void
ical_escape(struct buf *b, const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '\\':
			buf_append(b, "\\\\", 2);
			break;
		case ';':
			buf_append(b, "\\;", 2);
			break;
		case ',':
			buf_append(b, "\\,", 2);
			break;
		case '\r':
			/* CRLF and a lone CR are both one line break. */
			if (p[1] != '\n')
				buf_append(b, "\\n", 2);
			break;
		case '\n':
			buf_append(b, "\\n", 2);
			break;
		case '\t':
			buf_append(b, "\t", 1);
			break;
		default:
			if (*p >= 0x20 && *p != 0x7f)
				buf_append(b, p, 1);
			break;
		}
	}
}

void
ical_fold(struct buf *b, const char *s, size_t len)
{
	size_t	 room = ICAL_FOLD, cut;
	int	 first = 1;

	while (first || len > 0) {
		cut = len < room ? len : room;
		/* Back off to the start of a character; a continuation byte
		 * is 10xxxxxx. Valid UTF-8 never needs more than 3 steps. */
		if (cut < len)
			while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
				cut--;
		if (cut == 0)
			cut = len < room ? len : room;
		if (!first)
			buf_append(b, " ", 1);
		buf_append(b, s, cut);
		buf_append(b, "\r\n", 2);
		s += cut;
		len -= cut;
		first = 0;
		room = ICAL_FOLD - 1;	/* the leading space is an octet too */
	}
}

void
ical_text(struct buf *b, const char *name, const char *text)
{
	struct buf	l = { NULL, 0, 0 };

	buf_appendf(&l, "%s:", name);
	ical_escape(&l, text);
	ical_fold(b, l.data, l.len);
	buf_free(&l);
}

static void
line(struct buf *b, const char *text)
{
	ical_fold(b, text, strlen(text));
}

static void
time_line(struct buf *b, const char *name, int64_t t)
{
	char	stamp[17], l[64];

	ical_time(t, stamp);
	snprintf(l, sizeof(l), "%s:%s", name, stamp);
	line(b, l);
}

void
ical_begin(struct buf *b)
{
	ical_begin_method(b, "PUBLISH");
}

void
ical_begin_method(struct buf *b, const char *method)
{
	line(b, "BEGIN:VCALENDAR");
	line(b, "VERSION:2.0");
	line(b, "PRODID:" ICAL_PRODID);
	line(b, "CALSCALE:GREGORIAN");
	buf_appendf(b, "METHOD:%s\r\n", method);
}

/* ORGANIZER or ATTENDEE as a mailto: URI (iTIP needs both); addresses
 * come checked by the caller, so only the folding is done here. */
static void
address_line(struct buf *b, const char *name, const char *addr)
{
	char	*l = xasprintf("%s:mailto:%s", name, addr);

	ical_fold(b, l, strlen(l));
	free(l);
}

void
ical_event(struct buf *b, const struct ical_event *e, int64_t dtstamp)
{
	char	l[48];

	line(b, "BEGIN:VEVENT");
	ical_text(b, "UID", e->uid);
	time_line(b, "DTSTAMP", dtstamp);
	time_line(b, "DTSTART", e->starts);
	time_line(b, "DTEND", e->ends);
	if (e->created > 0)
		time_line(b, "CREATED", e->created);
	if (e->modified > 0)
		time_line(b, "LAST-MODIFIED", e->modified);
	snprintf(l, sizeof(l), "SEQUENCE:%lld", (long long)e->sequence);
	line(b, l);
	line(b, e->cancelled ? "STATUS:CANCELLED" : "STATUS:CONFIRMED");
	ical_text(b, "SUMMARY", e->summary);
	if (e->description != NULL && *e->description != '\0')
		ical_text(b, "DESCRIPTION", e->description);
	if (e->location != NULL && *e->location != '\0')
		ical_text(b, "LOCATION", e->location);
	if (e->category != NULL && *e->category != '\0')
		ical_text(b, "CATEGORIES", e->category);
	if (e->organizer != NULL)
		address_line(b, "ORGANIZER", e->organizer);
	if (e->attendee != NULL)
		address_line(b, "ATTENDEE", e->attendee);
	line(b, "TRANSP:OPAQUE");
	line(b, "END:VEVENT");
}

void
ical_end(struct buf *b)
{
	line(b, "END:VCALENDAR");
}
