/* identity_store_read.c - the identity store's read side, for `sluice
 * identity explain` (cli_identity.c).
 *
 * The code lives beside the plugin that writes the store, in
 * transforms/identity/id_explain.c, so that one folder knows the schema;
 * the core compiles it in through this file (the core's sources are every
 * .c file in core/) rather than loading the plugin or keeping a second copy of the
 * queries. */
#include "../transforms/identity/id_explain.c"
