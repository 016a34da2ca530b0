"""Media-monitoring bot: feeds in, matched articles stored, digests out to Telegram."""

__version__ = "0.1.0"
USER_AGENT = f"mpp-monitor-bot/{__version__} (+https://github.com/mpp-monitor/bot; feed poller)"
