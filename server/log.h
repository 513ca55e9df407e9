/* JSON lines on stderr: one object per event, never a secret in them. */
#ifndef MIGTRAIN_LOG_H
#define MIGTRAIN_LOG_H

void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_err(const char *, ...) __attribute__((format(printf, 1, 2)));
/* The access log line of one request. user_id 0 means anonymous. */
void	log_request(const char *method, const char *path, unsigned status,
	    double ms, long long user_id, const char *request_id);

#endif
