/* rest.h - the `rest` source: any JSON-over-HTTP list API described in the
 * pipeline file (url, query, headers, body, auth, where the records are,
 * how pages follow each other, how to ask for changes only), so a CRM we
 * do not ship can be read without writing C. See README.md. */
#ifndef REST_H
#define REST_H

#include "httpcommon.h"

enum rest_paging { RP_NONE, RP_CURSOR, RP_NEXT_URL, RP_LINK, RP_PAGE, RP_OFFSET };

/* The declarative part, checked in init. Strings are borrowed from the
 * options (valid for the run) unless said otherwise. */
typedef struct rest_config {
    const char *url;
    const char *method;        /* "GET" or "POST" ... */
    json_t *query;             /* object or NULL */
    json_t *headers;           /* object or NULL */
    json_t *body;              /* any JSON, or NULL */
    const char *records;       /* pointer to the record array ("" = the body) */
    const char *stream;

    int paging;                /* enum rest_paging */
    const char *cursor_ptr;    /* cursor: where the next token is in the answer */
    const char *cursor_param;  /* cursor: query parameter taking it */
    const char *cursor_body;   /* cursor: or a pointer into the request body */
    const char *next_ptr;      /* next_url: where the next URL is in the answer */
    const char *page_param;    /* page / offset: the query parameter */
    long page_start;           /* page: the first page's number */
    const char *size_param;    /* page: page size parameter / offset: limit parameter */
    long size;                 /* page size / limit, 0 when not sent */
    const char *total_ptr;     /* page: total pages; offset: total records (in the answer) */
    const char *total_header;  /* ... or in a response header */

    int incremental;           /* an `incremental` object was given */
    const char *inc_param;     /* query parameter taking the lower bound */
    const char *inc_body;      /* or a pointer into the request body */
    const char *inc_field;     /* pointer to the cursor field in each record */
    const char *inc_format;    /* how the lower bound is written ("raw": as the record had it) */
    const char *id_field;      /* pointer to the record's id */
    int inc_ordered;           /* the API returns records sorted by inc_field ascending */
    json_t *inc_start;         /* lower bound of a first run, or NULL */
    double inc_lookback_s;     /* the lower bound moves back this far (APIs whose filter is ">") */
} rest_config;

typedef struct rest_source {
    hc_options opt;
    rest_config cfg;
    sluice_http *http;         /* owned */
    hc_cursor *cursor;         /* owned */
} rest_source;

/* config.c: reads and checks the options into *cfg (SLUICE_OK or
 * SLUICE_EINVAL with sluice_set_error). */
int rest_config_read(sluice_ctx *ctx, rest_config *cfg);
/* config.c: the `auth` option into the client config; registers secrets. */
int rest_auth_read(sluice_ctx *ctx, sluice_http_config *http);

/* request.c: one request being prepared; everything owned. */
typedef struct rest_req {
    sluice_http_request req;
    char *url;
    hc_strv query;
    hc_strv headers;
    char *body;
} rest_req;

/* What changes from page to page. */
typedef struct rest_page_state {
    char *next_url;     /* next_url / link: the URL to follow (owned), or NULL on the first page */
    char *token;        /* cursor: the next token (owned), or NULL on the first page */
    long page;          /* page: the page number; offset: the offset */
    json_t *since;      /* incremental lower bound (borrowed), or NULL */
} rest_page_state;

/* Builds the request for a page. SLUICE_OK or an error (reported). */
int rest_req_build(sluice_ctx *ctx, const rest_source *src, const rest_page_state *ps, rest_req *out);
void rest_req_free(rest_req *r);
/* Sets the value at pointer ptr in doc, creating objects on the way. */
int rest_pointer_set(json_t *doc, const char *ptr, json_t *value);

/* pages.c: the page loop. */
int rest_fetch(sluice_ctx *ctx, rest_source *src);

#endif
