"""``/xapi/statements``: the LRS endpoints of the xAPI 1.0.3 subset Skillpath records.

Following the specification's LRS requirements for this subset: every request carries
``X-Experience-API-Version`` (missing or unsupported: 400) and every answer carries the
version; ``POST`` takes one statement or a list and answers the list of statement ids;
``PUT ?statementId=`` takes one and answers 204; the same id with different content is
409; ``GET ?statementId=`` answers the statement. The request guard of /graphql applies
(app/http/guard.py): the token's rate (429 with ``Retry-After``), the body's size (413,
``SKILLPATH_XAPI_MAX_BODY_BYTES``, read in chunks and refused once over) and UTF-8, and
the time (503); every refusal is the xAPI error body with its code. Where a batch mixes good and bad
statements, the good ones are recorded (as Skillpath promises an LMS) and the answer is
400 (409 when every refusal is a conflict) with the ids by index and each refusal with its
index and reason; a re-sent batch changes nothing, so the LMS may safely send it again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.access import Viewer, may_call_endpoint
from app.aggregates import Actor
from app.auth.tokens import TokenRejected, bearer
from app.bootstrap import Services
from app.http.guard import Refused, RequestGuard
from app.integration.xapi import (
    VERSION,
    Statement,
    StatementRejected,
    check_version,
    parse_statement,
)

log = logging.getLogger("skillpath.xapi")
VERSION_HEADER = "X-Experience-API-Version"


def answer(body: Any, status: int = 200) -> Response:
    headers = {VERSION_HEADER: VERSION}
    if status == 204:
        return Response(status_code=204, headers=headers)
    return JSONResponse(body, status_code=status, headers=headers)


def refusal(
    status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    """The xAPI error body: the status, a message, and a code where the guard set one."""
    error: dict[str, Any] = {"status": status, "message": message}
    if code is not None:
        error["code"] = code
    response = answer({"error": error}, status)
    response.headers.update(headers or {})
    return response


def guard_refusal(refused: Refused) -> Response:
    """A refusal of the request guard as the xAPI error body; a body over the limit is
    413 (Request Entity Too Large), as the specification has an LRS answer it."""
    status = 413 if refused.code == "BODY_TOO_LARGE" else refused.status
    return refusal(status, refused.message, refused.code, refused.headers)


class XapiStatements:
    """The ASGI endpoint for ``/xapi/statements`` (GET, POST, PUT)."""

    def __init__(
        self,
        services: Services,
        authenticate: Callable[[str], Awaitable[Actor]],
        guard: RequestGuard,
        *,
        max_batch: int,
        max_bytes: int,
    ) -> None:
        self.services = services
        self.authenticate = authenticate
        self.guard = guard
        self.max_batch = max_batch
        self.max_bytes = max_bytes

    async def handle(self, request: Request) -> Response:
        try:
            actor = await self.authenticate(bearer(request.headers.get("authorization")))
        except TokenRejected as error:
            return refusal(401, f"Unauthenticated: {error.reason}", "UNAUTHENTICATED")
        # The same limits as /graphql: the token's rate, then the body, then the time.
        refused = await self.guard.check_rate(f"{actor.role}:{actor.id}")
        if refused is not None:
            return guard_refusal(refused)
        decision = may_call_endpoint(
            f"{request.method} /xapi/statements", Viewer(actor.id, actor.role)
        )
        if not decision.allowed:
            log.warning("refused xAPI %s to %s: %s", request.method, actor.id, decision.reason)
            return refusal(403, f"not allowed: {decision.reason}")
        problem = check_version(request.headers.get(VERSION_HEADER))
        if problem is not None:
            return refusal(400, problem)
        if request.method != "GET":
            refused = await self.guard.check_body(request, self.max_bytes)
            if refused is not None:
                return guard_refusal(refused)
        try:
            work = (
                self.get(request, actor) if request.method == "GET" else self.write(request, actor)
            )
            return await asyncio.wait_for(work, self.guard.timeout_seconds)
        except TimeoutError:
            # A batch already handed to the store may still land: re-sending it is safe.
            log.warning("xAPI %s abandoned after %ss", request.method, self.guard.timeout_seconds)
            return guard_refusal(self.guard.timeout())
        except Exception:
            log.exception("xAPI %s failed", request.method)
            return refusal(500, "internal error; the request was logged")

    async def get(self, request: Request, actor: Actor) -> Response:
        unsupported = sorted(set(request.query_params) - {"statementId"})
        if unsupported:
            return refusal(400, f"only statementId is supported, not {', '.join(unsupported)}")
        statement_id = _statement_id(request)
        if isinstance(statement_id, Response):
            return statement_id
        if statement_id is None:
            return refusal(400, "statementId is required")
        found = await run_in_threadpool(self.services.app.statement, statement_id)
        # Another client's statement is answered as unknown: it may not learn it exists.
        if found is None or found.client != actor.id:
            return refusal(404, f"no statement {statement_id}")
        return answer(found.statement)

    async def write(self, request: Request, actor: Actor) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return refusal(400, "the body must be application/json")
        statement_id = _statement_id(request)
        if isinstance(statement_id, Response):
            return statement_id
        if request.method == "PUT" and statement_id is None:
            return refusal(400, "PUT needs the statementId parameter")
        if request.method == "POST" and statement_id is not None:
            return refusal(400, "POST takes no statementId; use PUT for one statement by id")
        body = await request.body()  # read and bounded by the guard already
        try:
            document = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return refusal(400, "the body is not valid JSON")
        if request.method == "PUT":
            if not isinstance(document, dict):
                return refusal(400, "PUT takes one statement (a JSON object)")
            items: list[Any] = [document]
        else:
            items = document if isinstance(document, list) else [document]
        if not items:
            return refusal(400, "the batch holds no statements")
        if len(items) > self.max_batch:
            return refusal(413, f"a batch holds at most {self.max_batch} statements")
        parsed: list[Statement | StatementRejected] = []
        for item in items:
            try:
                parsed.append(parse_statement(item, statement_id=statement_id))
            except StatementRejected as error:
                parsed.append(error)
        good = [p for p in parsed if isinstance(p, Statement)]
        outcomes, _ = await run_in_threadpool(
            self.services.app.record_statements, good, actor=actor
        )
        by_statement = iter(outcomes)
        ids: list[str | None] = []
        rejected: list[dict[str, Any]] = []
        for index, item in enumerate(parsed):
            if isinstance(item, StatementRejected):
                reason, status = item.reason, item.status
            else:
                outcome = next(by_statement)
                if outcome.rejected is None:
                    ids.append(str(outcome.statement_id))
                    continue
                reason, status = outcome.rejected.reason, outcome.rejected.status
            ids.append(None)
            rejected.append({"index": index, "status": status, "reason": reason})
        if request.method == "PUT":
            if rejected:
                return refusal(rejected[0]["status"], rejected[0]["reason"])
            return answer(None, 204)
        if not rejected:
            return answer(ids)
        status = 409 if all(r["status"] == 409 for r in rejected) else 400
        message = f"{len(rejected)} of {len(items)} statements were not recorded"
        return answer(
            {
                "error": {"status": status, "message": message},
                "statementIds": ids,
                "rejected": rejected,
            },
            status,
        )


def _statement_id(request: Request) -> UUID | Response | None:
    raw = request.query_params.get("statementId")
    if raw is None:
        return None
    try:
        return UUID(raw)
    except ValueError:
        return refusal(400, "statementId must be a UUID")
