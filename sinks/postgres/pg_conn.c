/* pg_conn.c - the connection: opening it, getting it back after the server
 * went away, keeping passwords out of every message, and deciding what a
 * failed command means for the batch (see pg_sink.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pg_sink.h"

/* Server versions below this lack INSERT ... ON CONFLICT with the
 * pg_index.indnkeyatts column the key lookup reads. */
#define PGSINK_MIN_SERVER 110000
#define PGSINK_HIDDEN "********"

/* ---- passwords ------------------------------------------------------------ */

static int add_secret(pgsink *s, const char *p, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < s->nsecrets; i++)
        if (strlen(s->secrets[i]) == n && memcmp(s->secrets[i], p, n) == 0)
            return 0;
    char **grown = realloc(s->secrets, (s->nsecrets + 1) * sizeof *grown);
    if (!grown)
        return -1;
    s->secrets = grown;
    if (!(s->secrets[s->nsecrets] = strndup(p, n)))
        return -1;
    s->nsecrets++;
    return 0;
}

/* The next "password" in p, in any letter case, or NULL. */
static const char *find_password_word(const char *p)
{
    static const char word[] = "password";
    for (; *p; p++)
        if (strncasecmp(p, word, sizeof word - 1) == 0)
            return p;
    return NULL;
}

/* The value after every "password" in the text as written (key=value
 * form, or a URI's ?password=), so that even a conninfo libpq cannot parse
 * never shows its password through libpq's complaint about it. */
static int find_written_passwords(pgsink *s, const char *ci)
{
    for (const char *p = ci; (p = find_password_word(p)) != NULL;) {
        p += strlen("password");
        const char *q = p + strspn(p, " \t\r\n");
        if (*q != '=')
            continue;
        q++;
        q += strspn(q, " \t\r\n");
        size_t n;
        if (*q == '\'') {
            q++;
            for (n = 0; q[n] && q[n] != '\''; n++)
                if (q[n] == '\\' && q[n + 1])
                    n++;
        } else {
            n = strcspn(q, " \t\r\n&");
        }
        if (add_secret(s, q, n) != 0)
            return -1;
        p = q + n;
    }
    return 0;
}

/* postgresql://user:PASSWORD@host/...: the password as written. */
static int find_uri_password(pgsink *s, const char *ci)
{
    const char *p = NULL;
    if (strncmp(ci, "postgresql://", 13) == 0)
        p = ci + 13;
    else if (strncmp(ci, "postgres://", 11) == 0)
        p = ci + 11;
    if (!p)
        return 0;
    size_t auth = strcspn(p, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < auth; i++) /* the last '@' ends the user part */
        if (p[i] == '@')
            at = p + i;
    if (!at)
        return 0;
    const char *colon = memchr(p, ':', (size_t)(at - p));
    return colon ? add_secret(s, colon + 1, (size_t)(at - colon - 1)) : 0;
}

int pgsink_conn_configure(pgsink *s, sluice_ctx *ctx, const char *conninfo)
{
    if (!(s->conninfo = strdup(conninfo ? conninfo : "")))
        return SLUICE_ENOMEM;
    if (find_written_passwords(s, s->conninfo) != 0 || find_uri_password(s, s->conninfo) != 0)
        return SLUICE_ENOMEM;
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(s->conninfo, &err);
    if (!opts) {
        pgsink_fail(s, ctx, "option conninfo: not a valid connection string: %s", err ? err : "out of memory");
        PQfreemem(err);
        return SLUICE_EINVAL;
    }
    int rc = 0;
    for (PQconninfoOption *o = opts; o->keyword && rc == 0; o++) /* the password as libpq decoded it */
        if (o->val && strcmp(o->keyword, "password") == 0)
            rc = add_secret(s, o->val, strlen(o->val));
    PQconninfoFree(opts);
    return rc == 0 ? SLUICE_OK : SLUICE_ENOMEM;
}

void pgsink_scrub(const pgsink *s, const char *msg, char *dst, size_t cap)
{
    size_t out = 0;
    if (cap == 0)
        return;
    while (*msg && out + 1 < cap) {
        size_t hit = 0;
        for (size_t i = 0; i < s->nsecrets && !hit; i++) {
            size_t n = strlen(s->secrets[i]);
            if (strncmp(msg, s->secrets[i], n) == 0)
                hit = n;
        }
        if (!hit) {
            /* libpq's messages have line breaks and indents: one log line,
             * single spaces. */
            int space = *msg == ' ' || *msg == '\n' || *msg == '\t' || *msg == '\r';
            if (!space || (out > 0 && dst[out - 1] != ' '))
                dst[out++] = space ? ' ' : *msg;
            msg++;
            continue;
        }
        for (const char *h = PGSINK_HIDDEN; *h && out + 1 < cap; h++)
            dst[out++] = *h;
        msg += hit;
    }
    while (out > 0 && dst[out - 1] == ' ')
        out--;
    dst[out] = '\0';
}

