"""Allow `python -m dtmc`."""

import sys

from dtmc.cli import main

sys.exit(main())
