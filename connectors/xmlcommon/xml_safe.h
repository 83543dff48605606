/* xml_safe.h - a libxml2 xmlTextReader set up so that untrusted files can
 * neither reach the network or the file system nor blow up memory.
 *
 * What "safe" means here:
 *   - parser options are XML_PARSE_NONET | XML_PARSE_BIG_LINES |
 *     XML_PARSE_COMPACT and nothing else: no XML_PARSE_NOENT (entities are
 *     never substituted), no XML_PARSE_DTDLOAD / DTDATTR / DTDVALID (no DTD is
 *     ever read), no XML_PARSE_HUGE (libxml2's limits stay: 10 MB per text
 *     node or attribute value, 256 levels of nesting, entity amplification);
 *   - an external entity loader that refuses every URL is installed for the
 *     whole process (slx_global_init), in case anything asks;
 *   - a document whose DTD declares entities (<!ENTITY ...>, general or
 *     parameter) is refused before its root element is handed out: that is
 *     where XXE and entity-expansion bombs (billion laughs, quadratic
 *     blow-up) live, and sales data never needs them;
 *   - the text helpers (xml_text.h) never descend into entity references.
 *
 * Errors: the first error libxml2 reports (or this layer raises) is kept
 * as "PATH:LINE: message"; every function below returns -1 once it is set.
 *
 * Not thread-safe per reader; different readers may be used by different
 * threads at once. */
#ifndef SLX_XML_SAFE_H
#define SLX_XML_SAFE_H

#include <stddef.h>

#include <libxml/xmlreader.h>

/* Status codes shared by the XML parsers (cml_parser.h uses the same
 * values). */
enum slx_status {
    SLX_OK = 0,
    SLX_EPARSE = -1, /* malformed, refused, or not the expected kind of document */
    SLX_EIO = -2,
    SLX_ENOMEM = -3,
    SLX_ESINK = -4,  /* a sink callback asked to stop */
    SLX_EINVAL = -5
};

/* The options every reader is opened with (see above). */
#define SLX_PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_COMPACT)

typedef struct slx_reader {
    xmlTextReaderPtr r; /* owned */
    const char *name;   /* borrowed: the file's path, for messages */
    int status;         /* SLX_OK until the first error */
    int root_seen;      /* the DTD check ran */
    char err[768];      /* "PATH:LINE: message" once status != SLX_OK */
} slx_reader;

/* Once per process, from the main thread first: xmlInitParser() and the
 * refusing external entity loader. Idempotent, thread-safe. */
void slx_global_init(void);

/* Opens a reader on `fd` (borrowed: not closed by slx_close). `name` is
 * borrowed for the reader's life. Returns SLX_OK, or SLX_ENOMEM with
 * sr->err set. Always call slx_close() afterwards. */
int slx_open_fd(slx_reader *sr, int fd, const char *name);

/* Frees the reader (safe on a zeroed or failed slx_reader). */
void slx_close(slx_reader *sr);

/* xmlTextReaderRead / xmlTextReaderNext with error capture and the DTD
 * check: 1 on a node, 0 at the end of the document, -1 on error. */
int slx_read(slx_reader *sr);
int slx_skip(slx_reader *sr);

/* Moves to the next element child of the element at `depth` that the
 * reader was on (call it first with the reader on that element, which must
 * not be empty, then after handling each child: a child left on its start
 * tag, expanded or not, is skipped whole). Returns 1 on a child element
 * (reader on its start tag), 0 at the parent's end tag, -1 on error. */
int slx_next_child(slx_reader *sr, int depth);

/* The element the reader is on, with its whole subtree built (borrowed:
 * freed when the reader moves past it). NULL on error. */
xmlNodePtr slx_expand(slx_reader *sr);

/* Local name of the current node (borrowed), or "" */
const char *slx_local_name(slx_reader *sr);
int slx_depth(slx_reader *sr);
int slx_is_empty(slx_reader *sr);
/* Line of the current node (or of the parser when unknown). */
long slx_line(slx_reader *sr);
/* A copy of attribute `name` (no namespace) of the current element, or NULL
 * (caller frees with xmlFree). */
xmlChar *slx_attr(slx_reader *sr, const char *name);

/* Sets the error (first one wins) as "NAME:LINE: message" and returns
 * `status`. line <= 0 means the reader's current line. */
int slx_fail(slx_reader *sr, int status, long line, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The validation pass of all_or_nothing: reads the whole document on fd
 * (borrowed) with a SAX push parser under the same options and DTD rule as
 * the reader (nothing is built), checks that the root element's local name
 * is `root` (NULL: any; `what` names the kind in the message, e.g.
 * "CommerceML file"), and puts the offset back where it was. Costs less
 * than `xmllint --stream --noout` (about 60 % of it). Returns SLX_OK, or a
 * status with err set as "NAME:LINE: message". */
int slx_validate_fd(int fd, const char *name, const char *root, const char *what, char *err, size_t errlen);

/* How a parser keeps all_or_nothing for fd. */
enum slx_aon_mode {
    SLX_AON_OFF = 0,  /* records go out as they are read */
    SLX_AON_TWICE = 1, /* validate the whole file first, then read it again (seekable files) */
    SLX_AON_SPOOL = 2  /* spool records to a temporary file (pipes and the like) */
};
int slx_aon_mode(int fd, int all_or_nothing);

/* Copies sr->err into err/errlen (errlen may be 0). */
void slx_copy_error(const slx_reader *sr, char *err, size_t errlen);

#endif
