"""Monitored households (监测户)."""
