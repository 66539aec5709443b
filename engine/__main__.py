"""`python -m engine` is the same as `tip-assess`."""

from engine.cli.main import run

run()
