"""tip-assess: explainable assessment of governments against the TVPA minimum standards."""

__version__ = "0.1.0"
