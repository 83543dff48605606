/* jsonpos.c - see jsonpos.h. A recursive-descent walk that records, for
 * every value, its JSON path and where it starts. It trusts jansson to have
 * judged the syntax already, so it only needs to stay safe on bad input, not
 * to diagnose it. */
#include "jsonpos.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "textutil.h"

/* jansson refuses deeper documents anyway (JSON_PARSER_MAX_DEPTH 2048). */
#define JP_MAX_DEPTH 2048

typedef struct jp_entry {
    char *path;      /* owned */
    int vline, vcol; /* value */
    int kline, kcol; /* member key, 0 if none */
} jp_entry;

struct sl_jsonpos {
    jp_entry *e; /* owned */
    size_t n, cap;
};

typedef struct jp_scan {
    const unsigned char *s;
    size_t len, i;
    int line, col; /* col: characters consumed on this line */
    sl_jsonpos *jp;
} jp_scan;

static int peek(const jp_scan *sc) { return sc->i < sc->len ? sc->s[sc->i] : -1; }

static void advance(jp_scan *sc)
{
    if (sc->i >= sc->len)
        return;
    unsigned char c = sc->s[sc->i++];
    if (c == '\n') {
        sc->line++;
        sc->col = 0;
    } else if ((c & 0xC0) != 0x80) { /* count UTF-8 lead bytes only, as jansson does */
        sc->col++;
    }
}

static void skip_ws(jp_scan *sc)
{
    for (int c = peek(sc); c == ' ' || c == '\t' || c == '\n' || c == '\r'; c = peek(sc))
        advance(sc);
}

static int add_entry(jp_scan *sc, char *path, int vline, int vcol, int kline, int kcol)
{
    sl_jsonpos *jp = sc->jp;
    if (jp->n == jp->cap) {
        size_t cap = jp->cap ? jp->cap * 2 : 64;
        jp_entry *e = realloc(jp->e, cap * sizeof *e);
        if (!e) {
            free(path);
            return -1;
        }
        jp->e = e;
        jp->cap = cap;
    }
    jp->e[jp->n++] = (jp_entry){path, vline, vcol, kline, kcol};
    return 0;
}

