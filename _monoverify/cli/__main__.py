"""``python -m monoverify.cli``."""

import sys

from . import main

sys.exit(main())
