"""The access policy (``app/access/``) enforced on every field the schema resolves.

Installed once per schema (``install_guards``), after the resolvers are in place:

- every field of a person's type (``access.PERSON_TYPES``) checks the viewer's sight of its
  facet for the object's subject; a field the viewer may not see resolves to null with an
  error coded ``FORBIDDEN`` naming its path, and never to data;
- every field that may return a person's object (a link such as ``manager``, a list such as
  ``enrollments``, a payload's ``employee``, a union member) shows only the people the
  viewer may see something of: a single one the viewer may see nothing of is refused, and
  left out of a list;
- every field of a type nobody declared in the policy is refused, so a new type that holds
  a person's data is denied until someone decides what it is.

The facts the policy needs (a subject's manager and consents) are read once per request
and subject, in one query per batch of people (``AccessScope``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    default_field_resolver,
)
from graphql.pyutils import is_awaitable
from strawberry.dataloader import DataLoader

from app import access
from app.access import Seen, Subject, Viewer
from app.subjects import Subjects

log = logging.getLogger("skillpath.access")

FORBIDDEN = "FORBIDDEN"
_GUARDED = "_skillpath_guarded"
_NOT_DECLARED = object()
#: Fields of a person's type that every viewer who reaches the object may read (the id).
_UNGATED = {
    name: frozenset(f for f, part in person.fields.items() if part is None)
    for name, person in access.PERSON_TYPES.items()
}
_PERSON_CLASSES: dict[type, str | None] = {}
#: What a viewer sees of a person depends only on their relation and the person's consents
#: (the policy is pure), so each kind is decided once per process and looked up per row.
_BY_KIND: dict[tuple[str, access.Relation, frozenset[str]], frozenset[str]] = {}

Reader = Callable[..., Awaitable[Any]]


def forbidden(message: str, **extensions: Any) -> GraphQLError:
    """The error of a value the caller may not see; graphql-core adds its path."""
    return GraphQLError(f"not allowed: {message}", extensions={"code": FORBIDDEN, **extensions})


def person_type_of(value: Any) -> str | None:
    """The GraphQL type name of ``value`` when it is a person's object, else None."""
    cls = type(value)
    found = _PERSON_CLASSES.get(cls, _NOT_DECLARED)
    if found is _NOT_DECLARED:
        name = getattr(getattr(cls, "__strawberry_definition__", None), "name", None)
        found = _PERSON_CLASSES[cls] = name if name in access.PERSON_TYPES else None
    return found  # type: ignore[return-value]


class AccessScope:
    """One request's viewer, and what the policy decided for it so far."""

    def __init__(self, viewer: Viewer, subjects: Subjects, read: Reader) -> None:
        self.viewer = viewer
        self._subjects = subjects
        self._read = read
        self._facts: dict[str, Subject] = {}
        self._by_subject: dict[tuple[str, str], frozenset[str]] = {}
        # Links resolved side by side (each row's manager) ask in the same tick: one query.
        self._loader: DataLoader[str, Subject] = DataLoader(load_fn=self._load_batch)

    async def _load_batch(self, subject_ids: list[str]) -> list[Subject]:
        found: dict[str, Subject] = await self._read(self._subjects.facts_many, subject_ids)
        return [found[i] for i in subject_ids]

    # -- facts --------------------------------------------------------------------------

    def missing(self, subject_ids: Iterable[str]) -> list[str]:
        return [i for i in subject_ids if i not in self._facts]

    async def load(self, subject_ids: Iterable[str]) -> None:
        """Read the facts of subjects not known yet (batched with other links' loads)."""
        missing = sorted(set(self.missing(subject_ids)))
        if missing:
            for subject in await self._loader.load_many(missing):
                self._facts.setdefault(subject.id, subject)

    def remember(self, subjects: Iterable[Subject]) -> None:
        """Facts a resolver read anyway (a page of employees with their consents)."""
        for subject in subjects:
            self._facts.setdefault(subject.id, subject)

    def subject(self, subject_id: str) -> Subject:
        found = self._facts.get(subject_id)
        if found is None:
            # Every object of a person's type reaches a field through a guarded link, which
            # loads its facts first; this read is the fallback that keeps the check exact.
            found = self._facts[subject_id] = self._subjects.subject(subject_id)
        return found

    # -- decisions ----------------------------------------------------------------------

    def visible(self, type_name: str, subject_id: str) -> frozenset[str]:
        """The fields of the person's object the viewer may read."""
        found = self._by_subject.get((type_name, subject_id))
        if found is None:
            subject = self.subject(subject_id)
            kind = (type_name, access.relation(self.viewer, subject), subject.purposes)
            found = _BY_KIND.get(kind)
            if found is None:
                found = _BY_KIND[kind] = access.visible_fields(self.viewer, subject, type_name)
            self._by_subject[(type_name, subject_id)] = found
        return found

    def field(self, type_name: str, field_name: str, subject_id: str) -> Seen:
        """The decision on one field, with its reason (for the error of a refused one)."""
        return access.field_seen(self.viewer, self.subject(subject_id), type_name, field_name)

    def shows(self, type_name: str, subject_id: str) -> bool:
        """Whether the viewer sees anything of the person beyond their id."""
        fields = self.visible(type_name, subject_id)
        ungated = _UNGATED.get(type_name, frozenset())
        return bool(fields - ungated)


