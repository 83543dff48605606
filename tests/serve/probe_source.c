/* probe_source.c - a source the `sluice serve` tests steer, so that a run
 * is exactly as slow, as long or as broken as a test needs, without sleeps:
 *   records     emits {"n": 1..N, "tag": TAG} (default 3), committing a
 *               position {"n": i} after each record
 *   tag         a string copied into every record (tells configs apart)
 *   started     a file that gets one line "<pid>" when the run begins, so
 *               a test knows a run is going on
 *   gate        after `gate_after` records (default: all of them) wait
 *               until this file exists; a stop request (SIGTERM) ends the
 *               wait and the run drains: what was emitted is committed
 *   hold        true: the gate waits even when the run is asked to stop,
 *               so a test can watch the server while a run drains
 *   reject_every  every Nth record is rejected (dead-lettered) instead
 *   crash       "abort": abort() once the gate opened (or at once)
 * Built as source_probe.so into <build>/test-plugins/serve. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <sluice/plugin.h>

static const char *const crash_modes[] = {"none", "abort", NULL};

static const sluice_option probe_options[] = {
    {"records", SLUICE_OPT_INT, 0, "3", "records to emit", NULL},
    {"tag", SLUICE_OPT_STRING, 0, "\"\"", "copied into every record", NULL},
    {"started", SLUICE_OPT_PATH, 0, NULL, "file that gets a line with the pid when a run begins", NULL},
    {"gate", SLUICE_OPT_PATH, 0, NULL, "wait until this file exists (a stop request ends the wait)", NULL},
    {"gate_after", SLUICE_OPT_INT, 0, "-1", "records emitted before waiting at the gate (-1: all)", NULL},
    {"hold", SLUICE_OPT_BOOL, 0, "false", "the gate ignores stop requests", NULL},
    {"reject_every", SLUICE_OPT_INT, 0, "0", "reject every Nth record (0: none)", NULL},
    {"crash", SLUICE_OPT_STRING, 0, "\"none\"", "abort: crash the run process after the gate", crash_modes},
    {0},
};

static int probe_init(sluice_ctx *ctx, void **state)
{
    (void)ctx;
    *state = NULL;
    return SLUICE_OK;
}

static void probe_fini(void *state) { (void)state; }

/* Waits for the gate file; 1 when the run was asked to stop meanwhile. */
static int wait_gate(sluice_ctx *ctx, const char *gate)
{
    struct timespec ts = {0, 10 * 1000000L};
    int hold = sluice_option_bool(ctx, "hold", 0);
    while (access(gate, F_OK) != 0) {
        if (!hold && sluice_should_stop(ctx))
            return 1;
        nanosleep(&ts, NULL);
    }
    return 0;
}

static void mark_started(const char *path)
{
    FILE *f = fopen(path, "a");
    if (f) {
        fprintf(f, "%ld\n", (long)getpid());
        fclose(f);
    }
}

static int emit_one(sluice_ctx *ctx, long long n, const char *tag)
{
    long long every = sluice_option_int(ctx, "reject_every", 0);
    int rc;
    if (every > 0 && n % every == 0) {
        rc = sluice_reject(ctx, "probe", "{}", 2, "probe", (uint64_t)n, "rejected on purpose");
    } else {
        json_t *r = json_pack("{s:I, s:s}", "n", (json_int_t)n, "tag", tag);
        rc = sluice_emit(ctx, "probe", r);
    }
    if (rc == SLUICE_OK || rc == SLUICE_STOPPED)
        sluice_position(ctx, json_pack("{s:I}", "n", (json_int_t)n));
    return rc;
}

static int probe_run(void *state, sluice_ctx *ctx)
{
    (void)state;
    long long n = sluice_option_int(ctx, "records", 3);
    long long gate_after = sluice_option_int(ctx, "gate_after", -1);
    const char *tag = sluice_option_string(ctx, "tag");
    const char *gate = sluice_option_string(ctx, "gate");
    const char *started = sluice_option_string(ctx, "started");
    const char *crash = sluice_option_string(ctx, "crash");
    if (gate_after < 0 || gate_after > n)
        gate_after = n;
    if (started)
        mark_started(started);
    for (long long i = 1; i <= n; i++) {
        if (gate && i == gate_after + 1) {
            sluice_flush(ctx);
            if (wait_gate(ctx, gate))
                return SLUICE_OK;
        }
        if (emit_one(ctx, i, tag) == SLUICE_STOPPED)
            return SLUICE_OK;
    }
    if (gate && gate_after == n) {
        sluice_flush(ctx);
        if (wait_gate(ctx, gate))
            return SLUICE_OK;
    }
    if (crash && crash[0] == 'a')
        abort();
    return SLUICE_OK;
}

static const sluice_plugin probe = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_SOURCE,
    .name = "probe",
    .version = "0.0.1",
    .description = "test source for sluice serve: gates, crashes, a started marker",
    .options = probe_options,
    .init = probe_init,
    .fini = probe_fini,
    .run = probe_run,
};

SLUICE_PLUGIN(probe);
