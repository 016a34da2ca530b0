"""Profile one `python -m bot ...` run, worker threads included.

    profile_poll.py OUT.prof [bot arguments ...]     (cwd: the repository root)

Plain `python -m cProfile -m bot` sees the main thread only, and the bot parses and stores
feeds in worker threads (asyncio.to_thread). Here every thread gets its own profiler, timed
with time.thread_time (CPU seconds: waiting for the GIL or the network is not counted), and
their stats are merged into OUT.prof.
"""

from __future__ import annotations

import cProfile
import pstats
import runpy
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    """Run the bot with every thread profiled; write the merged stats; exit as the bot did."""
    out, bot_args = Path(sys.argv[1]), sys.argv[2:]
    sys.path.insert(0, str(REPO))
    profiles: list[cProfile.Profile] = []
    original_run = threading.Thread.run

    def profiled_run(thread: threading.Thread) -> None:
        profile = cProfile.Profile(time.thread_time)
        profiles.append(profile)
        profile.enable()
        try:
            original_run(thread)
        finally:
            profile.disable()

    threading.Thread.run = profiled_run
    main_profile = cProfile.Profile(time.thread_time)
    sys.argv = ["bot", *bot_args]
    code: int | str | None = 0
    main_profile.enable()
    try:
        runpy.run_module("bot", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = exc.code
    finally:
        main_profile.disable()
    stats = pstats.Stats(main_profile)
    for profile in profiles:
        stats.add(profile)
    stats.dump_stats(out)
    return code if isinstance(code, int) else 1


if __name__ == "__main__":
    sys.exit(main())
