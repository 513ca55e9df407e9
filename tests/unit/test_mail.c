/*
 * The MIME writer of server/mail_message.c: encoded words decode back to
 * the text (control characters as spaces), never exceed 75 characters
 * and never split a UTF-8 character; CR and LF in names and subjects
 * never start a header line; addresses that could break a header are
 * refused; dates, base64 lines, HTML escaping, the backoff schedule and
 * the iTIP calendar part.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "check.h"
#include "mail_message.h"

static char *
cstr(struct buf *b)
{
	buf_append(b, "", 1);
	return (b->data);
}

/* Decodes the value of a header written by mail_header_text, unfolding
 * and joining its encoded words; NULL when something is malformed. */
static char *
decode_header(const char *h)
{
	const char	*p = strchr(h, ':');
	struct buf	 out = { NULL, 0, 0 };
	unsigned char	 bin[256];
	size_t		 binlen;

	if (p == NULL)
		return (NULL);
	p += 2;
	while (*p != '\0' && strncmp(p, "\r\n", 2) != 0) {
		const char *end;

		if (strncmp(p, "=?UTF-8?B?", 10) != 0) {
			end = strstr(p, "\r\n");
			buf_append(&out, p, (size_t)(end - p));
			break;
		}
		end = strstr(p + 10, "?=");
		if (end == NULL || end + 2 - p > 75 ||
		    sodium_base642bin(bin, sizeof(bin), p + 10,
		    (size_t)(end - p - 10), NULL, &binlen, NULL,
		    sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    !utf8_valid((const char *)bin, binlen)) {
			buf_free(&out);
			return (NULL);
		}
		buf_append(&out, bin, binlen);
		p = end + 2;
		if (strncmp(p, "\r\n ", 3) == 0)
			p += 3;
	}
	return (cstr(&out));
}

/* Every header line of a message: a "Name: " line or a continuation that
 * starts with a space; none of them holds a bare CR or LF. */
static int
headers_sane(const char *msg, const char *forbidden)
{
	const char	*p = msg, *nl, *c;

	while ((nl = strstr(p, "\r\n")) != NULL && nl != p) {
		for (c = p; c < nl; c++)
			if (*c == '\r' || *c == '\n')
				return (0);
		if (*p != ' ' && (memchr(p, ':', (size_t)(nl - p)) == NULL ||
		    (forbidden != NULL && strncmp(p, forbidden,
		    strlen(forbidden)) == 0)))
			return (0);
		p = nl + 2;
	}
	return (nl == p || *p == '\0');
}

static void
test_addresses(void)
{
	CHECK(mail_address_ok("a@b.c"));
	CHECK(mail_address_ok("first.last+tag@example.org"));
	CHECK(!mail_address_ok(NULL));
	CHECK(!mail_address_ok(""));
	CHECK(!mail_address_ok("@b.c"));
	CHECK(!mail_address_ok("a@"));
	CHECK(!mail_address_ok("a@@b.c"));
	CHECK(!mail_address_ok("a b@c.d"));
	CHECK(!mail_address_ok("a@b.c\r\nBcc: x@y.z"));
	CHECK(!mail_address_ok("a@b.c>, <x@y.z"));
	CHECK(!mail_address_ok("žmogus@b.lt"));
}

static void
test_header_words(void)
{
	struct buf	 b = { NULL, 0, 0 };
	char		*d;
	char		 long_lt[1000];
	int		 i;

	mail_header_text(&b, "Subject", "Plain ASCII subject");
	CHECK_STR(cstr(&b), "Subject: Plain ASCII subject\r\n");
	buf_free(&b);

	b = (struct buf){ NULL, 0, 0 };
	mail_header_text(&b, "Subject", "Registracija patvirtinta: „Žalgiris“");
	CHECK(strncmp(cstr(&b), "Subject: =?UTF-8?B?", 19) == 0);
	d = decode_header(b.data);
	CHECK_STR(d, "Registracija patvirtinta: „Žalgiris“");
	free(d);
	buf_free(&b);

	/* CR/LF typed into a title become spaces inside an encoded word. */
	b = (struct buf){ NULL, 0, 0 };
	mail_header_text(&b, "Subject", "Trap\r\nBcc: victim@example.org");
	CHECK(headers_sane(cstr(&b), "Bcc"));
	d = decode_header(b.data);
	CHECK_STR(d, "Trap  Bcc: victim@example.org");
	free(d);
	buf_free(&b);

	/* "=?" in ASCII would read as an encoded word: it is encoded. */
	b = (struct buf){ NULL, 0, 0 };
	mail_header_text(&b, "Subject", "=?UTF-8?B?Zm9v?=");
	d = decode_header(cstr(&b));
	CHECK_STR(d, "=?UTF-8?B?Zm9v?=");
	free(d);
	buf_free(&b);

	/* Long: many words, none over 75, no character cut in two. */
	long_lt[0] = '\0';
	for (i = 0; i < 40; i++)
		strcat(long_lt, "ąčęėįšųūž ");
	b = (struct buf){ NULL, 0, 0 };
	mail_header_text(&b, "Subject", long_lt);
	CHECK(headers_sane(cstr(&b), NULL));
	d = decode_header(b.data);
	CHECK_STR(d, long_lt);
	free(d);
	buf_free(&b);
}

static void
test_date_base64_backoff(void)
{
	char		 d[32];
	struct buf	 b = { NULL, 0, 0 };
	char		 data[200];
	const char	*p, *nl;

	mail_date(1796304878, d);		/* 2026-12-03 13:34:38 UTC */
	CHECK_STR(d, "Thu, 03 Dec 2026 13:34:38 +0000");
	mail_date(0, d);
	CHECK_STR(d, "Thu, 01 Jan 1970 00:00:00 +0000");

	memset(data, 'x', sizeof(data));
	mail_base64(&b, data, sizeof(data));
	cstr(&b);
	for (p = b.data; (nl = strstr(p, "\r\n")) != NULL; p = nl + 2)
		CHECK(nl - p <= 76);
	CHECK(*p == '\0');
	buf_free(&b);

	CHECK(mail_backoff(1) == 2);
	CHECK(mail_backoff(2) == 4);
	CHECK(mail_backoff(11) == 2048);
	CHECK(mail_backoff(12) == 3600);
	CHECK(mail_backoff(40) == 3600);
}

static void
test_html(void)
{
	struct buf	b = { NULL, 0, 0 };

	mail_html(&b, "Hello <b>&\n\nSee https://x.example/verify/AB?a=1&b=2\nbye",
	    "T<itle>", "lt");
	cstr(&b);
	CHECK(strstr(b.data, "<html lang=\"lt\">") != NULL);
	CHECK(strstr(b.data, "<title>T&lt;itle&gt;</title>") != NULL);
	CHECK(strstr(b.data, "Hello &lt;b&gt;&amp;</p>") != NULL);
	CHECK(strstr(b.data, "<a href=\"https://x.example/verify/AB?a=1&amp;b=2\">"
	    ) != NULL);
	CHECK(strstr(b.data, "<br>") != NULL);
	CHECK(strstr(b.data, "<b>") == NULL);
	buf_free(&b);
}

static void
test_message(void)
{
	struct mail_msg	 m;
	struct buf	 b = { NULL, 0, 0 }, ics = { NULL, 0, 0 };
	char		 mid[300];
	const char	*ev = "{\"uid\":\"event-1@migtrain\",\"sequence\":3,"
	    "\"starts\":1796304878,\"ends\":1796308478,\"title\":\"Moved\","
	    "\"location\":\"Kaunas, LT\",\"cancelled\":false}";

	mail_message_id("noreply@train.example.org", mid);
	CHECK(strlen(mid) == 2 + 32 + 1 + strlen("train.example.org"));
	CHECK(strstr(mid, "@train.example.org>") != NULL);

	memset(&m, 0, sizeof(m));
	m.from = "noreply@train.example.org";
	m.from_name = "migtrain";
	m.to = "eve@example.org";
	m.to_name = "Eve\r\nBcc: victim@example.org";
	m.subject = "Renginys atšauktas: Trap\nX-Evil: 1";
	m.text = "Laba diena,\n\ntext";
	m.language = "lt";
	m.date = 1796304878;
	m.message_id = mid;
	CHECK(mail_ics(&ics, ev, "CANCEL", m.from, m.to, 1796304878) == 0);
	cstr(&ics);
	CHECK(strstr(ics.data, "METHOD:CANCEL\r\n") != NULL);
	CHECK(strstr(ics.data, "UID:event-1@migtrain\r\n") != NULL);
	CHECK(strstr(ics.data, "SEQUENCE:3\r\n") != NULL);
	CHECK(strstr(ics.data, "STATUS:CANCELLED\r\n") != NULL);
	CHECK(strstr(ics.data, "ATTENDEE:mailto:eve@example.org\r\n") != NULL);
	CHECK(mail_ics(&b, "[1]", "REQUEST", NULL, NULL, 0) == -1);
	CHECK(b.len == 0);
	m.ics = ics.data;
	m.ics_method = "CANCEL";
	CHECK(mail_message_build(&b, &m) == 0);
	cstr(&b);
	CHECK(headers_sane(b.data, "Bcc"));
	CHECK(strstr(b.data, "\r\nX-Evil") == NULL);
	CHECK(strstr(b.data, "Date: Thu, 03 Dec 2026 13:34:38 +0000\r\n") ==
	    b.data);
	CHECK(strstr(b.data, "\r\nMessage-ID: <") != NULL);
	CHECK(strstr(b.data, "multipart/alternative") != NULL);
	CHECK(strstr(b.data, "text/calendar; charset=UTF-8; method=CANCEL") !=
	    NULL);
	buf_free(&b);

	/* An address that could end the header is refused outright. */
	b = (struct buf){ NULL, 0, 0 };
	m.to = "eve@example.org\r\nBcc: victim@example.org";
	CHECK(mail_message_build(&b, &m) == -1);
	CHECK(b.len == 0);
	buf_free(&b);
	buf_free(&ics);
}

int
main(void)
{
	if (sodium_init() < 0)
		return (1);
	test_addresses();
	test_header_words();
	test_date_base64_backoff();
	test_html();
	test_message();
	return (check_summary());
}