/* ---- connecting ------------------------------------------------------------ */

static void notice_to_log(void *arg, const char *message)
{
    pgsink *s = arg;
    char clean[PGSINK_REASON_MAX];
    pgsink_scrub(s, message, clean, sizeof clean);
    if (s->ctx)
        sluice_debug(s->ctx, "server: %s", clean);
}

/* user@host:port/db of the live connection, for log lines: never the
 * conninfo itself. */
static int describe_connection(pgsink *s)
{
    const char *user = PQuser(s->conn), *host = PQhost(s->conn), *port = PQport(s->conn), *db = PQdb(s->conn);
    char where[512];
    snprintf(where, sizeof where, "%s@%s:%s/%s", user ? user : "?", host && *host ? host : "localhost",
             port ? port : "?", db ? db : "?");
    char *dup = strdup(where);
    if (!dup)
        return -1;
    free(s->where);
    s->where = dup;
    return 0;
}

/* Opens the connection: the user's conninfo (or the PG* environment) wins
 * over our defaults, except for the client encoding: records are UTF-8. */
static PGconn *open_conn(pgsink *s, sluice_ctx *ctx)
{
    char appname[128];
    snprintf(appname, sizeof appname, "sluice/%s", sluice_stage_id(ctx));
    const char *const keys[] = {"connect_timeout", "options", "fallback_application_name", "dbname",
                                "client_encoding", NULL};
    const char *const vals[] = {"10", "-c client_min_messages=warning", appname, s->conninfo, "UTF8", NULL};
    return PQconnectdbParams(keys, vals, 1);
}

int pgsink_connect(pgsink *s, sluice_ctx *ctx)
{
    char msg[PGSINK_REASON_MAX];
    s->conn = open_conn(s, ctx);
    if (!s->conn) {
        pgsink_fail(s, ctx, "cannot connect to PostgreSQL: out of memory");
        return SLUICE_ENOMEM;
    }
    if (PQstatus(s->conn) != CONNECTION_OK) {
        pgsink_scrub(s, PQerrorMessage(s->conn), msg, sizeof msg);
        pgsink_fail(s, ctx, "cannot connect to PostgreSQL: %s", msg);
        return SLUICE_EIO;
    }
    if (describe_connection(s) != 0)
        return SLUICE_ENOMEM;
    int version = PQserverVersion(s->conn);
    if (version < PGSINK_MIN_SERVER) {
        pgsink_fail(s, ctx, "%s: PostgreSQL %d.%d is too old; the sink needs 11 or later", s->where,
                    version / 10000, version % 10000 / 100);
        return SLUICE_EIO;
    }
    PQsetNoticeProcessor(s->conn, notice_to_log, s);
    sluice_debug(ctx, "connected to %s (server version %d)", s->where, version);
    return SLUICE_OK;
}

int pgsink_conn_ready(pgsink *s, sluice_ctx *ctx)
{
    if (PQstatus(s->conn) == CONNECTION_OK && !s->reset_needed) {
        if (PQtransactionStatus(s->conn) != PQTRANS_IDLE) /* cannot happen; be safe */
            pgsink_rollback(s);
        return SLUICE_OK;
    }
    /* Temporary tables and anything cached went with the old session. */
    pgsink_streams_forget(s);
    PQreset(s->conn);
    if (PQstatus(s->conn) != CONNECTION_OK) {
        char msg[PGSINK_REASON_MAX];
        pgsink_scrub(s, PQerrorMessage(s->conn), msg, sizeof msg);
        sluice_warn(ctx, "%s: cannot reconnect: %s; the batch will be retried", s->where, msg);
        return SLUICE_RETRY;
    }
    s->reset_needed = 0;
    sluice_info(ctx, "%s: reconnected", s->where);
    return SLUICE_OK;
}

void pgsink_rollback(pgsink *s)
{
    if (PQstatus(s->conn) != CONNECTION_OK || s->reset_needed) /* the reset ends the session */
        return;
    PGresult *r;
    if (PQtransactionStatus(s->conn) == PQTRANS_ACTIVE) { /* a COPY left open */
        PQputCopyEnd(s->conn, "batch abandoned");
        while ((r = PQgetResult(s->conn)) != NULL)
            PQclear(r);
    }
    if (PQtransactionStatus(s->conn) == PQTRANS_INTRANS || PQtransactionStatus(s->conn) == PQTRANS_INERROR)
        PQclear(PQexec(s->conn, "ROLLBACK"));
}

/* ---- what an error means ---------------------------------------------------- */

static int state_is(const char *state, const char *want) { return state && strcmp(state, want) == 0; }
static int class_is(const char *state, const char *cls) { return state && strncmp(state, cls, 2) == 0; }

