/*
 * The mail sender of `migtrain serve` (API §13): one thread with its own
 * database connection, never an HTTP worker. It takes one due outbox row
 * at a time with FOR UPDATE SKIP LOCKED, keeps the row locked while
 * libcurl delivers it over SMTP, and records the outcome in the same
 * transaction, so several instances never send one message twice and a
 * stop in the middle finishes (or retries) the message in flight. It
 * LISTENs on `mail_outbox` (schema/090 NOTIFYs at commit) and also looks
 * once a second, for retries that fall due. MIME is server/mail_message.c.
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libpq-fe.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "mail_message.h"
#include "mail_sender.h"

#define SENDER_POLL_MS		1000	/* look for due retries this often */
#define SENDER_RECONNECT_MS	2000
/* Below the connections' idle_in_transaction_session_timeout (60 s), which
 * would otherwise end the transaction holding the row. */
#define SMTP_TIMEOUT_S		40L
#define SMTP_CONNECT_TIMEOUT_S	10L
/* After this long without success a message is given up as `failed`. */
#define MAIL_GIVE_UP		"24 hours"

static struct {
	const char	*url;
	const char	*user;
	const char	*password;
	const char	*from;
	const char	*ca_file;
} smtp;

static pthread_t	 sender_thread;
static int		 sender_running;
static int		 stop_pipe[2] = { -1, -1 };
static atomic_int	 stopping;

struct upload {
	const char	*data;
	size_t		 len;
	size_t		 off;
};

static size_t
upload_read(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct upload	*u = arg;
	size_t		 n = size * nmemb;

	if (n > u->len - u->off)
		n = u->len - u->off;
	memcpy(ptr, u->data + u->off, n);
	u->off += n;
	return (n);
}

/* Delivers one message; 0, or -1 with the reason in err. */
static int
smtp_send(CURL *curl, const char *to, const struct buf *msg, char *err,
    size_t errlen)
{
	struct curl_slist	*rcpt;
	struct upload		 u = { msg->data, msg->len, 0 };
	char			 ebuf[CURL_ERROR_SIZE] = "", *from, *rcpt_to;
	CURLcode		 rc;

	from = xasprintf("<%s>", smtp.from);
	rcpt_to = xasprintf("<%s>", to);
	rcpt = curl_slist_append(NULL, rcpt_to);
	/* A reset keeps the connection cache: one SMTP session serves many
	 * messages while the server lets it. */
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, smtp.url);
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(curl, CURLOPT_READDATA, &u);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	/* smtp:// upgrades with STARTTLS when the server offers it; smtps://
	 * is TLS from the start. Certificates are always verified. */
	curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	if (smtp.ca_file != NULL)
		curl_easy_setopt(curl, CURLOPT_CAINFO, smtp.ca_file);
	if (smtp.user != NULL) {
		curl_easy_setopt(curl, CURLOPT_USERNAME, smtp.user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD,
		    smtp.password != NULL ? smtp.password : "");
	}
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, SMTP_CONNECT_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, SMTP_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, ebuf);
	rc = curl_easy_perform(curl);
	curl_slist_free_all(rcpt);
	free(from);
	free(rcpt_to);
	if (rc == CURLE_OK)
		return (0);
	snprintf(err, errlen, "%s", *ebuf != '\0' ? ebuf :
	    curl_easy_strerror(rc));
	return (-1);
}

static int
exec_ok(PGconn *pg, const char *sql)
{
	PGresult	*res = PQexec(pg, sql);
	int		 ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	PQclear(res);
	return (ok ? 0 : -1);
}

/* The MIME text of the row (columns of send_one's SELECT), or -1 when it
 * cannot be written (an address that is not safe in a header). */
