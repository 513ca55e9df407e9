/*
 * libsodium in one place. Tokens are 32 random bytes; only their BLAKE2b
 * hash reaches the database. argon2id costs ~100 ms and 64 MiB per hash,
 * so hashes run on a fixed pool of threads behind a bounded queue: memory
 * stays bounded, a login storm gets a quick 503 instead of a growing wait,
 * and HTTP workers keep serving other connections meanwhile.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "addr.h"
#include "config.h"
#include "crypto.h"
#include "log.h"
#include "problem.h"

/* Linux's policy number; <sched.h> names it only with _GNU_SOURCE. */
#ifdef SCHED_IDLE
#define CRYPTO_SCHED_IDLE	SCHED_IDLE
#else
#define CRYPTO_SCHED_IDLE	5
#endif

static pthread_mutex_t	 q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 q_cond = PTHREAD_COND_INITIALIZER;
static struct pwjob	*q_head, *q_tail;
static unsigned		 q_inside;	/* queued or running */
static int		 q_stopping;
static pthread_t	*workers;
static unsigned		 nworkers;
static char		 dummy_hash[crypto_pwhash_STRBYTES];

/* Per client address bucket (addr_bucket), under q_lock: jobs queued or
 * running, and logins started in the minute that began at `since`. */
#define GATE_BUCKETS	4096
static struct gate {
	unsigned	inside;
	unsigned	started;
	time_t		since;
} gates[GATE_BUCKETS];

void
token_new(char out[TOKEN_TEXT_LEN])
{
	unsigned char	raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, TOKEN_TEXT_LEN, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

void
token_hash(const char *token, char out[TOKEN_HASH_HEX])
{
	unsigned char	h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)token,
	    strlen(token), NULL, 0);
	sodium_bin2hex(out, TOKEN_HASH_HEX, h, sizeof(h));
}

