"""Printed records for inspection: PDFs (WeasyPrint) and the township's archive."""
