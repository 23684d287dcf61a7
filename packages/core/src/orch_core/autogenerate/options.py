"""What a comparison is told: which settings apply and which objects to leave out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# Alembic's hook signatures: include_object(object, name, type_, reflected, compare_to),
# include_name(name, type_, parent_names), process_revision_directives(context, revision,
# directives).
IncludeObject = Callable[[Any, str | None, str, bool, Any], bool]
IncludeName = Callable[[str | None, str, Mapping[str, str | None]], bool]
ProcessRevisionDirectives = Callable[[Any, Any, list[Any]], None]


@dataclass(frozen=True)
class Filters:
    """The env.py-style callables that narrow a comparison and edit the script to write."""

    include_object: IncludeObject | None = None
    include_name: IncludeName | None = None
    process_revision_directives: ProcessRevisionDirectives | None = None


NO_FILTERS = Filters()


@dataclass(frozen=True)
class CompareOptions:
    """How models and a database are compared."""

    compare_type: bool = True
    compare_server_default: bool = False
    include_schemas: bool = False
    exclude_tables: frozenset[str] = frozenset()
    # orch's own tables, (schema, name): never proposed for removal, never compared.
    own_tables: frozenset[tuple[str | None, str]] = frozenset()
    filters: Filters = NO_FILTERS

    def keeps_name(self, name: str | None, type_: str, parents: Mapping[str, str | None]) -> bool:
        """Return whether include_name lets a reflected name through (all pass without one)."""
        hook = self.filters.include_name
        return hook is None or bool(hook(name, type_, parents))

    def keeps_object(
        self, item: object, name: str | None, type_: str, reflected: bool, compare_to: object
    ) -> bool:
        """Return whether include_object lets an object through (all pass without one)."""
        hook = self.filters.include_object
        return hook is None or bool(hook(item, name, type_, reflected, compare_to))
