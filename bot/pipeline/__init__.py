"""Flows: where the pure core meets the edges (fetch, store, send)."""
