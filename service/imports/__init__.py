"""Bulk import from the townships' rosters, export back to Excel and CSV."""