static int
build(PGresult *row, struct buf *msg)
{
	struct buf	 ics = { NULL, 0, 0 };
	struct mail_msg	 m;
	char		 mid[300];
	const char	*kind = PQgetvalue(row, 0, 1);
	int64_t		 now = (int64_t)time(NULL);
	int		 rc;

	memset(&m, 0, sizeof(m));
	m.from = smtp.from;
	m.from_name = "migtrain";
	m.to = PQgetvalue(row, 0, 2);
	m.to_name = PQgetvalue(row, 0, 3);
	m.language = PQgetvalue(row, 0, 4);
	m.subject = PQgetvalue(row, 0, 5);
	m.text = PQgetvalue(row, 0, 6);
	m.date = now;
	mail_message_id(smtp.from, mid);
	m.message_id = mid;
	if (!PQgetisnull(row, 0, 7)) {
		m.ics_method = strcmp(kind, "event_cancelled") == 0 ? "CANCEL" :
		    "REQUEST";
		if (mail_ics(&ics, PQgetvalue(row, 0, 7), m.ics_method,
		    smtp.from, m.to, now) == -1) {
			buf_free(&ics);
			return (-1);
		}
		buf_append(&ics, "", 1);
		m.ics = ics.data;
	}
	rc = mail_message_build(msg, &m);
	buf_free(&ics);
	return (rc);
}

/*
 * Sends the next due message, if any: 1 when one was sent (or given up
 * as unwritable), 2 when sending failed and a retry is recorded, 0 when
 * none is due, -1 when the database failed.
 */
