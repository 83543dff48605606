/*
 * cml_parser.h - a streaming CommerceML 2.x reader that knows nothing of
 * sluice's host: the `commerceml` source wraps it, and so can anything else
 * that receives 1C files (the "exchange with site" endpoint).
 *
 * What it reads
 *   import.xml   Классификатор (groups, properties, warehouses, price types)
 *                and Каталог/Товары/Товар;
 *   offers.xml   ПакетПредложений (price types, warehouses, Предложения with
 *                Цены, Количество, Склад, Остатки), also the split
 *                prices.xml / rests.xml of newer exchanges.
 * Files are recognised by their content (root КоммерческаяИнформация and
 * the elements under it), never by their name; namespaces (none,
 * urn:1C.ru:commerceml_2, urn:1C.ru:commerceml_3) are ignored: elements
 * match on local names. Schema versions 2.03 to 2.10 (and 3.1 split files)
 * are accepted; the three generations of stock (Количество, Склад
 * @КоличествоНаСкладе, Остатки/Остаток) all become `stock` records.
 *
 * What it produces: records (jansson objects) on these streams, each with
 * a stable `id` (see connectors/commerceml/README.md for every field):
 *   product_groups  one per Группа, with parent_id and the resolved path
 *   products        one per Товар (catalogue)
 *   offers          one per Предложение, with the chosen price type's price
 *   prices          one per Предложение/Цены/Цена
 *   stock           one per offer and warehouse, or per offer for a total
 * Every record carries "catalog_id" and "full_refresh": false when the file
 * says СодержитТолькоИзменения="true" (a delta: products absent from it are
 * not deleted), true otherwise (the file is the whole catalogue).
 *
 * Memory: the file is read with libxml2's xmlTextReader and one
 * product/offer subtree is expanded at a time, so memory does not grow with
 * the file; what is kept are the classifier's maps (groups, properties,
 * price types, warehouses), which live in the cml_parser and carry over
 * from one file to the next (a prices.xml names the price types that
 * offers.xml declared; products name the groups of import.xml).
 *
 * Safety: no network, no DTD or external entity is ever loaded, documents
 * whose DTD declares entities are refused, libxml2's size limits stay on
 * (no XML_PARSE_HUGE). See connectors/xmlcommon/xml_safe.h.
 *
 * Threads: a cml_parser is used by one thread at a time; different parsers
 * may run in parallel. Call cml_global_init() once, on the main thread,
 * before the first parser is created.
 *
 * Building: include connectors/commerceml/cml_sources.cmake and add
 * ${SLUICE_CML_SOURCES} to your target with the include folders in
 * ${SLUICE_CML_INCLUDE_DIRS} and LIBS PkgConfig::LIBXML2 (the file finds
 * libxml2 itself).
 *
 * Stability: the names and fields below keep their meaning; new fields are
 * only added at the end of cml_options / cml_sink / cml_stats, and callers
 * must zero-initialise these structs (`cml_options o = {0};`).
 */
#ifndef CML_PARSER_H
#define CML_PARSER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CML_API_VERSION 1

/* Return codes of the functions below. */
enum cml_status {
    CML_OK = 0,
    CML_EPARSE = -1, /* the file is malformed, refused (entities) or not CommerceML: err says where */
    CML_EIO = -2,    /* the file (or the spool) could not be read or written: err says why */
    CML_ENOMEM = -3,
    CML_ESINK = -4,  /* a sink callback returned non-zero; its value is in cml_stats.sink_rc */
    CML_EINVAL = -5  /* a bad argument */
};

/* Streams, as passed to cml_sink.record. Static strings. */
#define CML_STREAM_GROUPS "product_groups"
#define CML_STREAM_PRODUCTS "products"
#define CML_STREAM_OFFERS "offers"
#define CML_STREAM_PRICES "prices"
#define CML_STREAM_STOCK "stock"

/* Where records go. Every callback returns 0 to go on; any other value stops
 * the parse, which then returns CML_ESINK with the value in
 * cml_stats.sink_rc. All strings are borrowed for the call only. */
typedef struct cml_sink {
    void *ud; /* handed back to every callback */
    /* A record. Steals `rec` (a JSON object), even when it returns non-zero.
     * origin is the file's path, line the line of the record's element. */
    int (*record)(void *ud, const char *stream, json_t *rec, const char *origin, uint64_t line);
    /* Optional. With all_or_nothing on a non-seekable input, spooled
     * records are replayed as compact JSON text; when this is set they are
     * handed over as text (no re-parse here), otherwise parsed and given to
     * record(). */
    int (*record_json)(void *ud, const char *stream, const char *json, size_t len, const char *origin,
                       uint64_t line);
    /* Optional. Input that cannot become a record (e.g. a Товар without Ид):
     * `raw` is a short excerpt, `reason` says why. When NULL such input is
     * only counted in cml_stats.rejected. */
    int (*reject)(void *ud, const char *stream, const char *raw, size_t len, const char *origin,
                  uint64_t line, const char *reason);
    /* Optional. Asked every few hundred records; non-zero stops the parse
     * (CML_ESINK with sink_rc = that value). */
    int (*should_stop)(void *ud);
} cml_sink;

