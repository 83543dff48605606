/* each_record.h - the loop most transforms run over a batch: every record
 * that is a JSON object, in slot order, under the "C" locale (strtod and
 * printf follow LC_NUMERIC), stopping at the first error. Compiled into
 * each plugin that uses it; plugins share no library. */
#ifndef SLUICE_TX_EACH_RECORD_H
#define SLUICE_TX_EACH_RECORD_H

#include <locale.h>
#include <stddef.h>

#include <sluice/plugin.h>

/* Handles record i (borrowed, an object) of b; SLUICE_OK to go on. */
typedef int (*tx_record_fn)(void *state, sluice_ctx *ctx, sluice_batch *b, size_t i, json_t *rec);

/* Calls fn for each record of b with the thread pinned to c_locale, and
 * puts back the host's locale. A failure is logged as "NAME: reason" and
 * returned. */
int tx_each_record(sluice_batch *b, locale_t c_locale, tx_record_fn fn, void *state, sluice_ctx *ctx,
                   const char *name);

#endif