static int
send_one(PGconn *pg, CURL *curl)
{
	PGresult	*res = NULL, *upd;
	struct buf	 msg = { NULL, 0, 0 };
	char		 err[CURL_ERROR_SIZE + 64] = "";
	const char	*params[3];
	char		 backoff[24];
	int		 sent = 0, permanent = 0, rc = -1;

	if (exec_ok(pg, "BEGIN") == -1)
		return (-1);
	res = PQexec(pg, "SELECT id, kind, to_addr, to_name, language, subject,"
	    "       coalesce(body_text, ''), event::text, attempts"
	    "  FROM mail_outbox"
	    " WHERE status = 'pending' AND next_attempt_at <= clock_timestamp()"
	    " ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		goto out;
	if (PQntuples(res) == 0) {
		rc = exec_ok(pg, "COMMIT") == 0 ? 0 : -1;
		goto out;
	}
	if (build(res, &msg) == -1) {
		snprintf(err, sizeof(err), "the message cannot be written "
		    "(recipient address or event data unusable)");
		permanent = 1;
	} else if (smtp_send(curl, PQgetvalue(res, 0, 2), &msg, err,
	    sizeof(err)) == 0)
		sent = 1;

	params[0] = PQgetvalue(res, 0, 0);
	if (sent) {
		/* A delivered reset link is a secret nobody needs again. */
		upd = PQexecParams(pg, "UPDATE mail_outbox SET status = 'sent',"
		    "  sent_at = clock_timestamp(), attempts = attempts + 1,"
		    "  last_error = NULL, body_text = CASE WHEN kind ="
		    "  'password_reset' THEN NULL ELSE body_text END"
		    " WHERE id = $1", 1, NULL, params, NULL, NULL, 0);
	} else {
		snprintf(backoff, sizeof(backoff), "%ld", mail_backoff(
		    atoi(PQgetvalue(res, 0, 8)) + 1));
		params[1] = err;
		params[2] = permanent ? "0" : backoff;
		upd = PQexecParams(pg, "UPDATE mail_outbox SET"
		    "  attempts = attempts + 1, last_error = $2,"
		    "  next_attempt_at = clock_timestamp()"
		    "    + make_interval(secs => $3::int),"
		    "  status = CASE WHEN $3::int = 0 OR created_at <"
		    "    clock_timestamp() - interval '" MAIL_GIVE_UP "'"
		    "    THEN 'failed' ELSE 'pending' END"
		    " WHERE id = $1", 3, NULL, params, NULL, NULL, 0);
		log_warn("mail %s (%s): %s", params[0], PQgetvalue(res, 0, 1),
		    err);
	}
	if (PQresultStatus(upd) == PGRES_COMMAND_OK &&
	    exec_ok(pg, "COMMIT") == 0)
		rc = sent || permanent ? 1 : 2;
	PQclear(upd);
out:
	if (rc == -1)
		log_warn("mail sender: %s", PQerrorMessage(pg));
	PQclear(res);
	buf_free(&msg);
	return (rc);
}

/* Sleeps up to ms, woken early by a NOTIFY or by mail_sender_stop. */
static void
wait_for(PGconn *pg, int ms)
{
	struct pollfd	 fds[2];
	int		 n = 1, woken = 0;
	PGnotify	*nt;

	/* A NOTIFY read along with the last query's results is already in
	 * libpq's buffer, where poll cannot see it. */
	if (pg != NULL && PQconsumeInput(pg))
		while ((nt = PQnotifies(pg)) != NULL) {
			PQfreemem(nt);
			woken = 1;
		}
	if (woken)
		return;
	fds[0].fd = stop_pipe[0];
	fds[0].events = POLLIN;
	if (pg != NULL && PQsocket(pg) >= 0) {
		fds[1].fd = PQsocket(pg);
		fds[1].events = POLLIN;
		n = 2;
	}
	if (poll(fds, (nfds_t)n, ms) > 0 && n == 2 &&
	    (fds[1].revents & POLLIN) && PQconsumeInput(pg))
		while ((nt = PQnotifies(pg)) != NULL)
			PQfreemem(nt);
}

static PGconn *
connect_listen(void)
{
	PGconn	*pg = db_connect_cli(config.db);

	if (pg != NULL && exec_ok(pg, "LISTEN mail_outbox") == -1) {
		PQfinish(pg);
		pg = NULL;
	}
	return (pg);
}

static void *
sender_main(void *arg)
{
	PGconn	*pg = NULL;
	CURL	*curl = curl_easy_init();
	int	 rc;

	(void)arg;
	while (!atomic_load(&stopping)) {
		if (pg == NULL && (pg = connect_listen()) == NULL) {
			wait_for(NULL, SENDER_RECONNECT_MS);
			continue;
		}
		/* Drain what is due, then sleep until woken. After a failed
		 * delivery pause too: while the SMTP server is down, due
		 * messages are tried one a poll, not all in a tight loop. */
		if ((rc = send_one(pg, curl)) == 1)
			continue;
		if (rc == -1 || PQstatus(pg) != CONNECTION_OK) {
			PQfinish(pg);
			pg = NULL;
			continue;
		}
		wait_for(pg, SENDER_POLL_MS);
	}
	PQfinish(pg);
	curl_easy_cleanup(curl);
	return (NULL);
}

static const char *
env(const char *name)
{
	const char	*v = getenv(name);

	return (v != NULL && *v != '\0' ? v : NULL);
}

int
mail_sender_start(void)
{
	smtp.url = env("MIGTRAIN_SMTP_URL");
	smtp.user = env("MIGTRAIN_SMTP_USER");
	smtp.password = env("MIGTRAIN_SMTP_PASSWORD");
	smtp.ca_file = env("MIGTRAIN_SMTP_CA_FILE");
	smtp.from = env("MIGTRAIN_MAIL_FROM");
	if (smtp.from == NULL)
		smtp.from = "migtrain@localhost";
	if (!mail_address_ok(smtp.from)) {
		log_err("MIGTRAIN_MAIL_FROM must be a plain address "
		    "(user@domain)");
		return (-1);
	}
	if (smtp.url == NULL) {
		log_info("mail: MIGTRAIN_SMTP_URL is not set; messages stay "
		    "in the outbox");
		return (0);
	}
	if (strncmp(smtp.url, "smtp://", 7) != 0 &&
	    strncmp(smtp.url, "smtps://", 8) != 0) {
		log_err("MIGTRAIN_SMTP_URL must start with smtp:// or smtps://");
		return (-1);
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    pipe(stop_pipe) == -1) {
		log_err("mail: cannot start the sender");
		return (-1);
	}
	atomic_store(&stopping, 0);
	if (pthread_create(&sender_thread, NULL, sender_main, NULL) != 0) {
		log_err("mail: cannot start the sender thread");
		return (-1);
	}
	sender_running = 1;
	/* Not the URL itself: it may carry credentials. */
	log_info("mail: the sender is running (%s)", strncmp(smtp.url,
	    "smtps://", 8) == 0 ? "smtps" : "smtp, STARTTLS when offered");
	return (0);
}

void
mail_sender_stop(void)
{
	if (!sender_running)
		return;
	atomic_store(&stopping, 1);
	if (write(stop_pipe[1], "x", 1) != 1)
		log_warn("mail: cannot wake the sender");
	/* The message in flight is finished (or its failure recorded) by
	 * send_one before the loop sees the flag. */
	pthread_join(sender_thread, NULL);
	close(stop_pipe[0]);
	close(stop_pipe[1]);
	stop_pipe[0] = stop_pipe[1] = -1;
	sender_running = 0;
	curl_global_cleanup();
}
