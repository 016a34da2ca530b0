"""Digests and alerts: which matched articles a chat gets (compose) and how they read in
Telegram (render). Pure code: candidates in, Digest out, HTML parts out."""
