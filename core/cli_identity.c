/* cli_identity.c - `sluice identity explain STATE_DIR KEY`: which records
 * and keys form a customer of the identity store, and why. The store is
 * read by transforms/identity/id_explain.c, compiled into the core so the
 * core never loads the plugin for it. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "../transforms/identity/id_explain.h"
#include "../transforms/identity/id_schema.h"
#include "cli.h"

static const char identity_usage[] =
    "Usage: sluice identity explain [--json] STATE_DIR KEY\n"
    "\n"
    "Shows which records and keys the identity transform joined into one customer,\n"
    "which record linked which key (field, source stage, stream, file:line, time),\n"
    "and the merges that led into the customer.\n"
    "\n"
    "  STATE_DIR  the pipeline's state folder (holding " ID_STORE_FILE "), or a store file\n"
    "  KEY        a customer id (cus_...), an e-mail, a phone with its country code\n"
    "             (+79123456789), or system:external_id (hubspot:1234)\n"
    "\n"
    "Options:\n"
    "  --json     print the explanation as one JSON object\n"
    "  -h, --help show this help\n"
    "Exit status: 0 found, 1 not found or unreadable store, 2 usage error.\n";

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "-";
}

static const char *shown(const char *key) { return strncmp(key, "ref:", 4) == 0 ? key + 4 : key; }

/* "stage/stream file:line" */
static void print_where(json_t *o)
{
    printf("%s/%s", str(o, "stage"), str(o, "stream"));
    if (json_is_string(json_object_get(o, "origin")))
        printf(" %s", str(o, "origin"));
}

static void print_text(json_t *doc)
{
    json_t *a = json_object_get(doc, "merged_into"), *e;
    size_t i;
    printf("customer %s\n", str(doc, "customer_id"));
    json_array_foreach(a, i, e)
        printf("  %s was merged into %s at %s: %s\n", str(e, "from_id"), str(e, "into_id"), str(e, "at"),
               str(e, "reason"));
    a = json_object_get(doc, "records");
    printf("\nrecords (%zu):\n", json_array_size(a));
    json_array_foreach(a, i, e) {
        printf("  %-32s first seen %s  ", shown(str(e, "key")), str(e, "at"));
        print_where(e);
        putchar('\n');
    }
    a = json_object_get(doc, "keys");
    printf("\nkeys (%zu):\n", json_array_size(a));
    json_array_foreach(a, i, e) {
        printf("  %-32s %s first seen %s  ", shown(str(e, "key")), json_is_true(json_object_get(e, "anchor")) ? "record" : "key   ",
               str(e, "at"));
        print_where(e);
        putchar('\n');
    }
    a = json_object_get(doc, "links");
    printf("\nlinks (%zu): record's key -- key it carried\n", json_array_size(a));
    json_array_foreach(a, i, e) {
        printf("  %s -- %s  (field %s", shown(str(e, "a")), shown(str(e, "b")), str(e, "reason"));
        if (json_is_string(json_object_get(e, "record")))
            printf(" of %s", str(e, "record"));
        printf(", ");
        print_where(e);
        printf(", %s)\n", str(e, "at"));
    }
    a = json_object_get(doc, "merges");
    printf("\nmerges (%zu):\n", json_array_size(a));
    json_array_foreach(a, i, e)
        printf("  %s -> %s at %s: %s\n", str(e, "from_id"), str(e, "into_id"), str(e, "at"), str(e, "reason"));
}

/* STATE_DIR/identity.db for a folder, the path itself for a file. */
static void store_path(const char *arg, char *out, size_t size)
{
    struct stat sb;
    if (stat(arg, &sb) == 0 && S_ISDIR(sb.st_mode))
        snprintf(out, size, "%s/%s", arg, ID_STORE_FILE);
    else
        snprintf(out, size, "%s", arg);
}

static int explain(const char *dir, const char *key, int as_json)
{
    char path[4096], err[1024];
    json_t *doc;
    store_path(dir, path, sizeof path);
    int rc = id_explain(path, key, &doc, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "sluice: %s\n", err);
        return SL_EXIT_RUN_FAILED;
    }
    if (as_json) {
        json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
    } else {
        print_text(doc);
    }
    json_decref(doc);
    return SL_EXIT_OK;
}

int sl_cmd_identity(int argc, char **argv)
{
    static const struct option longopts[] = {SL_CLI_GLOBAL_LONGOPTS,
                                             {"help", no_argument, NULL, 'h'},
                                             {"json", no_argument, NULL, 'J'},
                                             {NULL, 0, NULL, 0}};
    sl_cli c = {.progress = 1};
    int help = 0, as_json = 0, opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, SL_CLI_GLOBAL_SHORTOPTS "h", longopts, NULL)) != -1) {
        int g = sl_cli_global_opt(&c, opt, optarg);
        if (g < 0)
            return SL_EXIT_USAGE;
        if (g > 0)
            continue;
        if (opt == 'h')
            help = 1;
        else if (opt == 'J')
            as_json = 1;
        else
            return sl_cli_usage_error("unknown option", "identity");
    }
    if (help) {
        fputs(identity_usage, stdout);
        return SL_EXIT_OK;
    }
    /* argv[optind] is "identity" itself */
    char **args = argv + optind + 1;
    int nargs = argc - optind - 1;
    if (nargs < 1 || strcmp(args[0], "explain") != 0)
        return sl_cli_usage_error(nargs < 1 ? "missing subcommand: explain" : "unknown subcommand (expected explain)",
                                  "identity");
    if (nargs != 3)
        return sl_cli_usage_error("expected: identity explain STATE_DIR KEY", "identity");
    if (sl_cli_setup(&c) != 0)
        return SL_EXIT_RUN_FAILED;
    return explain(args[1], args[2], as_json);
}
