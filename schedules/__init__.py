"""The scheduler's setup and its thin jobs (APScheduler, in its own process); filled by the planning work."""