void
csrf_for(const char *token, char out[TOKEN_TEXT_LEN])
{
	static const unsigned char key[] = "migtrain csrf token v1";
	unsigned char	h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)token,
	    strlen(token), key, sizeof(key) - 1);
	sodium_bin2base64(out, TOKEN_TEXT_LEN, h, sizeof(h),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int
secret_equal(const char *a, const char *b)
{
	size_t	n = strlen(a);

	return (n == strlen(b) && sodium_memcmp(a, b, n) == 0);
}

int
password_acceptable(const char *pw)
{
	return (strlen(pw) <= 1024 && utf8_chars(pw) >= 10);
}

int
pwhash_now(const char *pw, char out[crypto_pwhash_STRBYTES])
{
	return (crypto_pwhash_str(out, pw, strlen(pw), config.pwhash_ops,
	    config.pwhash_mem));
}

static char *
dup_secret(const char *s)
{
	return (s ? xstrdup(s) : NULL);
}

static void
wipe(char *s)
{
	if (s != NULL) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

struct pwjob *
pwjob_new(const char *stored, const char *verify_pw, const char *hash_pw)
{
	struct pwjob	*j = xcalloc(1, sizeof(*j));

	j->stored = dup_secret(stored);
	j->verify_pw = dup_secret(verify_pw);
	j->hash_pw = dup_secret(hash_pw);
	return (j);
}

static void
pwjob_free(void *p)
{
	struct pwjob	*j = p;

	if (j == NULL)
		return;
	wipe(j->stored);
	wipe(j->verify_pw);
	wipe(j->hash_pw);
	sodium_memzero(j->new_hash, sizeof(j->new_hash));
	free(j);
}

static void
run_job(struct pwjob *j)
{
	if (j->stored != NULL && j->verify_pw != NULL) {
		j->verified = crypto_pwhash_str_verify(j->stored, j->verify_pw,
		    strlen(j->verify_pw)) == 0;
		if (j->verified && j->rehash_if_needed && j->hash_pw == NULL &&
		    crypto_pwhash_str_needs_rehash(j->stored, config.pwhash_ops,
		    config.pwhash_mem) != 0)
			j->hash_pw = dup_secret(j->verify_pw);
	}
	if (j->hash_pw != NULL && (j->stored == NULL || j->verified))
		j->hashed = pwhash_now(j->hash_pw, j->new_hash) == 0;
}

/*
 * Hashing yields to the HTTP workers: a login storm slows logins, not
 * every other request. SCHED_IDLE runs this thread only when nothing else
 * of ours wants the core, and a waking worker takes the core back at
 * once; nice 5, which this was, still took about a quarter of the
 * process's share from busy workers and delayed their wake-ups (reads'
 * p99 in tests/bench/storm.sh). Logins then finish in the gaps, and when
 * the pool cannot keep up its bounded queue answers 503 at once. Linux
 * schedules threads, so this is this thread's policy alone; where
 * SCHED_IDLE is refused, the lowest nice value instead.
 */
static void
yield_to_workers(void)
{
	struct sched_param	sp = { 0 };

	if (pthread_setschedparam(pthread_self(), CRYPTO_SCHED_IDLE, &sp) == 0)
		return;
	if (setpriority(PRIO_PROCESS, 0, 19) == -1)
		log_warn("could not lower the hashing threads' priority");
}

static void *
worker(void *arg)
{
	struct pwjob	*j;

	(void)arg;
	yield_to_workers();
	for (;;) {
		pthread_mutex_lock(&q_lock);
		while (q_head == NULL && !q_stopping)
			pthread_cond_wait(&q_cond, &q_lock);
		if (q_head == NULL) {
			pthread_mutex_unlock(&q_lock);
			return (NULL);
		}
		j = q_head;
		q_head = j->next;
		if (q_head == NULL)
			q_tail = NULL;
		pthread_mutex_unlock(&q_lock);
		run_job(j);
		pthread_mutex_lock(&q_lock);
		q_inside--;
		gates[j->gate].inside--;
		pthread_mutex_unlock(&q_lock);
		req_resume(j->req);
	}
}

int
pwhash_start(void)
{
	unsigned	i;

	if (pwhash_now("migtrain dummy password", dummy_hash) != 0)
		return (-1);
	nworkers = config.hash_threads;
	workers = xcalloc(nworkers, sizeof(*workers));
	for (i = 0; i < nworkers; i++)
		if (pthread_create(&workers[i], NULL, worker, NULL) != 0)
			return (-1);
	return (0);
}

void
pwhash_stop(void)
{
	unsigned	i;

	pthread_mutex_lock(&q_lock);
	q_stopping = 1;
	pthread_cond_broadcast(&q_cond);
	pthread_mutex_unlock(&q_lock);
	for (i = 0; i < nworkers; i++)
		pthread_join(workers[i], NULL);
	free(workers);
	workers = NULL;
	nworkers = 0;
}

const char *
pwhash_dummy(void)
{
	return (dummy_hash);
}

static unsigned
client_gate(struct req *r)
{
	unsigned char	a[ADDR_LEN];

	req_client(r, a);
	return (addr_bucket(a, GATE_BUCKETS));
}

/* The answer of a full pool: come back in a second. */
static int
pool_full(struct req *r)
{
	return (problem_later(r, 503, 1, "too many logins at once; "
	    "try again in a moment"));
}

int
pwhash_admit(struct req *r)
{
	struct gate	*g = &gates[client_gate(r)];
	time_t		 now = time(NULL);
	long		 wait;

	pthread_mutex_lock(&q_lock);
	/* A full pool refuses here, before the login touches the database:
	 * in a storm most attempts are refused, and each would otherwise
	 * write (and then delete) its pending failure row for nothing.
	 * pwhash_submit checks again, for the pool that fills meanwhile. */
	if (q_stopping || q_inside >= config.hash_queue + nworkers) {
		pthread_mutex_unlock(&q_lock);
		return (pool_full(r));
	}
	if (now - g->since >= 60 || now < g->since) {
		g->since = now;
		g->started = 0;
	}
	if (g->started >= config.login_per_addr_minute) {
		wait = 60 - (long)(now - g->since);
		pthread_mutex_unlock(&q_lock);
		return (problem_later(r, 429, wait, "too many logins from your "
		    "address this minute; wait before trying again"));
	}
	g->started++;
	pthread_mutex_unlock(&q_lock);
	return (0);
}

int
pwhash_submit(struct req *r, struct pwjob *j, handler_fn *resume)
{
	j->gate = client_gate(r);
	pthread_mutex_lock(&q_lock);
	if (q_stopping || q_inside >= config.hash_queue + nworkers) {
		pthread_mutex_unlock(&q_lock);
		pwjob_free(j);
		return (pool_full(r));
	}
	if (gates[j->gate].inside >= config.login_per_addr) {
		pthread_mutex_unlock(&q_lock);
		pwjob_free(j);
		return (problem_later(r, 429, 1, "too many logins from your "
		    "address at once; try again in a moment"));
	}
	gates[j->gate].inside++;
	j->req = r;
	if (r->job_free != NULL)
		r->job_free(r->job);
	r->job = j;
	r->job_free = pwjob_free;
	/* Suspend bookkeeping first: the job may finish before we return. */
	req_suspend(r, resume);
	if (q_tail != NULL)
		q_tail->next = j;
	else
		q_head = j;
	q_tail = j;
	q_inside++;
	pthread_cond_signal(&q_cond);
	pthread_mutex_unlock(&q_lock);
	return (HTTP_SUSPENDED);
}
