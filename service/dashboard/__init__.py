"""The dashboard figures (动态清零)."""
