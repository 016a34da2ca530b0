"""The chat interface: Telegram commands, who may use them, and what they answer.

service.py   the python-telegram-bot Application: wiring, the gate, the error handler;
             ChatService, what the handlers are given (not the whole App)
commands/    one small handler per command, a module per subject
replies.py   what every handler does alike: arguments, replies, the admin check
answers.py   answers as Telegram HTML (through bot/telegram_html.py)
access.py    which chats get answers, who is an admin, the per-user rate limit
flood.py     replies within Telegram's flood limits (the delivery limiter, shared)
backfill.py  a new /watch matched over the recent archive, in batches, off the event loop
chart.py     /trend's bar chart (matplotlib, imported only there)
probe.py     /addfeed's check: fetch (public hosts only) and parse before adding
"""
