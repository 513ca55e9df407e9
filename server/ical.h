/* A pure RFC 5545 writer: content lines folded at 75 octets without
 * splitting a UTF-8 character, CRLF line ends, TEXT escaping and UTC
 * date-times. It knows nothing of HTTP or the database (events.c feeds it). */
#ifndef MIGTRAIN_ICAL_H
#define MIGTRAIN_ICAL_H

#include <stdint.h>

#include "util.h"

#define ICAL_FOLD	75	/* octets per physical line, CRLF excluded */

struct ical_event {
	const char	*uid;
	int64_t		 sequence;
	int64_t		 starts;	/* Unix seconds */
	int64_t		 ends;
	int64_t		 created;
	int64_t		 modified;
	const char	*summary;
	const char	*description;	/* may be NULL or "" */
	const char	*location;	/* may be NULL */
	const char	*category;	/* may be NULL */
	int		 cancelled;
	const char	*organizer;	/* mail address or NULL (iTIP mail) */
	const char	*attendee;	/* mail address or NULL */
};

/* BEGIN:VCALENDAR with VERSION, PRODID, CALSCALE and METHOD:PUBLISH. */
void	ical_begin(struct buf *);
/* The same with another METHOD (REQUEST, CANCEL: iTIP by mail). */
void	ical_begin_method(struct buf *, const char *method);
/* One VEVENT; dtstamp is when this calendar object was made. */
void	ical_event(struct buf *, const struct ical_event *, int64_t dtstamp);
void	ical_end(struct buf *);

/* The building blocks, exposed for the unit tests. */
/* Unix seconds as a UTC DATE-TIME: 20261127T093000Z (out >= 17 bytes). */
void	ical_time(int64_t, char out[17]);
/* Appends text escaped as an RFC 5545 TEXT value. */
void	ical_escape(struct buf *, const char *);
/* Appends one content line (len bytes, no line end), folded, with CRLF. */
void	ical_fold(struct buf *, const char *, size_t);
/* Appends NAME:escaped(text) as a folded content line. */
void	ical_text(struct buf *, const char *name, const char *text);

#endif
