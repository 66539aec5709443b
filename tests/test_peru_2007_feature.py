"""Runs features/peru_2007.feature; the steps live in tests/conftest.py."""

from pytest_bdd import scenarios

scenarios("peru_2007.feature")
