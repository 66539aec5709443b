"""Loading inputs: YAML with line numbers, the rulebook, dossiers and placement histories.

Imports only the bottom layer (errors, models); nothing here knows the engine.
"""
