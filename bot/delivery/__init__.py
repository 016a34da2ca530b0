"""Delivery: the outbox and the senders (Telegram, console)."""
