/* link.c - the rel="next" target of an RFC 8288 Link header, as Shopify
 * sends it: <URL>; rel="next", <URL>; rel="previous". */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shopify.h"

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Whether the parameters between p and end (";"-separated, after the
 * URL) hold rel="next" (quoted or not; rel may list several types). */
static int params_say_next(const char *p, const char *end)
{
    while (p < end) {
        p = skip_space(p);
        if (*p == ';') {
            p++;
            continue;
        }
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *stop = semi ? semi : end;
        if (stop - p > 4 && strncasecmp(p, "rel", 3) == 0) {
            const char *v = skip_space(p + 3);
            if (*v == '=') {
                v = skip_space(v + 1);
                if (*v == '"')
                    v++;
                /* rel="next prev": space-separated relation types */
                while (v < stop && *v != '"') {
                    const char *w = v;
                    while (w < stop && *w != ' ' && *w != '"')
                        w++;
                    if (w - v == 4 && strncasecmp(v, "next", 4) == 0)
                        return 1;
                    v = w;
                    while (v < stop && *v == ' ')
                        v++;
                }
            }
        }
        p = stop;
    }
    return 0;
}

char *shop_link_next(const char *link)
{
    const char *p = link;
    if (link == NULL)
        return NULL;
    for (;;) {
        const char *lt = strchr(p, '<');
        if (lt == NULL)
            return NULL;
        const char *gt = strchr(lt + 1, '>');
        if (gt == NULL)
            return NULL;
        /* the entry's parameters run to the next comma outside <> */
        const char *end = strchr(gt + 1, ',');
        if (end == NULL)
            end = gt + 1 + strlen(gt + 1);
        if (params_say_next(gt + 1, end))
            return strndup(lt + 1, (size_t)(gt - lt - 1));
        if (*end == '\0')
            return NULL;
        p = end + 1;
    }
}
