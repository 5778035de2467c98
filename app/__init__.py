"""Skillpath: the event-sourced backend for personalised learning at work."""
