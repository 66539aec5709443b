"""`tip-assess serve`: the local web app (engine/web/app.py)."""