/* Failures that another attempt of the same batch may not meet. */
static int transient(const char *state, const PGresult *r, int phase)
{
    if (class_is(state, "08") || class_is(state, "53")) /* connection; resources (too many connections) */
        return 1;
    if (class_is(state, "40")) /* serialization failure, deadlock; 40002 is a deferred constraint */
        return !state_is(state, "40002");
    if (state_is(state, "57P01") || state_is(state, "57P02") || state_is(state, "57P03") || /* shutdown, startup */
        state_is(state, "57P05") || state_is(state, "57014") || state_is(state, "55P03") || /* timeouts, lock */
        state_is(state, "55006") || state_is(state, "58030"))                               /* in use, I/O */
        return 1;
    if (phase == PGSINK_PHASE_SCHEMA && state_is(state, "42P07")) /* created by another session meanwhile */
        return 1;
    if (phase == PGSINK_PHASE_SCHEMA && state_is(state, "23505")) {
        /* Two sessions creating the same table or index at once collide in
         * the catalogs; this one finds it made by the other next time. */
        const char *constraint = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
        return constraint && strncmp(constraint, "pg_", 3) == 0;
    }
    return 0;
}

/* A record's fault: the core finds it by splitting the batch. */
static int refused(const char *state)
{
    return class_is(state, "22") || class_is(state, "23") || state_is(state, "40002") || state_is(state, "54000");
}

/* For a COPY error the column is named only in the context line:
 * "COPY sluice_stage_0, line 3, column qty: "abc"". */
static void column_from_context(const char *context, char *dst, size_t cap)
{
    dst[0] = '\0';
    const char *p = context && strncmp(context, "COPY ", 5) == 0 ? strstr(context, ", column ") : NULL;
    if (!p)
        return;
    p += strlen(", column ");
    size_t n = strcspn(p, ":\n");
    snprintf(dst, cap, "%.*s", (int)n, p);
}

/* "MESSAGE (column C): DETAIL (SQLSTATE XXXXX)", secrets scrubbed. */
static void describe_error(const pgsink *s, const PGresult *r, char *dst, size_t cap)
{
    const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!primary) { /* no server error: the connection's own message */
        pgsink_scrub(s, PQerrorMessage(s->conn), dst, cap);
        if (!*dst)
            snprintf(dst, cap, "%s", r ? PQresStatus(PQresultStatus(r)) : "no result");
        return;
    }
    const char *detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    /* Other errors name their column in the message already. */
    char ctxcol[128];
    column_from_context(PQresultErrorField(r, PG_DIAG_CONTEXT), ctxcol, sizeof ctxcol);
    const char *column = ctxcol[0] ? ctxcol : NULL;
    char raw[PGSINK_REASON_MAX * 2];
    snprintf(raw, sizeof raw, "%s%s%s%s%s%s (SQLSTATE %s)", primary, column ? " (column " : "",
             column ? column : "", column ? ")" : "", detail ? ": " : "", detail ? detail : "",
             state ? state : "?");
    pgsink_scrub(s, raw, dst, cap);
}

int pgsink_result_failed(pgsink *s, sluice_ctx *ctx, const PGresult *r, const char *what, int phase)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    char msg[PGSINK_REASON_MAX];
    describe_error(s, r, msg, sizeof msg);
    /* No SQLSTATE: libpq's own failure, not the server's answer. After a
     * crash of the server libpq may report "server closed the connection
     * unexpectedly" while still calling the connection OK: start afresh. */
    if (PQstatus(s->conn) != CONNECTION_OK || !state) {
        s->reset_needed = 1;
        sluice_warn(ctx, "%s: %s: %s; reconnecting, the batch will be retried", s->where, what, msg);
        return SLUICE_RETRY;
    }
    if (transient(state, r, phase)) {
        sluice_warn(ctx, "%s: %s: %s; the batch will be retried", s->where, what, msg);
        return SLUICE_RETRY;
    }
    if (phase == PGSINK_PHASE_DATA && refused(state)) {
        char reason[PGSINK_REASON_MAX + 128];
        snprintf(reason, sizeof reason, "%s: %s", what, msg);
        sluice_debug(ctx, "%s: batch refused: %s", s->where, reason);
        sluice_set_error(ctx, reason);
        return SLUICE_REJECTED;
    }
    pgsink_fail(s, ctx, "%s: %s: %s", s->where, what, msg);
    return SLUICE_ERROR;
}

int pgsink_exec(pgsink *s, sluice_ctx *ctx, const char *sql, const char *what, int phase)
{
    PGresult *r = PQexec(s->conn, sql);
    ExecStatusType rs = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    int status = rs == PGRES_COMMAND_OK || rs == PGRES_TUPLES_OK ? SLUICE_OK
                                                                  : pgsink_result_failed(s, ctx, r, what, phase);
    PQclear(r);
    return status;
}

int pgsink_exec_sql(pgsink *s, sluice_ctx *ctx, const char *what, int phase)
{
    if (sink_buf_putc(&s->sql, '\0') != 0)
        return SLUICE_ENOMEM;
    return pgsink_exec(s, ctx, s->sql.data, what, phase);
}
