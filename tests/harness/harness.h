/*
 * harness.h - run a sluice plugin in-process against a fake host.
 *
 * The SDK's counterpart of Fluent Bit's runtime tests: a test dlopen()s the
 * plugin's .so, hands it options as JSON text, feeds it batches built by
 * hand and inspects what came out, without the core, threads or ZeroMQ.
 *
 *     char *err = NULL;
 *     sl_harness *h = harness_open_plugin("transform", "map",
 *                                         "{\"drop\": [\"secret\"]}", &err);
 *     harness_batch *b = harness_batch_new(h);
 *     harness_batch_add_json(b, "orders", "{\"id\": 1, \"secret\": 2}");
 *     int rc = harness_process(h, b);
 *     json_t *r = harness_batch_get(b, 0);      (borrowed)
 *     harness_batch_free(&b);
 *     harness_close(&h);
 *
 * Options: the harness rejects unknown keys, checks required options and
 * JSON types, turns a single string given for a LIST option into a one-item
 * list and applies the default_json of unset options. It does not resolve
 * PATH options or substitute ${VAR}: that is the core's business.
 *
 * Log lines the plugin writes go to stderr, prefixed with "[harness LEVEL]".
 * The last error-level line (or the last sluice_set_error() text) is kept:
 * harness_last_error() returns it and a failed harness_open() copies it
 * into *err, so tests can check what a plugin said when it refused options.
 *
 * Not thread-safe: one harness is driven by one thread.
 */
#ifndef SLUICE_TEST_HARNESS_H
#define SLUICE_TEST_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sluice/plugin.h"

typedef struct sl_harness sl_harness;
typedef struct harness_batch harness_batch;

/* ---- Opening and closing ------------------------------------------------- */

/* Opens the plugin at `so_path`, checks its descriptor (entry symbol, ABI
 * major, struct size, callbacks for its kind), checks `options_json` (a
 * JSON object as text; NULL means {}) against the option table and calls
 * init(). Returns the harness, or NULL with *err set to a malloc'd message
 * (caller frees; err may be NULL). When init() fails the message is
 * "init failed (STATUS): LAST ERROR LOGGED". */
sl_harness *harness_open(const char *so_path, const char *options_json, char **err);

/* harness_open() on "<dir>/<kind>_<name>.so" where dir is
 * $SLUICE_HARNESS_PLUGIN_DIR if set, else the build tree's plugin folder
 * (compiled in as SLUICE_HARNESS_PLUGIN_DIR). */
sl_harness *harness_open_plugin(const char *kind, const char *name, const char *options_json,
                                char **err);

/* harness_open_plugin() that reports a failure on stderr ("open KIND/NAME
 * OPTIONS: why") and returns NULL then. */
sl_harness *harness_open_logged(const char *kind, const char *name, const char *options_json);
/* The error text of an open that is expected to fail, malloc'd ("" if it
 * unexpectedly succeeded). */
char *harness_open_error(const char *kind, const char *name, const char *options_json);
/* Runs one record (JSON text, on `stream`) through transform `name` built
 * from options: the resulting first record (new reference), or NULL when it
 * was rejected or anything failed, with the reject reason copied into
 * reason (may be NULL). */
json_t *harness_transform_one(const char *name, const char *options_json, const char *stream, const char *rec,
                              char *reason, size_t reason_size);

/* The folder harness_open_plugin() looks in. Static storage. */
const char *harness_plugin_dir(void);

/* Calls fini(), dlclose()s, frees everything the harness owns; NULLs *h. */
void harness_close(sl_harness **h);

/* Borrowed; valid until harness_close(). */
const sluice_plugin *harness_descriptor(sl_harness *h);
/* The plugin's options after checking and defaults (borrowed). */
json_t *harness_options(sl_harness *h);
/* Last error-level log line or set_error() text, or "" (borrowed, valid
 * until the next plugin call). */
const char *harness_last_error(sl_harness *h);
/* Lines logged so far at each level (index: sluice_log_level). */
size_t harness_log_count(sl_harness *h, int level);
/* Makes should_stop() answer non-zero from now on (sources). */
void harness_request_stop(sl_harness *h);

/* ---- Batches (transforms and sinks) ------------------------------------------ */

/* A new empty batch whose source stage id is "harness_source". Returns NULL
 * on allocation failure. The caller frees it with harness_batch_free(). */
harness_batch *harness_batch_new(sl_harness *h);
void harness_batch_free(harness_batch **b);

/* Appends a record on `stream` (copied). Steals `record`, even on failure.
 * Returns 0, or -1 when record is not a JSON object or memory ran out. */
int harness_batch_add(harness_batch *b, const char *stream, json_t *record);
/* Same with the record given as JSON text. -1 if it does not parse to an
 * object. */
int harness_batch_add_json(harness_batch *b, const char *stream, const char *json_text);
/* Sets the origin ("file", line) the plugin sees for the last added record. */
int harness_batch_set_origin(harness_batch *b, const char *origin, uint64_t line);

/* Calls the plugin's process() / write() with the batch and returns what it
 * returned. For a sink with commit() (ABI 1.3), harness_write() then commits
 * as the core does when its queue runs dry: the batch is durable when it
 * returns SLUICE_OK. harness_write_open() leaves the transaction open, and
 * harness_commit() commits it (SLUICE_OK for sinks without commit()). */
int harness_process(sl_harness *h, harness_batch *b);
int harness_write(sl_harness *h, harness_batch *b);
int harness_write_open(sl_harness *h, harness_batch *b);
int harness_commit(sl_harness *h);
/* Calls a transform's finish() (ABI 1.3) with the last batch, as the core
 * does at the end of the input; SLUICE_OK for transforms without one. */
int harness_finish(sl_harness *h, harness_batch *last);
/* What sluice_state_dir() answers plugins (borrowed; default NULL, as from
 * a host older than ABI 1.3). */
void harness_set_state_dir(const char *dir);
/* Calls the sink's flush() if it has one; SLUICE_OK otherwise. */
int harness_flush(sl_harness *h);

/* Records still in the batch (neither dropped nor rejected), in slot order. */
size_t harness_batch_count(const harness_batch *b);
/* The i-th such record (borrowed), or NULL when i is out of range. */
json_t *harness_batch_get(harness_batch *b, size_t i);
/* Its stream (borrowed), or NULL. */
const char *harness_batch_stream(const harness_batch *b, size_t i);
/* Records dropped with sluice_batch_drop() / dead-lettered with
 * sluice_batch_reject(), over the batch's whole life. */
size_t harness_batch_dropped(const harness_batch *b);
size_t harness_batch_rejected(const harness_batch *b);
/* Reason given with the last reject, or NULL (borrowed). */
const char *harness_batch_last_reject(const harness_batch *b);
/* The record as it was when it was rejected: k-th rejection, 0-based
 * (borrowed), or NULL. */
json_t *harness_batch_rejected_record(harness_batch *b, size_t k);

/* ---- Sources ------------------------------------------------------------- */

/* Calls the source's run() and returns what it returned. Emitted records are
 * collected in the harness; reject() calls are counted. */
int harness_run(sl_harness *h);
size_t harness_emitted_count(const sl_harness *h);
json_t *harness_emitted(sl_harness *h, size_t i);          /* borrowed */
const char *harness_emitted_stream(const sl_harness *h, size_t i); /* borrowed */
size_t harness_rejected_count(const sl_harness *h);
const char *harness_last_reject(const sl_harness *h);      /* borrowed, or NULL */
/* Number of flush() calls a source made. */
size_t harness_flush_calls(const sl_harness *h);

#endif
