/* cml_int.h - what the parts of the CommerceML reader share. Internal
 * (names cml_*; plugins are built with hidden visibility). */
#ifndef CML_INT_H
#define CML_INT_H

#include "cml_parser.h"
#include "xml_out.h"
#include "xml_safe.h"
#include "xml_text.h"

/* Element names (UTF-8), matched on local names. */
#define CML_ROOT "КоммерческаяИнформация"
#define CML_CLASSIFIER "Классификатор"
#define CML_CATALOG "Каталог"
#define CML_PACKAGE "ПакетПредложений"
#define CML_DOCUMENT "Документ"
#define CML_ONLY_CHANGES "СодержитТолькоИзменения"
#define CML_SCHEMA_VERSION "ВерсияСхемы"

struct cml_parser {
    cml_options opt;
    /* Maps learned from classifiers and packages, kept across files. All
     * owned JSON objects keyed by Ид: */
    json_t *groups;      /* -> {"name": s, "path": s} */
    json_t *props;       /* -> {"name": s, "values": {ИдЗначения: Значение}} */
    json_t *price_types; /* -> {"name": s, "currency": s} */
    json_t *warehouses;  /* -> name (string) */
    char *first_type;    /* Ид of the first price type of the last file that declared any; owned */
    char *chosen_type;   /* Ид of the price type opt.price_type named, once seen; owned */
    slx_buf t1, t2, t3;  /* scratch text */
};

/* One file being read. */
typedef struct cml_file {
    cml_parser *p;
    slx_reader rd;
    slx_out out;
    char *catalog_id;    /* owned: Каталог/Ид, ПакетПредложений/ИдКаталога */
    char *classifier_id; /* owned: Классификатор/Ид */
    int full_refresh;    /* of the current Каталог / ПакетПредложений */
    int groups_full;     /* of the Классификатор */
    int types_declared;  /* price types declared by this file so far */
    int kind;            /* enum cml_kind, from the sections seen */
    uint64_t n[5];       /* records accepted per stream (enum cml_stream) */
} cml_file;

enum cml_stream { CML_S_GROUPS, CML_S_PRODUCTS, CML_S_OFFERS, CML_S_PRICES, CML_S_STOCK };

/* cml_parser.c: emits rec on stream s (steals rec) after adding catalog_id
 * (or, for groups, the classifier's Ид) and full_refresh. */
int cml_emit(cml_file *f, int s, json_t *rec, long line);
/* Rejects the element n (its start as the raw excerpt). */
int cml_reject(cml_file *f, int s, const xmlNode *n, long line, const char *reason);
/* The reader's status after a reader call returned -1. */
int cml_rd_status(cml_file *f);
/* Expands the current element and returns a copy of its trimmed text
 * (caller frees), or NULL with *rc set (SLX_OK with empty text). */
char *cml_take_text(cml_file *f, int *rc);

/* cml_classifier.c: with the reader on a Группы element at `depth`. */
int cml_read_groups(cml_file *f, int depth);
/* Expanded Свойство, ТипЦены, Склад subtrees. */
int cml_read_property(cml_file *f, const xmlNode *n);
int cml_read_price_type(cml_file *f, const xmlNode *n);
int cml_read_warehouse(cml_file *f, const xmlNode *n);

/* cml_items.c: expanded Товар / Предложение subtrees. */
int cml_product(cml_file *f, const xmlNode *n, long line);
int cml_offer(cml_file *f, const xmlNode *n, long line);

#endif
