"""The monthly leadership report: ``skillpath report --month YYYY-MM`` (PDF and HTML)."""
