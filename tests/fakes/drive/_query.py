"""The subset of Drive's ``q`` search syntax the fake understands, parsed into predicates.

Supported terms: ``'ID' in parents``; ``name``/``mimeType`` with ``=``, ``!=``, ``contains``;
``trashed = true|false``; ``modifiedTime``/``createdTime`` compared with ``<``, ``>``, ``<=``,
``>=``, ``=``; ``appProperties has { key='k' and value='v' }`` (and ``properties``); joined with
``and``, ``or``, ``not`` and parentheses. Anything else is a ``QueryError``, which the server
answers like Drive does (400, ``invalid`` on parameter ``q``), so a client that drifts from the
subset fails loudly in the tests instead of silently matching everything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["Query", "QueryError", "parse_query"]


class QueryError(ValueError):
    """The query is not valid in the supported subset."""


_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*')|(?P<op>!=|<=|>=|=|<|>|\(|\)|\{|\})"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*))"
)


def _tokens(text: str) -> Iterator[tuple[str, str]]:
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            return
        match = _TOKEN.match(text, position)
        if match is None:
            raise QueryError(f"cannot parse the query at: {text[position : position + 20]!r}")
        position = match.end()
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        yield kind, value


Getter = Callable[[Any], Any]


@dataclass(frozen=True)
class Query:
    """A parsed query: ``matches(file)`` and the parent ids it is restricted to, if any."""

    predicate: Callable[[Any], bool]
    parents: tuple[str, ...] | None
    """When every match must have one of these parents (lets the fake use its children index)."""

    def matches(self, file: Any) -> bool:
        return self.predicate(file)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = list(_tokens(text))
        self.index = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise QueryError("the query ended too early")
        if expected is not None and token[1] != expected:
            raise QueryError(f"expected {expected!r}, found {token[1]!r}")
        self.index += 1
        return token

    def word(self, value: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "word" and token[1] == value

    # Each parse method returns (predicate, parents-restriction or None).
    def expression(self) -> tuple[Callable[[Any], bool], tuple[str, ...] | None]:
        terms = [self.conjunction()]
        while self.word("or"):
            self.take()
            terms.append(self.conjunction())
        if len(terms) == 1:
            return terms[0]
        predicates = [p for p, _ in terms]
        restrictions = [r for _, r in terms]
        parents: tuple[str, ...] | None = None
        if all(r is not None for r in restrictions):
            parents = tuple(dict.fromkeys(p for r in restrictions if r for p in r))
        return (lambda f: any(p(f) for p in predicates)), parents

    def conjunction(self) -> tuple[Callable[[Any], bool], tuple[str, ...] | None]:
        terms = [self.unary()]
        while self.word("and"):
            self.take()
            terms.append(self.unary())
        if len(terms) == 1:
            return terms[0]
        predicates = [p for p, _ in terms]
        parents = next((r for _, r in terms if r is not None), None)
        return (lambda f: all(p(f) for p in predicates)), parents

    def unary(self) -> tuple[Callable[[Any], bool], tuple[str, ...] | None]:
        if self.word("not"):
            self.take()
            inner, _ = self.unary()
            return (lambda f: not inner(f)), None
        token = self.peek()
        if token is not None and token[1] == "(":
            self.take("(")
            result = self.expression()
            self.take(")")
            return result
        return self.term()

    def term(self) -> tuple[Callable[[Any], bool], tuple[str, ...] | None]:
        kind, value = self.take()
        if kind == "string":
            self.take("in")
            field = self.take()[1]
            if field != "parents":
                raise QueryError(f"'in' is supported for parents only, not {field!r}")
            return (lambda f: value in f.parents), (value,)
        if kind != "word":
            raise QueryError(f"unexpected {value!r}")
        if self.word("has"):
            return self._has(value), None
        op = self.take()[1]
        if value == "trashed":
            literal = self.take()[1]
            if op not in {"=", "!="} or literal not in {"true", "false"}:
                raise QueryError("trashed takes = true or = false")
            wanted = (literal == "true") == (op == "=")
            return (lambda f: f.effectively_trashed() == wanted), None
        operand = self.take()
        if operand[0] != "string":
            raise QueryError(f"{value} must be compared with a quoted string")
        return self._compare(value, op, operand[1]), None

    def _has(self, field: str) -> Callable[[Any], bool]:
        if field not in {"appProperties", "properties"}:
            raise QueryError(f"'has' is supported for appProperties only, not {field!r}")
        self.take("has")
        self.take("{")
        self.take("key")
        self.take("=")
        key = self.take()[1]
        self.take("and")
        self.take("value")
        self.take("=")
        value = self.take()[1]
        self.take("}")
        attribute = "app_properties" if field == "appProperties" else "properties"
        return lambda f: getattr(f, attribute, {}).get(key) == value

    @staticmethod
    def _compare(field: str, op: str, value: str) -> Callable[[Any], bool]:
        getters: dict[str, Getter] = {
            "name": lambda f: f.name,
            "mimeType": lambda f: f.mime_type,
            "modifiedTime": lambda f: f.modified_rfc3339(),
            "createdTime": lambda f: f.created_rfc3339(),
        }
        getter = getters.get(field)
        if getter is None:
            raise QueryError(f"unsupported query field {field!r}")
        if op == "contains":
            if field == "mimeType":
                return lambda f: value in getter(f)
            # Drive matches name prefixes of words; the fake matches substrings, which is looser.
            return lambda f: value.lower() in getter(f).lower()
        if op == "=":
            return lambda f: getter(f) == value
        if op == "!=":
            return lambda f: getter(f) != value
        if field in {"modifiedTime", "createdTime"} and op in {"<", ">", "<=", ">="}:
            compare: dict[str, Callable[[str, str], bool]] = {
                "<": lambda a, b: a < b,
                ">": lambda a, b: a > b,
                "<=": lambda a, b: a <= b,
                ">=": lambda a, b: a >= b,
            }
            return lambda f: compare[op](getter(f), value)
        raise QueryError(f"operator {op!r} is not supported for {field}")


def parse_query(text: str) -> Query:
    """Parses ``q``; an empty query matches everything."""
    if not text.strip():
        return Query(lambda _f: True, None)
    parser = _Parser(text)
    predicate, parents = parser.expression()
    if parser.peek() is not None:
        raise QueryError(f"unexpected {parser.peek()[1]!r} after the end of the query")  # type: ignore[index]
    return Query(predicate, parents)
