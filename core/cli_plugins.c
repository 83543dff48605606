/* cli_plugins.c - see cli_plugins.h. Everything printed comes from the
 * plugins' own descriptors and option tables, so the listing can not drift
 * from what the config checker enforces. */
#include "cli_plugins.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "textutil.h"

#define DEFAULT_SHOWN 32 /* longer default values are cut in the table */

static const char *or_dash(const char *s) { return s && s[0] ? s : "-"; }

static void warn_cb(const char *msg) { sl_log(SLUICE_LOG_WARN, NULL, "%s", msg); }

/* ---- sluice plugins --------------------------------------------------------- */

static int width_of(const char *s) { return (int)strlen(or_dash(s)); }

int sl_cli_plugins(const sl_search_path *sp, FILE *out)
{
    sl_plugin_handle **h = NULL;
    size_t n = 0;
    if (sl_plugin_list(sp, &h, &n, warn_cb) != 0) {
        fprintf(stderr, "sluice: out of memory\n");
        return 1;
    }
    int wk = 4, wn = 4, wv = 7;
    for (size_t i = 0; i < n; i++) {
        const sluice_plugin *d = h[i]->desc;
        int k = width_of(sl_kind_name(d->kind)), nm = width_of(d->name), v = width_of(d->version);
        wk = k > wk ? k : wk;
        wn = nm > wn ? nm : wn;
        wv = v > wv ? v : wv;
    }
    if (n == 0) {
        fprintf(out, "no plugins found; searched:\n");
        for (size_t i = 0; i < sp->n; i++)
            fprintf(out, "  %s\n", sp->dirs[i]);
    } else {
        fprintf(out, "%-*s  %-*s  %-*s  %s\n", wk, "KIND", wn, "NAME", wv, "VERSION", "DESCRIPTION");
    }
    for (size_t i = 0; i < n; i++) {
        const sluice_plugin *d = h[i]->desc;
        fprintf(out, "%-*s  %-*s  %-*s  %s\n", wk, sl_kind_name(d->kind), wn, d->name, wv, or_dash(d->version),
                or_dash(d->description));
        sl_plugin_close(&h[i]);
    }
    free(h);
    return 0;
}

/* ---- sluice describe -------------------------------------------------------- */

/* "required", the default as JSON, or "-"; a new string. */
static char *default_text(const sluice_option *o)
{
    if (o->flags & SLUICE_OPT_REQUIRED)
        return strdup("required");
    if (!o->default_json)
        return strdup("-");
    if (o->flags & SLUICE_OPT_SECRET)
        return strdup("(hidden)");
    size_t len = strlen(o->default_json);
    if (len <= DEFAULT_SHOWN)
        return strdup(o->default_json);
    return sl_strfmt("%.*s...", DEFAULT_SHOWN - 3, o->default_json);
}

static char *type_text(const sluice_option *o)
{
    return sl_strfmt("%s%s", sl_opt_type_name(o->type), (o->flags & SLUICE_OPT_SECRET) ? ", secret" : "");
}

static char *choices_text(const sluice_option *o)
{
    if (!o->choices)
        return strdup("");
    char *s = strdup(" (one of: ");
    for (size_t i = 0; s && o->choices[i]; i++) {
        char *w = sl_word_or_quote(o->choices[i]);
        char *next = w ? sl_strfmt("%s%s%s", s, i ? ", " : "", w) : NULL;
        free(w);
        free(s);
        s = next;
    }
    char *done = s ? sl_strfmt("%s)", s) : NULL;
    free(s);
    return done;
}

