"""What an operator sees of a running Skillpath: logs, health, readiness and metrics."""
