"""`python -m bot …`

The garbage collector is off while the program starts: imports and the configuration
make long-lived objects that collections would only scan again and again. Once the
command is ready (bot.cli.main) what start-up made is frozen out of the collector's
sight and it is turned on. At exit everything is frozen again, so tearing the
interpreter down does not scan the whole heap (that cost a re-poll of 2,000 unchanged
feeds 0.3-0.6 s; bench/README.md).
"""

import gc
import sys

gc.disable()

from bot.cli import main  # noqa: E402  (after the collector is off: imports are start-up)

code = main()
gc.freeze()
sys.exit(code)
