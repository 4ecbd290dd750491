"""Townships and villages."""
