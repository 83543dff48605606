/* http_redact.h - secrets never reach a log line, an error or a dead letter.
 *
 * One process-wide list of secret strings (tokens, passwords, client
 * secrets, values of options marked SLUICE_OPT_SECRET), guarded by a
 * read-write lock so that any thread may log while another registers. The
 * logger runs every line through sl_redact_inplace(); the HTTP client runs
 * every URL and error text it hands out through sl_redact_dup().
 *
 * Besides the registered secrets, redaction always masks:
 *   - the values of query or form parameters named token, access_token,
 *     refresh_token, api_key, apikey, key, secret, client_secret, password,
 *     auth (case-insensitive; "name=value" where name is not the tail of a
 *     longer word);
 *   - the rest of the line after "Authorization:" / "Proxy-Authorization:";
 *   - the password of "scheme://user:password@host".
 */
#ifndef SL_HTTP_REDACT_H
#define SL_HTTP_REDACT_H

#include <stddef.h>

/* Secrets shorter than this are ignored: masking every "ab" in every log
 * line would garble the logs and protect nothing worth protecting. */
#define SL_SECRET_MIN_LEN 3

/* Registers a secret (copied). NULL, short and already known ones are
 * ignored. Returns 0, or -1 when out of memory. Thread-safe. */
int sl_secret_add(const char *s);
/* Forgets every secret (tests). */
void sl_secrets_clear(void);

/* Masks secrets in the NUL-terminated buf of capacity cap, in place. The
 * text may grow by a little ("k=v" -> "k=***"); what does not fit in cap is
 * cut off, and the result is always NUL-terminated. */
void sl_redact_inplace(char *buf, size_t cap);
/* A masked copy of s (caller frees), or NULL when s is NULL or out of memory. */
char *sl_redact_dup(const char *s);

#endif
