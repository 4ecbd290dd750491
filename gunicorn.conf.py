"""gunicorn reads this file from the folder it is started in (docs/operations.md, "Running in production")."""
import os


def on_starting(server):
    """Several workers counting login failures each in their own memory would let a guesser try N times as often,
    and forget on every restart: refuse to start that way."""
    storage = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    if server.cfg.workers > 1 and storage.startswith("memory://"):
        raise SystemExit(f"refusing to start {server.cfg.workers} workers with RATELIMIT_STORAGE_URI={storage}: "
                         "the login throttle would count per worker. Set RATELIMIT_STORAGE_URI=redis://host:6379 "
                         "(or run one worker).")
    if storage.startswith("memory://"):
        server.log.warning("login throttle counts in memory (memory://): forgotten on restart; "
                           "RATELIMIT_STORAGE_URI=redis://… keeps the counts")