typedef struct cml_options {
    /* Which price type becomes an offer's "price"/"currency": matched
     * against ТипЦены/Ид first, then ТипЦены/Наименование. NULL: the first
     * price type the file declares (or, with none declared, the offer's
     * first Цена). Borrowed; must outlive the parser. */
    const char *price_type;
    /* Non-zero: a file's records reach the sink only once the whole file
     * is known to parse without error; a failed file delivers nothing. A
     * seekable file is read twice (a validation pass at about the speed of
     * `xmllint --stream`, then the pass that delivers); anything else (a
     * pipe) is spooled to an unlinked temporary file in tmpdir. Memory
     * stays bounded either way. Should a file change between the two
     * passes so that the second one fails, what it delivered before the
     * failure stays delivered and the error says so.
     * Zero: records are delivered as they are read and those before an
     * error stay delivered. */
    int all_or_nothing;
    /* Folder for the spool (non-seekable input only); NULL: $TMPDIR, else
     * /tmp. Borrowed. */
    const char *tmpdir;
} cml_options;

/* What cml_parser_file did with one file. */
typedef struct cml_stats {
    uint64_t groups, products, offers, prices, stock; /* records delivered per stream */
    uint64_t rejected;  /* inputs that could not become records */
    int sink_rc;        /* the non-zero value a sink callback returned (CML_ESINK) */
    int kind;           /* enum cml_kind of the file */
    int full_refresh;   /* 1: a full file, 0: СодержитТолькоИзменения="true" */
} cml_stats;

enum cml_kind {
    CML_KIND_UNKNOWN = 0,
    CML_KIND_IMPORT = 1, /* Классификатор and/or Каталог: read first */
    CML_KIND_OFFERS = 2, /* ПакетПредложений (offers, prices, rests): read after imports */
    CML_KIND_OTHER = 3   /* CommerceML without catalogue data (e.g. Документ, orders) */
};

/* What cml_sniff() learned from the start of a file. */
typedef struct cml_file_info {
    int kind;           /* enum cml_kind */
    int full_refresh;   /* as in cml_stats; 1 when the file does not say */
    char schema_version[16]; /* ВерсияСхемы, "" if absent */
} cml_file_info;

typedef struct cml_parser cml_parser;

/* Installs libxml2's safety settings (the external entity loader that
 * refuses everything) and initialises libxml2. Idempotent and thread-safe,
 * but call it first from the main thread. */
void cml_global_init(void);

/* Reads just enough of `path` to tell its kind (stops at the first
 * Каталог / ПакетПредложений / Документ). Returns CML_OK with *info filled,
 * or an error with err (NUL-terminated, errlen > 0) saying
 * "PATH:LINE: message". A well-formed file whose root is not
 * КоммерческаяИнформация is CML_EPARSE. */
int cml_sniff(const char *path, cml_file_info *info, char *err, size_t errlen);

/* A new parser (owned by the caller: free with cml_parser_free), or NULL
 * when memory ran out. opt may be NULL (defaults); it is copied, but the
 * strings it points to are borrowed. */
cml_parser *cml_parser_new(const cml_options *opt);

/* Frees the parser and NULLs *p. */
void cml_parser_free(cml_parser **p);

/* Parses one file into `out` (borrowed). Classifier maps learned from it
 * are kept in the parser for the files that follow. stats may be NULL.
 * Returns CML_OK, or a cml_status with err set as for cml_sniff. */
int cml_parser_file(cml_parser *p, const char *path, const cml_sink *out, cml_stats *stats, char *err,
                    size_t errlen);

/* cml_parser_file() on an open file descriptor (borrowed: read from its
 * current offset, not closed); `name` is used in records' origin and in
 * messages. Lets a caller fingerprint exactly the file it parses. */
int cml_parser_fd(cml_parser *p, int fd, const char *name, const cml_sink *out, cml_stats *stats, char *err,
                  size_t errlen);

/* One file with a parser of its own: cml_parser_new + cml_parser_file +
 * cml_parser_free. */
int cml_parse_file(const char *path, const cml_options *opt, const cml_sink *out, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* CML_PARSER_H */
