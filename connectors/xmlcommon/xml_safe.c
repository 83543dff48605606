/* xml_safe.c - the safe xmlTextReader (see xml_safe.h). */
#include "xml_safe.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libxml/entities.h>
#include <libxml/hash.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

static pthread_once_t slx_once = PTHREAD_ONCE_INIT;

/* Every external resource (DTD, external entity, XInclude) is refused: the
 * parser then reports "failed to load external entity", which fails the
 * document. Nothing is opened, fetched or leaked. */
static xmlParserInputPtr refuse_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL;
}

static void init_once(void)
{
    xmlInitParser();
    xmlSetExternalEntityLoader(refuse_loader);
}

void slx_global_init(void) { pthread_once(&slx_once, init_once); }

/* Copies `msg` without its trailing newline(s). */
static void copy_trimmed(char *dst, size_t cap, const char *msg)
{
    size_t n = msg ? strlen(msg) : 0;
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r' || msg[n - 1] == ' '))
        n--;
    if (n >= cap)
        n = cap - 1;
    if (n > 0)
        memcpy(dst, msg, n);
    dst[n] = '\0';
}

/* Keeps the first error libxml2 reports. `fallback` is the line to give
 * when the error has none in the document (-1: the reader's line). */
static void report_error(slx_reader *sr, xmlErrorPtr e, long fallback)
{
    if (e == NULL || e->level < XML_ERR_ERROR || sr->status != SLX_OK)
        return;
    char msg[512];
    copy_trimmed(msg, sizeof msg, e->message);
    int status = SLX_EPARSE;
    if (e->code == XML_ERR_NO_MEMORY)
        status = SLX_ENOMEM;
    else if (e->domain == XML_FROM_IO && e->code != XML_IO_LOAD_ERROR)
        status = SLX_EIO;
    /* An error inside an entity's text has the entity's line: the
     * document's line is the parser's. */
    int in_doc = e->file != NULL && sr->name != NULL && strcmp(e->file, sr->name) == 0;
    long line = in_doc && e->line > 0 ? e->line : fallback;
    if (e->code == XML_ERR_ENTITY_LOOP)
        slx_fail(sr, status, line, "refused: entity expansion (%s; entity-expansion protection)", msg);
    else
        slx_fail(sr, status, line, "%s", msg[0] ? msg : "XML error");
}

static void on_error(void *arg, xmlErrorPtr e) { report_error(arg, e, -1); }

int slx_fail(slx_reader *sr, int status, long line, const char *fmt, ...)
{
    if (sr->status != SLX_OK)
        return sr->status;
    if (line <= 0)
        line = sr->r != NULL ? xmlTextReaderGetParserLineNumber(sr->r) : 0;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(sr->err, sizeof sr->err, "%s:%ld: %s", sr->name ? sr->name : "(input)", line, msg);
    sr->status = status;
    return status;
}

void slx_copy_error(const slx_reader *sr, char *err, size_t errlen)
{
    if (errlen > 0)
        snprintf(err, errlen, "%s", sr->err[0] ? sr->err : "XML error");
}

int slx_open_fd(slx_reader *sr, int fd, const char *name)
{
    memset(sr, 0, sizeof *sr);
    sr->name = name;
    slx_global_init();
    sr->r = xmlReaderForFd(fd, name, NULL, SLX_PARSE_OPTIONS);
    if (sr->r == NULL)
        return slx_fail(sr, SLX_ENOMEM, 0, "cannot create an XML reader");
    xmlTextReaderSetStructuredErrorHandler(sr->r, on_error, sr);
    return SLX_OK;
}

void slx_close(slx_reader *sr)
{
    if (sr->r != NULL)
        xmlFreeTextReader(sr->r);
    sr->r = NULL;
}

static void first_name(void *payload, void *data, const xmlChar *name)
{
    (void)payload;
    const xmlChar **out = data;
    if (*out == NULL)
        *out = name;
}

static int declared_entities(xmlHashTablePtr t, const xmlChar **name)
{
    if (t == NULL || xmlHashSize(t) <= 0)
        return 0;
    xmlHashScan(t, first_name, (void *)name);
    return 1;
}

/* Refuses a document whose internal DTD subset declares entities. Runs
 * when the root element is first seen: the whole DTD has been parsed by
 * then, and no entity has been substituted (we never set NOENT). */
