"""Topics and search queries: one query language (query.py), one matcher (matcher.py)."""
