/* The outbox sender thread of `migtrain serve` (server/mail_sender.c). */
#ifndef MIGTRAIN_MAIL_SENDER_H
#define MIGTRAIN_MAIL_SENDER_H

#include "util.h"

/* Reads the MIGTRAIN_SMTP_* settings and starts the thread (none when
 * MIGTRAIN_SMTP_URL is unset); -1 on a bad setting. */
int	mail_sender_start(void) WARN_UNUSED;
/* Finishes the message in flight, then stops the thread. */
void	mail_sender_stop(void);

#endif
