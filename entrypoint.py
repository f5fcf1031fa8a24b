"""The Docker action's entry point; the action itself is ``least_priv.action``."""

from least_priv.action import main

if __name__ == "__main__":
    raise SystemExit(main())
