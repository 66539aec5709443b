"""`python -m engine` is the same as `tip-assess`."""

from engine.cli.entry import run

run()
