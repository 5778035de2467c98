"""Internal errors are logged with a reference and masked for the client."""

from __future__ import annotations

import logging
import uuid

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from app.observability.logs import REQUEST_ID

log = logging.getLogger("skillpath.errors")


def is_client_error(error: GraphQLError) -> bool:
    """Syntax, validation and coded argument errors are the client's to see and fix."""
    original = error.original_error
    return original is None or isinstance(original, GraphQLError)


def mask_internal(errors: list[GraphQLError]) -> list[GraphQLError]:
    """The errors with every internal one replaced by its masked form (and logged)."""
    if all(is_client_error(error) for error in errors):
        return errors
    return [error if is_client_error(error) else masked(error) for error in errors]


def masked(error: GraphQLError) -> GraphQLError:
    """An internal error as the client sees it: a reference, which the log has too."""
    reference = uuid.uuid4().hex[:12]
    request_id = REQUEST_ID.get()
    log.error("internal error %s at %s", reference, error.path, exc_info=error.original_error)
    within = f", request {request_id}" if request_id else ""
    return GraphQLError(
        message=f"Internal error (reference {reference}{within}).",
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={
            "code": "INTERNAL_SERVER_ERROR",
            "reference": reference,
            "requestId": request_id,
        },
    )


class MaskInternalErrors(MaskErrors):
    """Replace unexpected exceptions by a message with a reference that the log also has."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda error: not is_client_error(error))

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return masked(error)