static void print_options(const sluice_plugin *d, FILE *out)
{
    if (!d->options || !d->options[0].name) {
        fprintf(out, "\n  (no options)\n");
        return;
    }
    int wn = 6, wt = 4, wd = 7;
    for (const sluice_option *o = d->options; o->name; o++) {
        char *t = type_text(o), *df = default_text(o);
        int lt = t ? (int)strlen(t) : 0, ld = df ? (int)strlen(df) : 0, ln = (int)strlen(o->name);
        wn = ln > wn ? ln : wn;
        wt = lt > wt ? lt : wt;
        wd = ld > wd ? ld : wd;
        free(t);
        free(df);
    }
    fprintf(out, "\n  %-*s  %-*s  %-*s  %s\n", wn, "OPTION", wt, "TYPE", wd, "DEFAULT", "DESCRIPTION");
    for (const sluice_option *o = d->options; o->name; o++) {
        char *t = type_text(o), *df = default_text(o), *ch = choices_text(o);
        fprintf(out, "  %-*s  %-*s  %-*s  %s%s\n", wn, o->name, wt, t ? t : "?", wd, df ? df : "?",
                o->description ? o->description : "", ch ? ch : "");
        free(t);
        free(df);
        free(ch);
    }
}

static void print_plugin(const sl_plugin_handle *h, FILE *out)
{
    const sluice_plugin *d = h->desc;
    fprintf(out, "%s %s %s\n", sl_kind_name(d->kind), d->name, or_dash(d->version));
    if (d->description && d->description[0])
        fprintf(out, "  %s\n", d->description);
    fprintf(out, "  file: %s\n", h->path);
    fprintf(out, "  plugin ABI: %u.%u\n", (unsigned)d->abi_major, (unsigned)d->abi_minor);
    if (d->kind == SLUICE_TRANSFORM && (d->flags & SLUICE_PLUGIN_SERIAL))
        fprintf(out, "  runs in one worker only\n");
    print_options(d, out);
}

/* Splits "kind/name" or "kind:name"; *kind 0 when no kind is given, -1 when
 * the kind is not one we know. *name points into `arg`. */
static void split_name(const char *arg, int *kind, const char **name)
{
    const char *sep = strpbrk(arg, "/:");
    *kind = 0;
    *name = arg;
    if (sep) {
        *kind = sl_kind_parse(arg, (size_t)(sep - arg));
        *name = sep + 1;
        if (!*kind)
            *kind = -1;
    }
}

static void not_found(const sl_search_path *sp, int kind, const char *name)
{
    if (kind > 0) {
        sl_plugin_handle *h = NULL;
        char *err = NULL;
        sl_plugin_find(sp, kind, name, &h, &err); /* for its message: folders and a suggestion */
        sl_plugin_close(&h);
        fprintf(stderr, "sluice: %s\n", err ? err : "out of memory");
        free(err);
        return;
    }
    fprintf(stderr, "sluice: no plugin named \"%s\"; looked for source_%s.so, transform_%s.so and sink_%s.so in:\n",
            name, name, name, name);
    for (size_t i = 0; i < sp->n; i++)
        fprintf(stderr, "  %s\n", sp->dirs[i]);
    fprintf(stderr, "`sluice plugins` lists the plugins found.\n");
}

int sl_cli_describe(const sl_search_path *sp, const char *arg, FILE *out)
{
    int want, printed = 0, broken = 0;
    const char *name;
    split_name(arg, &want, &name);
    if (want < 0) {
        fprintf(stderr, "sluice: \"%s\": the kind before the name is source, transform or sink\n", arg);
        return 2;
    }
    for (int k = SLUICE_SOURCE; k <= SLUICE_SINK; k++) {
        if (want && k != want)
            continue;
        char *path = sl_plugin_locate(sp, k, name);
        if (!path)
            continue;
        sl_plugin_handle *h = NULL;
        char *err = NULL;
        if (sl_plugin_open(path, &h, &err) == 0) {
            if (printed++)
                fputc('\n', out);
            print_plugin(h, out);
            sl_plugin_close(&h);
        } else {
            fprintf(stderr, "sluice: %s\n", err ? err : "out of memory");
            broken++;
        }
        free(err);
        free(path);
    }
    if (broken)
        return 1;
    if (!printed) {
        not_found(sp, want, name);
        return 2;
    }
    return 0;
}
