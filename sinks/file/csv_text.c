/* csv_text.c - RFC 4180 quoting and header parsing (see csv_text.h). */
#include "csv_text.h"
#include "json_text.h"

int csv_field(sink_buf *out, const char *s, size_t n, char delim)
{
    int quote = 0;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == delim || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (!quote)
        return sink_buf_put(out, s, n);
    if (sink_buf_putc(out, '"') != 0)
        return -1;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '"')
            continue;
        /* Copy up to and including the quote, then double it. */
        if (sink_buf_put(out, s + run, i + 1 - run) != 0 || sink_buf_putc(out, '"') != 0)
            return -1;
        run = i + 1;
    }
    if (sink_buf_put(out, s + run, n - run) != 0)
        return -1;
    return sink_buf_putc(out, '"');
}

int csv_value(sink_buf *out, const json_t *v, char delim, sink_buf *scratch)
{
    if (!v)
        return 0;
    switch (json_typeof(v)) {
    case JSON_STRING: return csv_field(out, json_string_value(v), json_string_length(v), delim);
    case JSON_INTEGER: return sink_json_integer(out, json_integer_value(v));
    case JSON_REAL: {
        char tmp[SINK_JSON_REAL_MAX];
        size_t n = sink_json_real(tmp, json_real_value(v));
        return csv_field(out, tmp, n, delim); /* a delimiter of '.' or 'e' would need quotes */
    }
    case JSON_TRUE: return sink_buf_put(out, "true", 4);
    case JSON_FALSE: return sink_buf_put(out, "false", 5);
    case JSON_NULL: return 0;
    case JSON_OBJECT:
    case JSON_ARRAY:
        scratch->len = 0;
        if (sink_json_append(scratch, v, 0) != 0)
            return -1;
        return csv_field(out, scratch->data, scratch->len, delim);
    }
    return 0;
}

/* Reads one field starting at text[*pos]; appends it (unquoted) to
 * `name`. Stops on the delimiter, at the end of the line or of the text.
 * Returns 1 when the line ended after this field, 0 when a delimiter
 * followed, -1 when the text ended first (incomplete line) or on OOM. */
static int read_field(const char *text, size_t n, size_t *pos, char delim, sink_buf *name)
{
    size_t i = *pos;
    int quoted = i < n && text[i] == '"';
    if (quoted)
        i++;
    for (; i < n; i++) {
        char c = text[i];
        if (quoted && c == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
                if (sink_buf_putc(name, '"') != 0)
                    return -1;
                i++;
                continue;
            }
            quoted = 0; /* closing quote; what follows until the separator is kept as is */
            continue;
        }
        if (!quoted && (c == delim || c == '\n' || c == '\r')) {
            *pos = i + 1;
            if (c == '\r' && i + 1 < n && text[i + 1] == '\n')
                *pos = i + 2;
            return c == delim ? 0 : 1;
        }
        if (sink_buf_putc(name, c) != 0)
            return -1;
    }
    return -1;
}

json_t *csv_parse_header(const char *text, size_t n, char delim)
{
    size_t pos = 0;
    if (n >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
        (unsigned char)text[2] == 0xBF)
        pos = 3;
    json_t *names = json_array();
    sink_buf name = {0};
    int rc = 0;
    while (names && rc == 0) {
        name.len = 0;
        rc = read_field(text, n, &pos, delim, &name);
        if (rc < 0 || json_array_append_new(names, json_stringn(name.data ? name.data : "", name.len)) != 0)
            rc = -1;
    }
    sink_buf_free(&name);
    if (rc < 0) {
        json_decref(names);
        return NULL;
    }
    return names;
}
