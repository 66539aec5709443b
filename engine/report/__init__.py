"""Renderers: the assessment document (text, markdown, html, json) and the rulebook listing."""
