"""Run every benchmark: ``python -m bench`` (quick) or ``python -m bench --full``."""

from bench.cli import main

raise SystemExit(main())