# -- installation -----------------------------------------------------------------------


def install_guards(schema: GraphQLSchema) -> None:
    """Wrap every resolver of the schema with the checks above (once per schema)."""
    for type_name, graphql_type in schema.type_map.items():
        if type_name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        person = access.PERSON_TYPES.get(type_name)
        for field_name, field in graphql_type.fields.items():
            resolve = field.resolve or default_field_resolver
            if getattr(resolve, _GUARDED, False):
                continue
            if not access.declared(type_name):
                resolve = _undeclared(type_name, field_name)
            else:
                if person is not None and person.fields.get(field_name, _NOT_DECLARED) is not None:
                    resolve = _gated(type_name, field_name, resolve)
                if _may_return_people(field.type, schema):
                    resolve = _linked(resolve)
            setattr(resolve, _GUARDED, True)
            field.resolve = resolve


def _may_return_people(graphql_type: Any, schema: GraphQLSchema) -> bool:
    """Whether a field's values may be people: a person's type, a union or interface with
    one, or edges of a connection whose nodes are people."""
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        graphql_type = graphql_type.of_type
    if isinstance(graphql_type, GraphQLUnionType):
        return any(t.name in access.PERSON_TYPES for t in graphql_type.types)
    if isinstance(graphql_type, GraphQLInterfaceType):
        implementations = schema.get_possible_types(graphql_type)
        return any(t.name in access.PERSON_TYPES for t in implementations)
    if isinstance(graphql_type, GraphQLObjectType) and "node" in graphql_type.fields:
        node = graphql_type.fields["node"].type
        return _may_return_people(node, schema)
    return getattr(graphql_type, "name", None) in access.PERSON_TYPES


def _undeclared(type_name: str, field_name: str) -> Callable[..., Any]:
    def refuse(_source: Any, _info: Any, **_kwargs: Any) -> Any:
        raise forbidden(
            f"{type_name} is not declared in the access policy (app/access/)",
            type=type_name,
            field=field_name,
        )

    return refuse


def _gated(type_name: str, field_name: str, resolve: Callable[..., Any]) -> Callable[..., Any]:
    def gated(source: Any, info: Any, **kwargs: Any) -> Any:
        scope: AccessScope = info.context.access
        if field_name not in scope.visible(type_name, source.subject_id):
            seen = scope.field(type_name, field_name, source.subject_id)
            log.debug("withheld %s.%s of %s: %s", type_name, field_name, source.subject_id,
                      seen.reason)  # fmt: skip
            raise forbidden(seen.reason, type=type_name, field=field_name)
        return resolve(source, info, **kwargs)

    return gated


def _linked(resolve: Callable[..., Any]) -> Callable[..., Any]:
    def linked(source: Any, info: Any, **kwargs: Any) -> Any:
        result = resolve(source, info, **kwargs)
        if is_awaitable(result):
            return _screen_later(result, info)
        return _screen(result, info)

    return linked


async def _screen_later(result: Awaitable[Any], info: Any) -> Any:
    value = _screen(await result, info)
    return await value if is_awaitable(value) else value


Person = tuple[str, Any]  # (type name, the person's object)


def _person_in(item: Any) -> Person | None:
    """The person's object an item is (or whose node it is, for an edge), if any."""
    name = person_type_of(item)
    if name is not None:
        return name, item
    node = getattr(item, "node", None)
    name = None if node is None else person_type_of(node)
    return None if name is None else (name, node)


def _screen(result: Any, info: Any) -> Any:
    if isinstance(result, list):
        people = [_person_in(item) for item in result]
    else:
        people = [_person_in(result)]
    if not any(people):
        return result
    scope: AccessScope = info.context.access
    missing = scope.missing(p[1].subject_id for p in people if p is not None)
    if missing:

        async def after_loading() -> Any:
            await scope.load(missing)
            return _filter(result, people, scope)

        return after_loading()
    return _filter(result, people, scope)


async def screened(result: Any, info: Any) -> Any:
    """``result`` as a guarded link would return it: a person the viewer may see nothing of
    is refused (for resolvers that complete items one by one, such as ``nodes``)."""
    value = _screen(result, info)
    return await value if is_awaitable(value) else value


def _filter(result: Any, people: list[Person | None], scope: AccessScope) -> Any:
    def shown(person: Person | None) -> bool:
        return person is None or scope.shows(person[0], person[1].subject_id)

    if isinstance(result, list):
        return [item for item, person in zip(result, people, strict=True) if shown(person)]
    if not shown(people[0]):
        raise forbidden(
            "the caller may see nothing of this person",
            relation=str(access.relation(scope.viewer, scope.subject(result.subject_id))),
        )
    return result


def plain_fields_visible(context: Any, type_name: str, source: Any) -> frozenset[str]:
    """For the plain-field shortcut of app/schema/execution.py: the fields of a person's
    object that may be answered directly (the others go to their guard, which refuses)."""
    scope: AccessScope = context.access
    return scope.visible(type_name, source.subject_id)
