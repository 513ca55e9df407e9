/*
 * MIME for the outbox (API §13): RFC 5322 headers with RFC 2047 encoded
 * words for anything that is not plain ASCII, multipart/alternative text
 * and HTML in base64, and the iTIP calendar part (server/ical.c, the same
 * UID as the feeds). Names and titles come from users, so every header
 * value goes through mail_header_text or mail_address_ok: a CR or LF
 * never reaches a header unencoded. Sending is server/mail_sender.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "ical.h"
#include "mail_message.h"

/* Raw bytes per encoded word: a multiple of 3, so 52 base64 characters
 * and 64 with the =?UTF-8?B?...?= frame, inside the 75 of RFC 2047. */
#define WORD_BYTES	39

int
mail_address_ok(const char *a)
{
	const char	*at = NULL, *p;

	if (a == NULL || *a == '\0' || strlen(a) > 254)
		return (0);
	for (p = a; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c >= 0x7f || strchr("<>()[]\\,;:\"", c))
			return (0);
		if (c == '@') {
			if (at != NULL)
				return (0);
			at = p;
		}
	}
	return (at != NULL && at != a && at[1] != '\0');
}

/* Printable ASCII with no "=?" (which a reader could take for an encoded
 * word): safe to write as it is. */
static int
plain_ascii(const char *s)
{
	const char	*p;

	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return (0);
	return (strstr(s, "=?") == NULL && p - s < 900);
}

/* Bytes of s from 0 up to at most max, not ending inside a character. */
static size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	size_t	n;

	if (len <= max)
		return (len);
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return (n == 0 ? max : n);
}

/* Appends s as encoded words, one per folded line after the first. */
static void
encoded_words(struct buf *b, const char *s)
{
	char	*clean = xstrdup(s), *p;
	char	 out[sodium_base64_ENCODED_LEN(WORD_BYTES,
		    sodium_base64_VARIANT_ORIGINAL)];
	size_t	 len, n, off = 0;

	for (p = clean; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	len = strlen(clean);
	do {
		n = utf8_cut(clean + off, len - off, WORD_BYTES);
		sodium_bin2base64(out, sizeof(out),
		    (const unsigned char *)clean + off, n,
		    sodium_base64_VARIANT_ORIGINAL);
		buf_appendf(b, "%s=?UTF-8?B?%s?=", off > 0 ? "\r\n " : "", out);
		off += n;
	} while (off < len);
	free(clean);
}

void
mail_header_text(struct buf *b, const char *name, const char *value)
{
	buf_appendf(b, "%s: ", name);
	if (plain_ascii(value))
		buf_append(b, value, strlen(value));
	else
		encoded_words(b, value);
	buf_append(b, "\r\n", 2);
}

/* "Name: display <addr>" with the display name as encoded words unless it
 * is letters, digits and spaces only (no quoting rules to get wrong). */
static void
address_header(struct buf *b, const char *hname, const char *dname,
    const char *addr)
{
	const char	*p;
	int		 simple = dname != NULL && *dname != '\0';

	for (p = dname; simple && *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == ' '))
			simple = 0;
	buf_appendf(b, "%s: ", hname);
	if (simple)
		buf_appendf(b, "%s ", dname);
	else if (dname != NULL && *dname != '\0') {
		encoded_words(b, dname);
		buf_append(b, "\r\n ", 3);
	}
	buf_appendf(b, "<%s>\r\n", addr);
}