static int hex4(const unsigned char *p, size_t avail, unsigned *out)
{
    if (avail < 4)
        return -1;
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        unsigned c = p[k], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v * 16 + d;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(unsigned char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Reads a string token; with `out`, also decodes it into a new string so
 * member keys match the keys jansson decoded. Returns 0 or -1. */
static int scan_string(jp_scan *sc, char **out)
{
    advance(sc); /* opening quote */
    size_t start = sc->i;
    while (sc->i < sc->len && sc->s[sc->i] != '"') {
        if (sc->s[sc->i] == '\\')
            advance(sc);
        advance(sc);
    }
    if (sc->i >= sc->len)
        return -1;
    size_t end = sc->i;
    advance(sc); /* closing quote */
    if (!out)
        return 0;
    /* Decoding never grows the text: an escape is at least as long as its UTF-8. */
    unsigned char *o = malloc(end - start + 1);
    if (!o)
        return -1;
    size_t n = 0;
    for (size_t i = start; i < end; i++) {
        unsigned char c = sc->s[i];
        if (c != '\\') {
            o[n++] = c;
            continue;
        }
        c = sc->s[++i];
        switch (c) {
        case 'b': o[n++] = '\b'; break;
        case 'f': o[n++] = '\f'; break;
        case 'n': o[n++] = '\n'; break;
        case 'r': o[n++] = '\r'; break;
        case 't': o[n++] = '\t'; break;
        case 'u': {
            unsigned hi, lo;
            if (hex4(sc->s + i + 1, end - i - 1, &hi) != 0)
                break;
            i += 4;
            uint32_t cp = hi;
            if (hi >= 0xD800 && hi < 0xDC00 && end - i - 1 >= 6 && sc->s[i + 1] == '\\' &&
                sc->s[i + 2] == 'u' && hex4(sc->s + i + 3, end - i - 3, &lo) == 0 && lo >= 0xDC00 &&
                lo < 0xE000) {
                cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            }
            n += put_utf8(o + n, cp);
            break;
        }
        default: o[n++] = c; break; /* \" \\ \/ */
        }
    }
    o[n] = '\0';
    *out = (char *)o;
    return 0;
}

static int scan_value(jp_scan *sc, char *path, int kline, int kcol, int depth);

static int scan_object(jp_scan *sc, const char *path, int depth)
{
    advance(sc); /* { */
    skip_ws(sc);
    if (peek(sc) == '}') {
        advance(sc);
        return 0;
    }
    for (;;) {
        skip_ws(sc);
        if (peek(sc) != '"')
            return -1;
        int kline = sc->line, kcol = sc->col + 1;
        char *key = NULL;
        if (scan_string(sc, &key) != 0)
            return -1;
        char *child = sl_json_path_key(path, key);
        free(key);
        if (!child)
            return -1;
        skip_ws(sc);
        if (peek(sc) != ':') {
            free(child);
            return -1;
        }
        advance(sc);
        if (scan_value(sc, child, kline, kcol, depth + 1) != 0)
            return -1;
        skip_ws(sc);
        int c = peek(sc);
        advance(sc);
        if (c == '}')
            return 0;
        if (c != ',')
            return -1;
    }
}

static int scan_array(jp_scan *sc, const char *path, int depth)
{
    advance(sc); /* [ */
    skip_ws(sc);
    if (peek(sc) == ']') {
        advance(sc);
        return 0;
    }
    for (size_t idx = 0;; idx++) {
        char *child = sl_json_path_index(path, idx);
        if (!child || scan_value(sc, child, 0, 0, depth + 1) != 0)
            return -1;
        skip_ws(sc);
        int c = peek(sc);
        advance(sc);
        if (c == ']')
            return 0;
        if (c != ',')
            return -1;
    }
}

/* Takes ownership of `path`. */
static int scan_value(jp_scan *sc, char *path, int kline, int kcol, int depth)
{
    skip_ws(sc);
    if (depth > JP_MAX_DEPTH || sc->i >= sc->len) {
        free(path);
        return -1;
    }
    if (add_entry(sc, path, sc->line, sc->col + 1, kline, kcol) != 0)
        return -1;
    /* The entry array may move while the children are added, so reach the
     * path through its index, not through a pointer. */
    size_t self = sc->jp->n - 1;
    switch (peek(sc)) {
    case '{': return scan_object(sc, sc->jp->e[self].path, depth);
    case '[': return scan_array(sc, sc->jp->e[self].path, depth);
    case '"': return scan_string(sc, NULL);
    default:
        for (int c = peek(sc); c != -1 && !strchr(",]} \t\r\n", c); c = peek(sc))
            advance(sc);
        return 0;
    }
}

sl_jsonpos *sl_jsonpos_index(const char *text, size_t len)
{
    sl_jsonpos *jp = calloc(1, sizeof *jp);
    char *root = strdup("");
    if (!jp || !root) {
        free(jp);
        free(root);
        return NULL;
    }
    jp_scan sc = {(const unsigned char *)text, len, 0, 1, 0, jp};
    scan_value(&sc, root, 0, 0, 0); /* a partial index is still useful */
    return jp;
}

void sl_jsonpos_free(sl_jsonpos **jp)
{
    if (!jp || !*jp)
        return;
    for (size_t i = 0; i < (*jp)->n; i++)
        free((*jp)->e[i].path);
    free((*jp)->e);
    free(*jp);
    *jp = NULL;
}

static const jp_entry *find(const sl_jsonpos *jp, const char *path)
{
    if (!jp || !path)
        return NULL;
    for (size_t i = 0; i < jp->n; i++)
        if (strcmp(jp->e[i].path, path) == 0)
            return &jp->e[i];
    return NULL;
}

int sl_jsonpos_value(const sl_jsonpos *jp, const char *path, int *line, int *col)
{
    const jp_entry *e = find(jp, path);
    if (!e)
        return -1;
    *line = e->vline;
    *col = e->vcol;
    return 0;
}

int sl_jsonpos_key(const sl_jsonpos *jp, const char *path, int *line, int *col)
{
    const jp_entry *e = find(jp, path);
    if (!e || e->kline == 0)
        return -1;
    *line = e->kline;
    *col = e->kcol;
    return 0;
}

char *sl_json_path_key(const char *prefix, const char *key)
{
    if (!prefix || !prefix[0])
        return strdup(key);
    return sl_strfmt("%s.%s", prefix, key);
}

char *sl_json_path_index(const char *prefix, size_t i)
{
    return sl_strfmt("%s[%zu]", prefix ? prefix : "", i);
}
