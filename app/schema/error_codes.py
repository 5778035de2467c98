"""Every error a client gets carries a stable ``extensions.code`` from one list.

Resolvers, guards and the HTTP layer set their own codes (``BAD_USER_INPUT``, ``FORBIDDEN``,
``QUERY_TOO_COSTLY``...). Errors graphql-core raises itself (a syntax error, an unknown
field, an argument of the wrong type, a variable that does not coerce, a limit of the
validation rules) come without one; ``ErrorCodes`` gives them theirs after the operation,
so a client can branch on ``extensions.code`` alone. The codes are documented in
docs/graphql.md ("Error codes"); a test checks that every answer carries one of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension


class ResponseErrorCode(StrEnum):
    """The values of ``extensions.code`` in any error Skillpath answers."""

    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
    TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
    TOO_MANY_TOKENS = "TOO_MANY_TOKENS"
    INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
    QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
    OPERATION_RESOLUTION_FAILURE = "OPERATION_RESOLUTION_FAILURE"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    BAD_REQUEST = "BAD_REQUEST"
    BODY_TOO_LARGE = "BODY_TOO_LARGE"
    BODY_NOT_UTF8 = "BODY_NOT_UTF8"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    RATE_LIMITED = "RATE_LIMITED"
    TIMEOUT = "TIMEOUT"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


Code = ResponseErrorCode

#: graphql-core's and strawberry's own messages, by what they start with or contain.
_PREFIXES: tuple[tuple[str, Code], ...] = (
    ("Syntax Error: Document contains more than", Code.TOO_MANY_TOKENS),
    ("Syntax Error", Code.GRAPHQL_PARSE_FAILED),
    ("Unknown operation named", Code.OPERATION_RESOLUTION_FAILURE),
    ("Must provide operation name", Code.OPERATION_RESOLUTION_FAILURE),
    ("Must provide an operation", Code.OPERATION_RESOLUTION_FAILURE),
)
_FRAGMENTS: tuple[tuple[str, Code], ...] = (
    ("exceeds maximum operation depth", Code.QUERY_TOO_DEEP),
    ("aliases found. Allowed", Code.TOO_MANY_ALIASES),
    ("introspection has been disabled", Code.INTROSPECTION_DISABLED),
)
#: A variable whose value does not coerce is bad input; other messages about variables
#: (unused, wrong position) are validation failures of the document.
_BAD_VARIABLE = ("has invalid value", "got invalid value", "was not provided")


def code_of(error: GraphQLError) -> Code:
    """The code of an error that graphql-core raised without one."""
    message = error.message
    for prefix, code in _PREFIXES:
        if message.startswith(prefix):
            return code
    for fragment, code in _FRAGMENTS:
        if fragment in message:
            return code
    if message.startswith("Variable '$") and any(m in message for m in _BAD_VARIABLE):
        return Code.BAD_USER_INPUT
    if error.original_error is not None and not isinstance(error.original_error, GraphQLError):
        return Code.INTERNAL_SERVER_ERROR  # masked by MaskInternalErrors all the same
    return Code.GRAPHQL_VALIDATION_FAILED


def http_code_of(reason: str) -> Code:
    """The code of a request strawberry refuses before GraphQL runs (an HTTP 4xx)."""
    for prefix, code in _PREFIXES:
        if reason.startswith(prefix):
            return code
    return Code.BAD_REQUEST


def http_error_body(reason: str) -> dict[str, Any]:
    """The GraphQL-shaped body of such a refusal, coded like every other error."""
    error = {"message": reason, "extensions": {"code": http_code_of(reason).value}}
    return {"data": None, "errors": [error]}


def with_code(error: GraphQLError) -> GraphQLError:
    """The error, given its code if it had none (in place: the result keeps the object)."""
    extensions = error.extensions or {}
    if not extensions.get("code"):
        error.extensions = {**extensions, "code": code_of(error).value}
    return error


class ErrorCodes(SchemaExtension):
    """Fill in ``extensions.code`` on every error of the result that has none."""

    def on_operation(self) -> Iterator[None]:
        yield
        for error in getattr(self.execution_context.result, "errors", None) or ():
            with_code(error)

    def get_results(self) -> dict[str, Any]:
        # Called as every result is made, also for an error raised while parsing (the
        # parser cache and the token limit raise it from their hooks, past on_operation).
        for error in self.execution_context.pre_execution_errors or ():
            with_code(error)
        return {}
