/* One outbox row as an RFC 5322 / MIME message: pure text work, no
 * network and no database, so the unit tests can pin it down. */
#ifndef MIGTRAIN_MAIL_MESSAGE_H
#define MIGTRAIN_MAIL_MESSAGE_H

#include <stdint.h>

#include "util.h"

struct mail_msg {
	const char	*from;		/* address only */
	const char	*from_name;	/* display name or NULL */
	const char	*to;
	const char	*to_name;	/* display name or NULL */
	const char	*subject;
	const char	*text;		/* plain text; the HTML part is made from it */
	const char	*language;	/* "en", "lt": Content-Language, <html lang> */
	const char	*ics;		/* a VCALENDAR or NULL */
	const char	*ics_method;	/* REQUEST or CANCEL */
	int64_t		 date;		/* Unix seconds */
	const char	*message_id;	/* "<...@...>" */
};

/* The whole message with CRLF line ends; -1 (nothing appended) when an
 * address cannot be written safely into a header. */
int	mail_message_build(struct buf *, const struct mail_msg *) WARN_UNUSED;

/* A plain ASCII mailbox: one '@', no space, control or special character
 * that could end a header or open another address. 1 or 0. */
int	mail_address_ok(const char *);

/* "Name: value" + CRLF; value as-is when it is plain printable ASCII,
 * else as RFC 2047 encoded words (UTF-8, base64) folded on separate lines.
 * Control characters (CR, LF, ...) become spaces first: nothing a user
 * typed can start a new header line. */
void	mail_header_text(struct buf *, const char *name, const char *value);

/* RFC 5322 date: "Thu, 03 Dec 2026 13:14:38 +0000" (out >= 32 bytes). */
void	mail_date(int64_t, char out[32]);

/* base64 in lines of 76 characters, each ending in CRLF. */
void	mail_base64(struct buf *, const void *, size_t);

/* The HTML part: text escaped, blank lines as paragraphs, http(s) links
 * as anchors. */
void	mail_html(struct buf *, const char *text, const char *title,
	    const char *language);

/* "<32 hex digits@domain of from>" (out >= 300 bytes). */
void	mail_message_id(const char *from, char out[300]);

/* Seconds to wait before attempt n+1 after n failed attempts: doubling
 * from 2 s, at most an hour. */
long	mail_backoff(int attempts);

/* The iCalendar part for an outbox row's `event` (JSON made by
 * mt_mail_event in schema/090), METHOD REQUEST or CANCEL; -1 when the
 * JSON is not such an object. */
int	mail_ics(struct buf *, const char *event_json, const char *method,
	    const char *organizer, const char *attendee, int64_t now)
	    WARN_UNUSED;

#endif
