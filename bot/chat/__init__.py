"""The chat interface: Telegram commands, who may use them, and what they answer.

service.py   the python-telegram-bot Application: wiring, the gate, the error handler
flood.py     replies within Telegram's flood limits (the delivery limiter, shared)
access.py    which chats get answers, who is an admin, the per-user rate limit
commands.py  one small handler per command
render.py    answers as Telegram HTML (escaped), split at 4096 characters
backfill.py  a new /watch matched over the recent archive, in batches, off the event loop
schedule.py  /schedule and /timezone: a chat's own digest time and time zone
trend.py     /trend's bar chart (matplotlib, imported only there)
spikes.py    coverage spikes: a topic's day well above its recent normal
feeds.py     /addfeed's check: fetch (public hosts only) and parse before adding
"""
