"""Compare one column of the models with the database's: type, nullable, default, comment.

Types are compared as each database spells them: both are compiled by the dialect, split into
a base name, modifier words and arguments, and differ only where both say something different
(a database that reports `VARCHAR(20) COLLATE x` for a model's `String(20)` is not a change).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from orch_core.autogenerate.changes import Change, ChangeKind
from orch_core.autogenerate.options import CompareOptions

# Names a database uses interchangeably for one type.
_SYNONYMS: dict[str, tuple[frozenset[str], ...]] = {
    "default": (frozenset({"numeric", "decimal"}),),
    "postgresql": (frozenset({"numeric", "decimal"}), frozenset({"float", "double precision"})),
    "mysql": (
        frozenset({"numeric", "decimal"}),
        frozenset({"bool", "tinyint"}),
        frozenset({"json", "longtext"}),
    ),
}
_SPELLING_ARGUMENTS = (re.compile(r"character set ([\w\-]+)"), re.compile(r"collate ([\w\-]+)"))
_WORD_OR_ARGUMENTS = re.compile(r"[\w\-]+|\(.+?\)")


@dataclass(frozen=True)
class _TypeSpelling:
    """A type as the database spells it: `numeric(10, 2) unsigned` is numeric, unsigned, 10, 2."""

    name: str
    words: tuple[str, ...]
    arguments: tuple[str, ...]

    @classmethod
    def of(cls, type_: sa.types.TypeEngine[object], dialect: sa.Dialect) -> _TypeSpelling:
        """Return the type compiled by the dialect and split into its parts."""
        text = dialect.type_compiler_instance.process(type_).lower()
        words, arguments = [], []
        for token in _WORD_OR_ARGUMENTS.findall(text):
            if token.startswith("("):
                arguments += [part.strip() for part in token[1:-1].split(",") if part.strip()]
            else:
                words.append(token)
        return cls(words[0], tuple(words[1:]), tuple(arguments))


def types_differ(db: sa.Column[object], model: sa.Column[object], dialect: sa.Dialect) -> bool:
    """Return whether the model's column type is not the database's."""
    if isinstance(db.type, sa.types.NullType):
        return False  # a type the dialect could not reflect: nothing to compare
    if isinstance(db.type, sa.Enum) and isinstance(model.type, sa.Enum) and dialect.name == "mysql":
        return set(db.type.enums) != set(model.type.enums)  # MySQL ENUM: the values, any order
    found, wanted = _TypeSpelling.of(db.type, dialect), _TypeSpelling.of(model.type, dialect)
    if not _same_name(found, wanted, dialect.name) or _arguments_differ(found, wanted):
        return True
    found_text, wanted_text = " ".join(found.words), " ".join(wanted.words)
    for pattern in _SPELLING_ARGUMENTS:
        in_db, in_model = pattern.search(found_text), pattern.search(wanted_text)
        if in_db and in_model and in_db.group(1) != in_model.group(1):
            return True
    return False


def _arguments_differ(found: _TypeSpelling, wanted: _TypeSpelling) -> bool:
    """Return whether both sides give modifiers or arguments, and not the same ones."""
    if len(found.words) == len(wanted.words) and found.words != wanted.words:
        return True
    return len(found.arguments) == len(wanted.arguments) and found.arguments != wanted.arguments


def _same_name(found: _TypeSpelling, wanted: _TypeSpelling, dialect: str) -> bool:
    if found.name == wanted.name:
        return True
    full = {" ".join((found.name, *found.words)), " ".join((wanted.name, *wanted.words))}
    names = {found.name, wanted.name}
    synonyms = _SYNONYMS.get(dialect, _SYNONYMS["default"])
    return any(full <= group or names <= group for group in synonyms)


def compare_column(
    db: sa.Column[object],
    model: sa.Column[object],
    dialect: sa.Dialect,
    options: CompareOptions,
) -> Iterator[Change]:
    """Yield the modify_* changes that make the database's column the model's."""
    table = model.table
    where = {"table": table.name, "schema": table.schema, "column": model.name}
    if options.compare_type and types_differ(db, model, dialect):
        yield _modify(
            ChangeKind.MODIFY_TYPE, where, _type_text(db, dialect), _type_text(model, dialect)
        )
    if db.nullable != model.nullable and not model.primary_key:
        yield _modify(ChangeKind.MODIFY_NULLABLE, where, str(db.nullable), str(model.nullable))
    if options.compare_server_default:
        found, wanted = _default_text(db, dialect), _default_text(model, dialect)
        if not _same_default(db, found, wanted, postgresql=dialect.name == "postgresql"):
            yield _modify(ChangeKind.MODIFY_DEFAULT, where, found, wanted)
    if dialect.supports_comments and (db.comment or None) != (model.comment or None):
        yield _modify(ChangeKind.MODIFY_COMMENT, where, db.comment, model.comment)


def _modify(
    kind: ChangeKind, where: dict[str, str | None], before: str | None, after: str | None
) -> Change:
    return Change(kind, where["table"] or "", where["schema"], where["column"], None, before, after)


def _type_text(column: sa.Column[object], dialect: sa.Dialect) -> str:
    return str(dialect.type_compiler_instance.process(column.type))


def _default_text(column: sa.Column[object], dialect: sa.Dialect) -> str | None:
    """Return the column's server default as SQL text, or None."""
    default = column.server_default
    if not isinstance(default, sa.DefaultClause):
        return None
    argument = default.arg
    if isinstance(argument, str):
        return "'" + argument.replace("'", "''") + "'"
    compiled = argument.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    return str(compiled)


def _same_default(
    db: sa.Column[object], found: str | None, wanted: str | None, *, postgresql: bool
) -> bool:
    """Return whether two server defaults are the same once each database's spelling is removed."""
    if found is None and wanted is None:
        return True
    if wanted is None and found is not None and _is_sequence_default(db, found):
        return True  # PostgreSQL's SERIAL default, which the model gets from autoincrement
    found, wanted = _normal_default(found), _normal_default(wanted)
    # PostgreSQL says 1.50 for 1.5 (Alembic asks the server there; elsewhere it compares text).
    return found == wanted or (postgresql and _same_number(found, wanted))


def _same_number(found: str | None, wanted: str | None) -> bool:
    """Return whether both defaults are numbers of one value."""
    try:
        return Decimal(found or "") == Decimal(wanted or "")
    except InvalidOperation:
        return False


def _is_sequence_default(column: sa.Column[object], text: str) -> bool:
    return column.primary_key and "nextval(" in text.lower()


def _normal_default(text: str | None) -> str | None:
    """Return a default without casts, quotes around numbers, outer parentheses or case."""
    if text is None:
        return None
    text = re.sub(r"::[\w\s]+(\[\])?", "", text.strip())  # PostgreSQL's 'x'::character varying
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    if re.fullmatch(r"'-?\d+(\.\d+)?'", text):
        text = text[1:-1]
    text = text.lower()
    # One function, three spellings: MariaDB reports now() back as current_timestamp().
    text = re.sub(r"^(now\(\)|current_timestamp\(\))$", "current_timestamp", text)
    # MySQL and MariaDB store a boolean default `true` as 1 (Alembic reports it as a change).
    return {"true": "1", "false": "0"}.get(text, text)
