"""Checks on the rulebook: rule examples, amendment scenarios, lint, coverage, JSON Schemas."""
