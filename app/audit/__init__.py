"""Audit: the tamper-evident chain over the event log, and history as auditors read it."""
