"""`python -m label_client` runs the `labels` CLI."""

import sys

from .cli import main

sys.exit(main())