static int check_dtd(slx_reader *sr)
{
    sr->root_seen = 1;
    xmlNodePtr node = xmlTextReaderCurrentNode(sr->r);
    xmlDtdPtr dtd = node != NULL && node->doc != NULL ? node->doc->intSubset : NULL;
    if (dtd == NULL)
        return SLX_OK;
    const xmlChar *name = NULL;
    if (declared_entities(dtd->entities, &name) || declared_entities(dtd->pentities, &name))
        return slx_fail(sr, SLX_EPARSE, -1,
                        "refused: the document's DTD declares entities (<!ENTITY %s ...>); entities are "
                        "never expanded or loaded (XXE and entity-expansion protection)",
                        name != NULL ? (const char *)name : "?");
    return SLX_OK;
}

/* After a reader call: 1 on a node, 0 at the end, -1 on error. */
static int after(slx_reader *sr, int rc)
{
    if (sr->status != SLX_OK)
        return -1;
    if (rc < 0) {
        slx_fail(sr, SLX_EPARSE, -1, "XML parse error");
        return -1;
    }
    if (rc == 1 && !sr->root_seen && xmlTextReaderNodeType(sr->r) == XML_READER_TYPE_ELEMENT &&
        check_dtd(sr) != SLX_OK)
        return -1;
    return rc;
}

int slx_read(slx_reader *sr)
{
    if (sr->status != SLX_OK)
        return -1;
    return after(sr, xmlTextReaderRead(sr->r));
}

int slx_skip(slx_reader *sr)
{
    if (sr->status != SLX_OK)
        return -1;
    return after(sr, xmlTextReaderNext(sr->r));
}

int slx_next_child(slx_reader *sr, int depth)
{
    int type = xmlTextReaderNodeType(sr->r);
    int d = xmlTextReaderDepth(sr->r);
    if (type == XML_READER_TYPE_ELEMENT && d == depth && xmlTextReaderIsEmptyElement(sr->r))
        return 0;
    int rc = type == XML_READER_TYPE_ELEMENT && d == depth + 1 ? slx_skip(sr) : slx_read(sr);
    while (rc == 1) {
        type = xmlTextReaderNodeType(sr->r);
        d = xmlTextReaderDepth(sr->r);
        if (type == XML_READER_TYPE_ELEMENT && d == depth + 1)
            return 1;
        if (d <= depth) /* the parent's end tag */
            return 0;
        rc = slx_read(sr);
    }
    if (rc == 0)
        slx_fail(sr, SLX_EPARSE, -1, "unexpected end of document");
    return -1;
}

xmlNodePtr slx_expand(slx_reader *sr)
{
    if (sr->status != SLX_OK)
        return NULL;
    xmlNodePtr n = xmlTextReaderExpand(sr->r);
    if (sr->status != SLX_OK)
        return NULL;
    if (n == NULL)
        slx_fail(sr, SLX_EPARSE, -1, "XML parse error");
    return n;
}

const char *slx_local_name(slx_reader *sr)
{
    const xmlChar *n = xmlTextReaderConstLocalName(sr->r);
    return n != NULL ? (const char *)n : "";
}

int slx_depth(slx_reader *sr) { return xmlTextReaderDepth(sr->r); }

int slx_is_empty(slx_reader *sr) { return xmlTextReaderIsEmptyElement(sr->r) == 1; }

long slx_line(slx_reader *sr)
{
    xmlNodePtr n = xmlTextReaderCurrentNode(sr->r);
    long line = n != NULL ? xmlGetLineNo(n) : -1;
    return line > 0 ? line : xmlTextReaderGetParserLineNumber(sr->r);
}

xmlChar *slx_attr(slx_reader *sr, const char *name)
{
    return xmlTextReaderGetAttribute(sr->r, (const xmlChar *)name);
}

int slx_aon_mode(int fd, int all_or_nothing)
{
    if (!all_or_nothing)
        return SLX_AON_OFF;
    return lseek(fd, 0, SEEK_CUR) >= 0 ? SLX_AON_TWICE : SLX_AON_SPOOL;
}

/* ---- the validation pass ------------------------------------------------------
 * A push parser with almost no SAX callbacks: libxml2 checks well-formedness
 * and builds nothing, about 40 % faster than an xmlTextReader over the same
 * file (measured: 1.2 s against 2.1 s on the 210 MB benchmark file). The
 * same protections hold: the same parser options, and a document whose DTD
 * declares an entity is refused at the declaration, before any use. */
