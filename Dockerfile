# Container image for the MPP / asylum media-monitoring bot.
#
#   docker build -t mpp-monitor-bot .
#   docker run -d --name mpp-bot --env-file .env -v mpp-bot-storage:/app/storage mpp-monitor-bot
#
# The SQLite database (DATABASE_URL defaults to sqlite:///storage/bot.db) lives in the
# /app/storage volume. To use your own feeds.yaml, mount it over /app/feeds.yaml
# (read-only is fine) or set BOT_CONFIG to another path.

# The matcher compiled with Cython (setup.py) where a C compiler is (the full image),
# for the same Python as the image below.
FROM python:3.11 AS compiled
WORKDIR /build
COPY requirements-build.lock ./
RUN pip install --no-cache-dir -r requirements-build.lock
COPY setup.py ./
COPY bot/ ./bot/
RUN python setup.py --quiet build_ext --inplace

FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so that code changes do not invalidate this layer.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

# An unprivileged user. It owns only the storage directory.
RUN groupadd --system bot \
    && useradd --system --gid bot --home-dir /app --no-create-home --shell /usr/sbin/nologin bot

# The application. Alembic migrations ship inside the package (bot/store/migrations).
COPY bot/ ./bot/
COPY --from=compiled /build/bot/match/*.so /build/bot/match/compiled.json ./bot/match/
COPY feeds.yaml ./
# Bytecode made once at build time (PYTHONDONTWRITEBYTECODE stops it being cached at run
# time): every `python -m bot health` and every start skips compiling the package.
RUN python -m compileall -q bot

# Create and chown the directory before declaring the volume, so a new named
# volume starts out owned by the bot user.
RUN mkdir -p /app/storage && chown bot:bot /app/storage
VOLUME ["/app/storage"]

USER bot

# `python -m bot health` exits 0 when the database is readable and the last poll
# cycle is recent. The start period gives the first poll cycle time to finish.
HEALTHCHECK --interval=1m --timeout=20s --start-period=3m --retries=3 \
    CMD ["python", "-m", "bot", "health"]

CMD ["python", "-m", "bot", "run"]
