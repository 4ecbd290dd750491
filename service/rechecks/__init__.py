"""回头查: re-checks of finished cases against their 整改标准 (API and pages)."""
