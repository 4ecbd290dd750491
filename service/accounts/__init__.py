"""Logging in: API tokens and the page session."""
