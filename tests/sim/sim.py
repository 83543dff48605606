#!/usr/bin/env python3
"""Local API simulators for sluice's connector tests.

    python3 tests/sim/sim.py API [flags]      API: hubspot amocrm bitrix24 shopify woocommerce oauth
    python3 tests/sim/sim.py API --help       the flags of one simulator

The first line on stdout is the base URL (http://127.0.0.1:PORT); the
simulator then runs until killed. docs/simulators.md has the details.
"""

import importlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

APIS = {"hubspot": "hubspot", "amocrm": "amocrm", "kommo": "amocrm", "bitrix24": "bitrix24",
        "shopify": "shopify", "woocommerce": "woocommerce", "oauth": "oauth", "rest": "oauth"}


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help") or argv[1] not in APIS:
        sys.stderr.write(__doc__)
        if len(argv) >= 2 and argv[1] not in ("-h", "--help"):
            sys.stderr.write("\nunknown API %r\n" % argv[1])
            return 2
        return 0 if len(argv) >= 2 else 2
    import common
    mod = importlib.import_module(APIS[argv[1]])
    return common.run(mod.SIM, argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
