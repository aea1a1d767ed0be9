"""`python -m service`: the `schema-registry` command line."""

from __future__ import annotations

import sys

from service.cli import main

sys.exit(main())
