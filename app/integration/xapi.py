"""The subset of xAPI 1.0.3 statements an LMS sends, checked and read into what Skillpath
records: who (actor by mbox, mbox_sha1sum or account), did what (a known verb) to which
activity, with which result, when.

Parsing is pure: no storage, no web. A statement that cannot be recorded is refused with
a reason (``StatementRejected``); the caller reports it with the statement's index.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from app.commands.clean_text import text_fault

#: The versions of the specification this subset follows (the 1.0.x line).
SUPPORTED_VERSIONS = ("1.0.0", "1.0.1", "1.0.2", "1.0.3")
VERSION = "1.0.3"
#: Verbs Skillpath records, by the last segment of their IRI (ADL and cmi5 vocabularies).
VERBS = (
    "launched", "initialized", "attempted", "progressed", "answered", "scored", "passed",
    "failed", "completed", "terminated", "abandoned",
)  # fmt: skip
PROGRESS_EXTENSION = "https://w3id.org/xapi/cmi5/result/extensions/progress"
#: The position in a media activity, in seconds (xAPI video profile).
POSITION_EXTENSION = "https://w3id.org/xapi/video/extensions/time"
CLOCK_SKEW = timedelta(minutes=5)
MAX_TEXT = 2_000
#: Fields that are not part of what a statement says, for the comparison of a re-sent one.
_NOT_COMPARED = ("id", "stored", "authority", "version")
_DURATION = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
_SHA1 = re.compile(r"^[0-9a-f]{40}$")
_IRI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")
_MODULE_IN_IRI = re.compile(
    r"(?:^urn:skillpath:module:|/modules?/)([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12})/?$"
)


class StatementRejected(Exception):
    """A statement that is not recorded; ``status`` is 400 (malformed) or 409 (conflict)."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class ActorRef:
    """How a statement names its learner: ``mbox`` (an email), ``mbox_sha1sum``, ``account``
    (``value`` is the account name: a Skillpath employee id or an email)."""

    kind: str
    value: str


@dataclass(frozen=True)
class Statement:
    """What one statement says, in Skillpath's terms."""

    id: UUID
    actor: ActorRef
    verb: str
    activity_id: str
    score: int | None
    minutes: int | None
    position_minutes: float | None
    completion: bool | None
    success: bool | None
    progress: int | None
    timestamp: datetime | None
    #: The statement as sent, with its id, for storing and reading back.
    body: dict[str, Any]
    digest: str

    @property
    def module_in_activity(self) -> UUID | None:
        """A module id the activity IRI names itself (``.../modules/<id>``), if any."""
        found = _MODULE_IN_IRI.search(self.activity_id)
        return UUID(found.group(1)) if found else None


def check_version(header: str | None) -> str | None:
    """Why the ``X-Experience-API-Version`` header is unusable, or None."""
    if header is None or not header.strip():
        return "the X-Experience-API-Version header is required (send 1.0.3)"
    if header.strip() not in SUPPORTED_VERSIONS:
        return f"X-Experience-API-Version {header.strip()!r} is not supported (send 1.0.3)"
    return None


