/* each_record.c - see each_record.h. */
#include "each_record.h"

int tx_each_record(sluice_batch *b, locale_t c_locale, tx_record_fn fn, void *state, sluice_ctx *ctx,
                   const char *name)
{
    size_t n = sluice_batch_count(b);
    int rc = SLUICE_OK;
    locale_t old = uselocale(c_locale);
    for (size_t i = 0; i < n && rc == SLUICE_OK; i++) {
        json_t *rec = sluice_batch_record(b, i);
        if (json_is_object(rec))
            rc = fn(state, ctx, b, i, rec);
    }
    uselocale(old);
    if (rc != SLUICE_OK)
        sluice_error(ctx, "%s: %s", name, sluice_strerror(rc));
    return rc;
}
