/* id_schema.h - the identity store's SQLite schema: the one place that
 * knows its tables, shared by the transform that writes the store and by
 * `sluice identity explain` (id_explain.c, compiled into the core), which
 * reads it.
 *
 * Keys are text with a kind prefix:
 *   email:ivan@example.com      a normalised e-mail address
 *   phone:+79123456789          a phone number in E.164
 *   ref:hubspot:1234            a record's id in a system (system:external_id)
 * A key is an "anchor" when a record is identified by it (a customer
 * record's own system:external_id, an entry of its `sources`, or, for a
 * customer record without an external id, its first key).
 *
 * identity_keys    every key ever seen (rowid = the plugin's node number + 1),
 *                  the customer component it was first put in (never
 *                  changes), and where it was first seen (for an anchor:
 *                  where its record was first seen).
 * identity_comps   union-find over customers: components are joined by
 *                  pointing `parent` at another one; a root (parent = comp)
 *                  holds the customer's current id, a joined component the
 *                  id it had when it was merged. A merge writes one row,
 *                  whatever the size of the customers.
 * identity_links   why keys belong together: record `record` carried both
 *                  `a` (its first key) and `b` (from field `reason`), when
 *                  that was news (b new, or another customer's until then).
 * identity_merges  customer from_id was merged into into_id; `cause` is the
 *                  first key of the record that bridged them, so a re-run
 *                  that processes that record again re-emits the merge.
 * identity_meta    name/value pairs: "schema" is the schema version.
 *
 * Keys, links and merges are only ever appended, in rowid order, and carry
 * no index but merges' cause: a batch's transaction then touches the last
 * pages of each table instead of pages all over the file (random keys in a
 * B-tree cost a page write each). The plugin keeps the graph in memory, so
 * it never looks keys up in SQLite; `sluice identity explain` scans. */
#ifndef SL_ID_SCHEMA_H
#define SL_ID_SCHEMA_H

#define ID_SCHEMA_VERSION 1

#define ID_SCHEMA_SQL                                                                                        \
    "CREATE TABLE IF NOT EXISTS identity_meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);"                  \
    "CREATE TABLE IF NOT EXISTS identity_keys(id INTEGER PRIMARY KEY, key TEXT NOT NULL,"                    \
    " comp INTEGER NOT NULL, anchor INTEGER NOT NULL DEFAULT 0, stage TEXT, stream TEXT, origin TEXT,"       \
    " at TEXT NOT NULL);"                                                                                    \
    "CREATE TABLE IF NOT EXISTS identity_comps("                                                             \
    " comp INTEGER PRIMARY KEY, parent INTEGER NOT NULL, customer_id TEXT NOT NULL);"                        \
    "CREATE TABLE IF NOT EXISTS identity_links(id INTEGER PRIMARY KEY, a TEXT NOT NULL, b TEXT NOT NULL,"    \
    " reason TEXT NOT NULL, record TEXT, stage TEXT, stream TEXT, origin TEXT, at TEXT NOT NULL);"           \
    "CREATE TABLE IF NOT EXISTS identity_merges(id INTEGER PRIMARY KEY, from_id TEXT NOT NULL,"              \
    " into_id TEXT NOT NULL, reason TEXT NOT NULL, cause TEXT NOT NULL, at TEXT NOT NULL);"                  \
    "CREATE INDEX IF NOT EXISTS identity_merges_cause ON identity_merges(cause);"

/* The store's file name inside the pipeline's state folder. */
#define ID_STORE_FILE "identity.db"

/* Customer ids: the prefix and 20 hex digits (80 bits) of a SHA-256. */
#define ID_PREFIX "cus_"
#define ID_HEX 20
#define ID_LEN (sizeof ID_PREFIX - 1 + ID_HEX)

#endif