def digest_of(statement: dict[str, Any]) -> str:
    """SHA-256 of what a statement says (its id and LRS-set fields left out)."""
    said = {k: v for k, v in statement.items() if k not in _NOT_COMPARED}
    text = json.dumps(said, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _check_text(value: Any, where: str) -> None:
    """Every string in a statement is bounded and text every read model can store (the
    check the save makes: refused here, the statement alone, rather than the batch there)."""
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise StatementRejected(f"{where} must be at most {MAX_TEXT} characters long")
        fault = text_fault(value)
        if fault is not None:
            raise StatementRejected(f"{where} {fault}")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, where)
            _check_text(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_text(item, f"{where}[{index}]")


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise StatementRejected(f"{where} must be a JSON object")
    return value


def _iri(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _IRI.match(value):
        raise StatementRejected(f"{where} must be an IRI")
    return value


def _actor(value: Any) -> ActorRef:
    actor = _object(value, "actor")
    if actor.get("objectType", "Agent") != "Agent":
        raise StatementRejected("actor must be an Agent (groups are not recorded)")
    named = [k for k in ("mbox", "mbox_sha1sum", "account", "openid") if k in actor]
    if len(named) != 1:
        raise StatementRejected(
            "actor must be identified by exactly one of mbox, mbox_sha1sum or account"
        )
    kind = named[0]
    if kind == "mbox":
        mbox = actor["mbox"]
        if not isinstance(mbox, str) or not mbox.startswith("mailto:") or "@" not in mbox:
            raise StatementRejected("actor.mbox must be a mailto: address")
        return ActorRef("mbox", mbox.removeprefix("mailto:").strip().lower())
    if kind == "mbox_sha1sum":
        digest = actor["mbox_sha1sum"]
        if not isinstance(digest, str) or not _SHA1.match(digest.lower()):
            raise StatementRejected("actor.mbox_sha1sum must be 40 hexadecimal digits")
        return ActorRef("mbox_sha1sum", digest.lower())
    if kind == "account":
        account = _object(actor["account"], "actor.account")
        _iri(account.get("homePage"), "actor.account.homePage")
        name = account.get("name")
        if not isinstance(name, str) or not name.strip():
            raise StatementRejected("actor.account.name is required")
        return ActorRef("account", name.strip())
    raise StatementRejected("actor by openid is not supported: use mbox or account")


def _verb(value: Any) -> str:
    verb = _object(value, "verb")
    iri = _iri(verb.get("id"), "verb.id")
    name = iri.rstrip("/").rsplit("/", 1)[-1]
    if name not in VERBS:
        raise StatementRejected(f"verb {iri} is not one Skillpath records ({', '.join(VERBS)})")
    return name


def _activity(value: Any) -> str:
    activity = _object(value, "object")
    if activity.get("objectType", "Activity") != "Activity":
        raise StatementRejected("object must be an Activity")
    return _iri(activity.get("id"), "object.id")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise StatementRejected(f"{where} must be a number")
    return float(value)


def _score(result: dict[str, Any]) -> int | None:
    if "score" not in result:
        return None
    score = _object(result["score"], "result.score")
    if "scaled" in score:
        scaled = _number(score["scaled"], "result.score.scaled")
        if not -1 <= scaled <= 1:
            raise StatementRejected("result.score.scaled must be between -1 and 1")
        return max(0, round(scaled * 100))
    if "raw" not in score:
        return None
    raw = _number(score["raw"], "result.score.raw")
    low = _number(score.get("min", 0), "result.score.min")
    high = _number(score.get("max", 100), "result.score.max")
    if not low <= raw <= high or high <= low:
        raise StatementRejected("result.score.raw must lie between result.score.min and max")
    return round((raw - low) / (high - low) * 100)


def duration_minutes(value: Any) -> int:
    """An ISO 8601 duration (``PT1H30M``) in whole minutes."""
    found = _DURATION.match(value) if isinstance(value, str) and value != "P" else None
    if found is None or value.endswith("T"):
        raise StatementRejected("result.duration must be an ISO 8601 duration such as PT25M")
    parts = {k: float(v) for k, v in found.groupdict(default="0").items()}
    seconds = parts["d"] * 86400 + parts["h"] * 3600 + parts["m"] * 60 + parts["s"]
    minutes = round(seconds / 60)
    if minutes > 24 * 60:
        raise StatementRejected("result.duration must be at most a day")
    return minutes


def _timestamp(value: Any, now: datetime) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise StatementRejected("timestamp must be an ISO 8601 date and time")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise StatementRejected("timestamp must be an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        raise StatementRejected("timestamp must carry a time zone (Z or +hh:mm)")
    if moment > now + CLOCK_SKEW:
        raise StatementRejected("timestamp must not be in the future")
    return moment.astimezone(UTC)


def _extension(statement: dict[str, Any], name: str) -> Any:
    for part in ("result", "context"):
        block = statement.get(part)
        extensions = block.get("extensions") if isinstance(block, dict) else None
        if isinstance(extensions, dict) and name in extensions:
            return extensions[name]
    return None


def parse_statement(
    value: Any, *, statement_id: UUID | None = None, now: datetime | None = None
) -> Statement:
    """Check one statement and read what it says; ``statement_id`` is PUT's parameter."""
    now = now or datetime.now(UTC)
    body = dict(_object(value, "the statement"))
    _check_text(body, "statement")
    if "id" in body:
        try:
            given = UUID(str(body["id"]))
        except ValueError:
            raise StatementRejected("id must be a UUID") from None
        if statement_id is not None and given != statement_id:
            raise StatementRejected("the statement's id differs from the statementId parameter")
    else:
        given = statement_id or uuid4()
    body["id"] = str(given)
    for required in ("actor", "verb", "object"):
        if required not in body:
            raise StatementRejected(f"{required} is required")
    result = _object(body.get("result", {}), "result")
    minutes = duration_minutes(result["duration"]) if "duration" in result else None
    progress = _extension(body, PROGRESS_EXTENSION)
    if progress is not None:
        progress = _number(progress, "the progress extension")
        if not 0 <= progress <= 100:
            raise StatementRejected("the progress extension must be between 0 and 100")
    position = _extension(body, POSITION_EXTENSION)
    if position is not None:
        position = _number(position, "the time extension")
        if not 0 <= position <= 100 * 3600:
            raise StatementRejected("the time extension must be between 0 and 360000 seconds")
    for flag in ("completion", "success"):
        if flag in result and not isinstance(result[flag], bool):
            raise StatementRejected(f"result.{flag} must be true or false")
    return Statement(
        id=given,
        actor=_actor(body["actor"]),
        verb=_verb(body["verb"]),
        activity_id=_activity(body["object"]),
        score=_score(result),
        minutes=minutes,
        position_minutes=None if position is None else round(position / 60, 2),
        completion=result.get("completion"),
        success=result.get("success"),
        progress=None if progress is None else round(progress),
        timestamp=_timestamp(body.get("timestamp"), now),
        body=body,
        digest=digest_of(body),
    )


def without_activity_details(body: dict[str, Any]) -> dict[str, Any]:
    """The statement as stored without activity_tracking: no duration, no position."""
    kept: dict[str, Any] = json.loads(json.dumps(body))
    result = kept.get("result")
    if isinstance(result, dict):
        result.pop("duration", None)
    for part in ("result", "context"):
        block = kept.get(part)
        if isinstance(block, dict) and isinstance(block.get("extensions"), dict):
            block["extensions"].pop(POSITION_EXTENSION, None)
    return kept
