"""The GraphiQL page, served with its scripts and styles from ``app/static/vendor/graphiql``.

Strawberry's own page loads React and GraphiQL from a CDN, so offline it never gets past
"Loading…". This page loads nothing from outside the server and fetches the schema only once
a token is in the Headers tab (every request, introspection too, needs one).
"""

from __future__ import annotations

import json

from app.dashboard import STATIC

#: What the Headers tab opens with: where a token comes from.
HEADERS_TEMPLATE = (
    '{\n  "Authorization": "Bearer <paste the output of: skillpath token --role admin>"\n}'
)
PLACEHOLDER = "__SKILLPATH_HEADERS_TEMPLATE__"


def graphiql_page() -> str:
    """The HTML of the IDE, with the headers template filled in."""
    page = (STATIC / "graphiql.html").read_text(encoding="utf-8")
    return page.replace(PLACEHOLDER, json.dumps(HEADERS_TEMPLATE))
