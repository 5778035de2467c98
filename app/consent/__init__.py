"""Consent: the per-employee ledger of opt-ins, and the policy every use of personal data asks."""

from app.consent.ledger import PURPOSES, ConsentLedger
from app.consent.policy import ConsentPolicy, ConsentState

__all__ = ["PURPOSES", "ConsentLedger", "ConsentPolicy", "ConsentState"]
