/* id_explain.h - the identity store's read side: what `sluice identity
 * explain` shows. Compiled into the core (core/identity_store_read.c
 * includes id_explain.c), not into the plugin; it knows the schema through
 * id_schema.h only, and needs SQLite and jansson, which the core links. */
#ifndef SL_ID_EXPLAIN_H
#define SL_ID_EXPLAIN_H

#include <stddef.h>

#include <jansson.h>

/* The store key a user's query names: "cus_..." stays an id, "email:",
 * "phone:" and "ref:" keys stay as they are, text with an '@' is an e-mail
 * (trimmed, ASCII lower-cased), text of digits and phone punctuation is a
 * phone number given with its country code ("+7 912 345-67-89"), other
 * text with a ':' is system:external_id. Writes the key to out and returns
 * 0, or returns -1 when the query is none of these. */
int id_explain_key(const char *query, char *out, size_t size);

/* Explains `query` from the store at `path` (read-only). On success returns
 * 0 and *out, a new object:
 *   query, key (null when the query was an id), customer_id,
 *   merged_into: [{from_id, into_id, reason, at}] the path from a merged
 *                id to the live one (empty when the query is live),
 *   records: [{key, stage, stream, origin, at}]  the anchor keys: records,
 *   keys:    [{key, anchor, stage, stream, origin, at}] every key,
 *   links:   [{a, b, reason, record, stage, stream, origin, at}],
 *   merges:  [{from_id, into_id, reason, cause, at}] every merge that led
 *            into this customer, oldest first.
 * Returns 1 when the store does not know the query, -1 on errors; both
 * with a message in err. */
int id_explain(const char *path, const char *query, json_t **out, char *err, size_t errlen);

#endif
