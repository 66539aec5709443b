"""The corpus against the official placements: `tip-assess validate`."""