typedef struct slx_check {
    slx_reader sr; /* status and message only: sr.r stays NULL */
    xmlParserCtxtPtr ctxt;
    const char *root, *what;
    int seen_root;
} slx_check;

static long check_line(const slx_check *c)
{
    return c->ctxt != NULL && c->ctxt->input != NULL && c->ctxt->input->line > 0 ? c->ctxt->input->line : 1;
}

static void check_start(void *data, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri, int nns,
                        const xmlChar **ns, int nattr, int ndefaulted, const xmlChar **attrs)
{
    (void)prefix, (void)uri, (void)nns, (void)ns, (void)nattr, (void)ndefaulted, (void)attrs;
    slx_check *c = data;
    if (c->seen_root)
        return;
    c->seen_root = 1;
    if (c->root != NULL && strcmp((const char *)local, c->root) != 0) {
        slx_fail(&c->sr, SLX_EPARSE, check_line(c), "not a %s: the root element is <%s>, expected <%s>", c->what,
                 (const char *)local, c->root);
        xmlStopParser(c->ctxt);
    }
}

static void check_entity(void *data, const xmlChar *name, int type, const xmlChar *public_id,
                         const xmlChar *system_id, xmlChar *content)
{
    (void)type, (void)public_id, (void)system_id, (void)content;
    slx_check *c = data;
    slx_fail(&c->sr, SLX_EPARSE, check_line(c),
             "refused: the document's DTD declares entities (<!ENTITY %s ...>); entities are never expanded or "
             "loaded (XXE and entity-expansion protection)",
             name != NULL ? (const char *)name : "?");
    xmlStopParser(c->ctxt);
}

static void check_error(void *data, xmlErrorPtr e)
{
    slx_check *c = data;
    if (c->sr.status != SLX_OK || e == NULL || e->level < XML_ERR_ERROR)
        return;
    report_error(&c->sr, e, check_line(c));
    xmlStopParser(c->ctxt);
}

/* Feeds the file to the parser until the end or the first error. */
static int check_feed(slx_check *c, int fd)
{
    static __thread char buf[256 * 1024];
    ssize_t n;
    while (c->sr.status == SLX_OK && (n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return slx_fail(&c->sr, SLX_EIO, check_line(c), "read error: %s", strerror(errno));
        }
        if (xmlParseChunk(c->ctxt, buf, (int)n, 0) != 0 && c->sr.status == SLX_OK)
            slx_fail(&c->sr, SLX_EPARSE, check_line(c), "XML parse error");
    }
    if (c->sr.status == SLX_OK && xmlParseChunk(c->ctxt, NULL, 0, 1) != 0 && c->sr.status == SLX_OK)
        slx_fail(&c->sr, SLX_EPARSE, check_line(c), "XML parse error");
    if (c->sr.status == SLX_OK && !c->seen_root)
        slx_fail(&c->sr, SLX_EPARSE, check_line(c), "no root element");
    return c->sr.status;
}

int slx_validate_fd(int fd, const char *name, const char *root, const char *what, char *err, size_t errlen)
{
    off_t start = lseek(fd, 0, SEEK_CUR);
    slx_global_init();
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = check_start;
    sax.entityDecl = check_entity;
    sax.serror = check_error;
    slx_check c = {.root = root, .what = what};
    c.sr.name = name;
    int rc = SLX_OK;
    c.ctxt = xmlCreatePushParserCtxt(&sax, &c, NULL, 0, name);
    if (c.ctxt == NULL)
        rc = slx_fail(&c.sr, SLX_ENOMEM, 0, "cannot create an XML parser");
    else {
        xmlCtxtUseOptions(c.ctxt, SLX_PARSE_OPTIONS);
        rc = check_feed(&c, fd);
        /* libxml2 keeps declared entities in a document of its own ("SAX
         * compatibility mode") that the parser context does not free */
        if (c.ctxt->myDoc != NULL)
            xmlFreeDoc(c.ctxt->myDoc);
        xmlFreeParserCtxt(c.ctxt);
    }
    if (rc != SLX_OK)
        slx_copy_error(&c.sr, err, errlen);
    if (rc == SLX_OK && lseek(fd, start, SEEK_SET) != start) {
        snprintf(err, errlen, "%s: cannot read it again: %s", name, strerror(errno));
        rc = SLX_EIO;
    }
    return rc;
}
