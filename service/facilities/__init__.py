"""Central water points, purifiers and wells."""
