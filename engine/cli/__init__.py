"""The `tip-assess` command line: the click group is in :mod:`engine.cli.main`."""
