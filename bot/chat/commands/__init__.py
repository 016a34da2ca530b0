"""The chat commands, one small handler each: read the arguments, call one thing, reply.

Every handler receives the update after the gate (bot/chat/service.py) let it through:
the chat may use the bot and the user is within the rate limit. Handlers that change
anything check for an admin first (bot/chat/replies.py). A user's mistake gets a usage
line, never a traceback. One module per subject:

about.py    /help, /start, /status, unknown commands; COMMANDS, the menu
search.py   /search and its page buttons
digest.py   /digest, /schedule, /timezone
topics.py   /topics, /subscribe, /unsubscribe, /watch, /unwatch
feeds.py    /feeds, /addfeed, /removefeed
trend.py    /trend
admin.py    /approve, /revoke
"""

from __future__ import annotations

from bot.chat.commands import about, admin, digest, feeds, search, topics, trend

COMMANDS = about.COMMANDS
page_button = search.page_button
unknown_command = about.unknown_command

HANDLERS = {
    "start": about.help_command,
    "help": about.help_command,
    "search": search.search_command,
    "digest": digest.digest_command,
    "topics": topics.topics_command,
    "subscribe": topics.subscribe_command,
    "unsubscribe": topics.unsubscribe_command,
    "watch": topics.watch_command,
    "unwatch": topics.unwatch_command,
    "feeds": feeds.feeds_command,
    "addfeed": feeds.addfeed_command,
    "removefeed": feeds.removefeed_command,
    "status": about.status_command,
    "trend": trend.trend_command,
    "approve": admin.approve_command,
    "revoke": admin.revoke_command,
    "schedule": digest.schedule_command,
    "timezone": digest.timezone_command,
}
