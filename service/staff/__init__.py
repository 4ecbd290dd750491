"""Responsible staff (责任人)."""
