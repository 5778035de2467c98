"""The Skillpath application: command methods over the aggregates, one atomic save each.

Every command returns the event-store position it wrote, so a client can ask the read
models to catch up with its own write (``consistentWith``).
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, JSONTranscoder, Mapper
from eventsourcing.popo import POPOFactory

from app.audit.recorders import chained_recorder
from app.commands.base import Erasure, SavedListeners, Written
from app.commands.benefits import BenefitCommands
from app.commands.champions import ChampionCommands
from app.commands.consent import ConsentCommands
from app.commands.decisions import DecisionCommands
from app.commands.group_commit import GroupCommit
from app.commands.hr_import import HrImportCommands
from app.commands.mentoring import MentoringCommands
from app.commands.mobility import MobilityCommands
from app.commands.onboarding import OnboardingCommands
from app.commands.operations import OperationsCommands
from app.commands.people import PeopleCommands
from app.commands.programmes import ProgrammeCommands
from app.commands.pulse import PulseCommands
from app.commands.webhooks import WebhookCommands
from app.commands.xapi import XapiCommands
from app.consent.cipher import new_key
from app.consent.envelope import PersonalDataMapper
from app.consent.policy import ConsentPolicy
from app.keystore import subject_keys_for
from app.persistence import register_transcodings

__all__ = ["Erasure", "Skillpath", "Written"]


class Skillpath(
    PeopleCommands,
    HrImportCommands,
    XapiCommands,
    WebhookCommands,
    DecisionCommands,
    ConsentCommands,
    ProgrammeCommands,
    OperationsCommands,
    MobilityCommands,
    PulseCommands,
    MentoringCommands,
    OnboardingCommands,
    BenefitCommands,
    ChampionCommands,
):
    """Commands for employees, the catalogue, enrolments, consent, programmes and decisions.

    Each group of commands lives in its own module under ``app/commands``; this class adds
    the infrastructure: the sealing mapper, the hash-chained recorder and the master key.
    """

    name = "Skillpath"

    def __init__(
        self, env: dict[str, str] | None = None, *, master_key: bytes | None = None
    ) -> None:
        """``master_key`` wraps the per-employee data keys; only in memory may it be omitted."""
        self._master_key = master_key
        super().__init__(env)
        self.saved = SavedListeners()
        self.decision_commits = GroupCommit(self.save)
        self.policy = ConsentPolicy(self.consent_state)
        #: Told the employee id after each erasure (the recommender retrains without them).
        self.erased: list[Callable[[UUID], None]] = []
        #: Told (employee id, purpose, the withdrawal's position) after each withdrawal
        #: (serving stops using them; access decisions count it before the read models do).
        self.withdrawn: list[Callable[[UUID, str, int], None]] = []

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    @property
    def master_key(self) -> bytes:
        if self._master_key is None:
            if not isinstance(self.factory, POPOFactory):
                raise ValueError("a Skillpath on a database needs its master key")
            self._master_key = new_key()
        return self._master_key

    def construct_mapper(self) -> Mapper[UUID]:
        """Personal fields are sealed with their subject's key (app/consent/envelope.py)."""
        self.subject_keys = subject_keys_for(self.factory, self.master_key)
        # Kept across a rotation of the master key (app/keystore.py), like the chain key.
        self.email_claim_secret = self.subject_keys.derived_secret("email-claim")
        return PersonalDataMapper(self.construct_transcoder(), self.subject_keys)

    def construct_recorder(self) -> ApplicationRecorder:
        """Each event is chained to the one before it (app/audit/recorders.py)."""
        self.chain_key = self.subject_keys.derived_secret("event-chain")
        return chained_recorder(self.factory, self.chain_key)
