"""Deliveries (送水记录): planned, logged, corrected; never edited in place or deleted."""
