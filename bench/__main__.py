"""`uv run python -m bench`: the whole benchmark suite (see bench/README.md)."""

import sys

from bench.suite.cli import main

sys.exit(main())
