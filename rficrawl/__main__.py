"""``python -m rficrawl``: the ``rficrawl`` command."""

import sys

from rficrawl.cli.main import main

sys.exit(main())
