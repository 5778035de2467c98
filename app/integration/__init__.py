"""Integrations: what LMSs, HR systems and identity providers use to talk to Skillpath
without custom code (xAPI statements, bulk HR import, idempotent retries, webhooks)."""
