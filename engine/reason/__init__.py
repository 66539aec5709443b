"""Reasoning: compile the rules in force for a year, run them, explain what did not fire."""
