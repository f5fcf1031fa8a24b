"""``python -m least_priv``."""

from least_priv.cli import main

raise SystemExit(main())
