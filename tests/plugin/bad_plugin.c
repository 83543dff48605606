/* bad_plugin.c - plugins built wrongly on purpose, one fault per build, for
 * the loader tests. config.cmake compiles this file once per fault with
 * -DTP_<FAULT> and TP_FILE_NAME (the name the descriptor claims). The loader
 * must refuse each one with a clear message and never crash. */
#include "sluice/plugin.h"

#ifndef TP_FILE_NAME
#error "TP_FILE_NAME must be set"
#endif

__attribute__((unused)) static int tp_init(sluice_ctx *ctx, void **state)
{
    (void)ctx;
    *state = NULL;
    return SLUICE_OK;
}

__attribute__((unused)) static int tp_run(void *state, sluice_ctx *ctx)
{
    (void)state;
    (void)ctx;
    return SLUICE_OK;
}

__attribute__((unused)) static const char *const choices[] = {"x", "y", NULL};

#if defined(TP_BADTYPE)
static const sluice_option options[] = {{"weird", 42, 0, NULL, "bad type", NULL}, {0}};
#elif defined(TP_NOTERM)
/* More entries than the loader scans, and no {0} at the end. */
static const sluice_option options[300] = {[0 ... 299] = {"o", SLUICE_OPT_STRING, 0, NULL, NULL, NULL}};
#elif defined(TP_DUPOPT)
static const sluice_option options[] = {
    {"a", SLUICE_OPT_STRING, 0, NULL, NULL, NULL}, {"a", SLUICE_OPT_INT, 0, NULL, NULL, NULL}, {0}};
#elif defined(TP_BADDEFAULT)
static const sluice_option options[] = {{"n", SLUICE_OPT_INT, 0, "\"ten\"", NULL, NULL}, {0}};
#elif defined(TP_BADCHOICE)
static const sluice_option options[] = {{"c", SLUICE_OPT_STRING, 0, "\"z\"", NULL, choices}, {0}};
#elif defined(TP_IDOPT)
static const sluice_option options[] = {{"id", SLUICE_OPT_STRING, 0, NULL, NULL, NULL}, {0}};
#else
static const sluice_option options[] = {{"c", SLUICE_OPT_STRING, 0, NULL, NULL, choices}, {0}};
#endif

static const sluice_plugin descriptor = {
#ifdef TP_ABI
    .abi_major = 2,
    .abi_minor = 3,
#else
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
#endif
#ifdef TP_SMALL
    .struct_size = 16,
#else
    .struct_size = sizeof(sluice_plugin),
#endif
#if defined(TP_BADKIND)
    .kind = 7,
#elif defined(TP_NOWRITE)
    .kind = SLUICE_SINK,
#else
    .kind = SLUICE_SOURCE,
#endif
#if defined(TP_MISNAMED)
    .name = "other",
#elif defined(TP_BADNAME)
    .name = "Bad Name",
#else
    .name = TP_FILE_NAME,
#endif
    .version = "6.6.6",
    .description = "broken on purpose",
    .options = options,
#ifndef TP_NOINIT
    .init = tp_init,
#endif
#if !defined(TP_NORUN) && !defined(TP_NOWRITE)
    .run = tp_run,
#endif
};

#if defined(TP_NOENTRY)
/* Exported, but under another name. */
SLUICE_EXPORT const sluice_plugin *sluice_plugin_entry_v0(void);
SLUICE_EXPORT const sluice_plugin *sluice_plugin_entry_v0(void) { return &descriptor; }
#elif defined(TP_NULLDESC)
SLUICE_EXPORT const sluice_plugin *sluice_plugin_entry(void);
SLUICE_EXPORT const sluice_plugin *sluice_plugin_entry(void) { return (void)descriptor, NULL; }
#else
SLUICE_PLUGIN(descriptor);
#endif
