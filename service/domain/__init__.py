"""Domain rules as plain functions that take a session and explicit arguments (no request, no app)."""