void
mail_date(int64_t t, char out[32])
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	/* Names from tables, not strftime: the locale must not matter. */
	if (gmtime_r(&tt, &tm) == NULL) {
		tt = 0;
		gmtime_r(&tt, &tm);
	}
	snprintf(out, 32, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    (tm.tm_year + 1900) % 10000, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void
mail_base64(struct buf *b, const void *data, size_t len)
{
	const unsigned char	*d = data;
	char			 out[sodium_base64_ENCODED_LEN(57,
				    sodium_base64_VARIANT_ORIGINAL)];
	size_t			 off, n;

	/* 57 bytes make one 76-character line. */
	for (off = 0; off < len; off += n) {
		n = len - off < 57 ? len - off : 57;
		sodium_bin2base64(out, sizeof(out), d + off, n,
		    sodium_base64_VARIANT_ORIGINAL);
		buf_appendf(b, "%s\r\n", out);
	}
}

static void
html_escape(struct buf *b, const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		switch (s[i]) {
		case '&': buf_append(b, "&amp;", 5); break;
		case '<': buf_append(b, "&lt;", 4); break;
		case '>': buf_append(b, "&gt;", 4); break;
		case '"': buf_append(b, "&quot;", 6); break;
		case '\'': buf_append(b, "&#39;", 5); break;
		default: buf_append(b, s + i, 1);
		}
}

void
mail_html(struct buf *b, const char *text, const char *title,
    const char *language)
{
	const char	*p = text;
	size_t		 n;

	buf_appendf(b, "<!DOCTYPE html>\r\n<html lang=\"%s\"><head>"
	    "<meta charset=\"utf-8\"><title>",
	    strcmp(language, "lt") == 0 ? "lt" : "en");
	html_escape(b, title, strlen(title));
	buf_appendf(b, "</title></head>\r\n<body><p>");
	while (*p != '\0') {
		if (strncmp(p, "\n\n", 2) == 0) {
			buf_appendf(b, "</p>\r\n<p>");
			p += 2;
			while (*p == '\n')
				p++;
		} else if (*p == '\n') {
			buf_appendf(b, "<br>\r\n");
			p++;
		} else if (strncmp(p, "https://", 8) == 0 ||
		    strncmp(p, "http://", 7) == 0) {
			n = strcspn(p, " \t\r\n<>\"'");
			buf_appendf(b, "<a href=\"");
			html_escape(b, p, n);
			buf_appendf(b, "\">");
			html_escape(b, p, n);
			buf_appendf(b, "</a>");
			p += n;
		} else {
			n = strcspn(p, "\nh");
			html_escape(b, p, n == 0 ? 1 : n);
			p += n == 0 ? 1 : n;
		}
	}
	buf_appendf(b, "</p></body></html>\r\n");
}

void
mail_message_id(const char *from, char out[300])
{
	unsigned char	 rnd[16];
	char		 hex[33];
	const char	*at = from != NULL ? strrchr(from, '@') : NULL;

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	snprintf(out, 300, "<%s@%s>", hex,
	    at != NULL && mail_address_ok(from) ? at + 1 : "migtrain.invalid");
}

long
mail_backoff(int attempts)
{
	if (attempts < 1)
		return (0);
	if (attempts >= 12)
		return (3600);
	return (2L << (attempts - 1));
}

static void
boundary(char out[40])
{
	unsigned char	rnd[12];
	char		hex[25];

	/* "=_" cannot occur in base64, so no body line can match it. */
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	snprintf(out, 40, "=_mt_%s", hex);
}

static void
part(struct buf *b, const char *bnd, const char *ctype, const char *extra,
    const char *data, size_t len)
{
	buf_appendf(b, "--%s\r\nContent-Type: %s\r\n%s"
	    "Content-Transfer-Encoding: base64\r\n\r\n", bnd, ctype,
	    extra != NULL ? extra : "");
	mail_base64(b, data, len);
}

int
mail_message_build(struct buf *b, const struct mail_msg *m)
{
	char		 date[32], outer[40], alt[40];
	struct buf	 html = { NULL, 0, 0 };
	const char	*lang = m->language != NULL ? m->language : "en";

	if (!mail_address_ok(m->from) || !mail_address_ok(m->to) ||
	    m->message_id == NULL || strpbrk(m->message_id, "\r\n ") != NULL)
		return (-1);
	mail_date(m->date, date);
	boundary(outer);
	boundary(alt);
	mail_html(&html, m->text, m->subject, lang);

	buf_appendf(b, "Date: %s\r\n", date);
	address_header(b, "From", m->from_name, m->from);
	address_header(b, "To", m->to_name, m->to);
	mail_header_text(b, "Subject", m->subject);
	buf_appendf(b, "Message-ID: %s\r\nMIME-Version: 1.0\r\n"
	    "Content-Language: %s\r\nAuto-Submitted: auto-generated\r\n",
	    m->message_id, strcmp(lang, "lt") == 0 ? "lt" : "en");
	if (m->ics != NULL)
		buf_appendf(b, "Content-Type: multipart/mixed; "
		    "boundary=\"%s\"\r\n\r\n--%s\r\n", outer, outer);
	buf_appendf(b, "Content-Type: multipart/alternative; "
	    "boundary=\"%s\"\r\n\r\n", alt);
	part(b, alt, "text/plain; charset=UTF-8", NULL, m->text,
	    strlen(m->text));
	part(b, alt, "text/html; charset=UTF-8", NULL, html.data, html.len);
	buf_appendf(b, "--%s--\r\n", alt);
	if (m->ics != NULL) {
		char *ct = xasprintf("text/calendar; charset=UTF-8; method=%s; "
		    "name=\"invite.ics\"", strcmp(m->ics_method, "CANCEL") == 0 ?
		    "CANCEL" : "REQUEST");

		part(b, outer, ct, "Content-Disposition: attachment; "
		    "filename=\"invite.ics\"\r\n", m->ics, strlen(m->ics));
		free(ct);
		buf_appendf(b, "--%s--\r\n", outer);
	}
	buf_free(&html);
	return (0);
}

static int64_t
jint(json_t *o, const char *k)
{
	return ((int64_t)json_integer_value(json_object_get(o, k)));
}

static const char *
jstr(json_t *o, const char *k)
{
	return (json_string_value(json_object_get(o, k)));
}

int
mail_ics(struct buf *b, const char *event_json, const char *method,
    const char *organizer, const char *attendee, int64_t now)
{
	json_t			*o = json_loads(event_json, 0, NULL);
	struct ical_event	 e;

	if (o == NULL || !json_is_object(o) || jstr(o, "uid") == NULL ||
	    jstr(o, "title") == NULL) {
		json_decref(o);
		return (-1);
	}
	memset(&e, 0, sizeof(e));
	e.uid = jstr(o, "uid");
	e.sequence = jint(o, "sequence");
	e.starts = jint(o, "starts");
	e.ends = jint(o, "ends");
	e.created = jint(o, "created");
	e.modified = jint(o, "modified");
	e.summary = jstr(o, "title");
	e.description = jstr(o, "description");
	e.location = jstr(o, "location");
	e.category = jstr(o, "category");
	e.cancelled = strcmp(method, "CANCEL") == 0 ||
	    json_is_true(json_object_get(o, "cancelled"));
	e.organizer = mail_address_ok(organizer) ? organizer : NULL;
	e.attendee = mail_address_ok(attendee) ? attendee : NULL;
	ical_begin_method(b, strcmp(method, "CANCEL") == 0 ? "CANCEL" :
	    "REQUEST");
	ical_event(b, &e, now);
	ical_end(b);
	json_decref(o);
	return (0);
}
