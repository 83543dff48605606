/* textutil.c - see textutil.h. */
#include "textutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *sl_vstrfmt(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *sl_strfmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = sl_vstrfmt(fmt, ap);
    va_end(ap);
    return s;
}

char *sl_strdup0(const char *s) { return s ? strdup(s) : NULL; }

char *sl_path_join(const char *dir, const char *rel)
{
    if (rel[0] == '/' || !dir || !dir[0])
        return strdup(rel);
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    /* "./x" and "x" are the same file; dropping "./" keeps messages tidy. */
    while (rel[0] == '.' && rel[1] == '/')
        rel += 2;
    if (strcmp(rel, ".") == 0 || rel[0] == '\0')
        return strndup(dir, dl);
    return sl_strfmt("%.*s/%s", (int)dl, dl == 1 && dir[0] == '/' ? "" : dir, rel);
}

char *sl_json_quote(const char *s)
{
    json_t *v = json_string(s);
    char *q = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
    json_decref(v);
    if (!q) /* not UTF-8: show it as it is rather than not at all */
        return sl_strfmt("\"%s\"", s);
    /* json_dumps memory comes from jansson's allocator: hand out our own. */
    char *out = strdup(q);
    json_free_t free_fn;
    json_get_alloc_funcs(NULL, &free_fn);
    free_fn(q);
    return out;
}

char *sl_word_or_quote(const char *s)
{
    size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.+/-");
    return n > 0 && s[n] == '\0' ? strdup(s) : sl_json_quote(s);
}

size_t sl_edit_distance(const char *a, const char *b, size_t cap)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return cap; /* option and stage names are short; anything longer is no typo */
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            size_t m = sub < del ? sub : del;
            cur[j] = m < ins ? m : ins;
        }
        memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
    }
    return prev[lb] < cap ? prev[lb] : cap;
}

const char *sl_suggest(const char *word, const char *const *candidates, size_t n)
{
    size_t wl = strlen(word);
    /* One edit for short words, two or three for longer ones: "pth" ->
     * "path", "batchsize" -> "batch_size", but not "id" -> "of" nor
     * "cfgsrc" -> "cfgout". */
    size_t limit = wl <= 4 ? 1 : wl <= 8 ? 2 : 3;
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (size_t i = 0; i < n; i++) {
        if (!candidates[i])
            continue;
        size_t d = sl_edit_distance(word, candidates[i], best_d);
        if (d < best_d && d < strlen(candidates[i])) {
            best_d = d;
            best = candidates[i];
        }
    }
    return best;
}
