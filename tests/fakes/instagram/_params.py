"""Request parameters as the Graph API reads them: the query string, and a form or JSON body.

The IG User Media and ``media_publish`` references write parameters in the query string; the
Content Publishing guide's requests send a JSON body (``-H "Content-Type: application/json"``);
Meta's Postman collection sends a form body. The fake reads all three: the query string (httpx's
``params=``), ``application/x-www-form-urlencoded`` (``data=``) and ``application/json``
(``json=``). A JSON value that is not a string is read the way list and boolean parameters are
written: ``true``/``false``, a list as its items joined by commas, an object as JSON text.

Stricter than the documentation: a parameter given in both the query and the body with different
values is code 100; a JSON body that is not an object, or does not parse, is code 100; a
multipart body is not implemented.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from fakes.instagram._errors import invalid_parameter, not_implemented

__all__ = ["body_params", "merge_params"]


def body_params(raw: bytes, content_type: str | None) -> dict[str, str]:
    """The parameters in a request body (none when it is empty)."""
    if not raw:
        return {}
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            decoded = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise invalid_parameter("The request body is not valid JSON") from None
        if not isinstance(decoded, dict):
            raise invalid_parameter("A JSON request body must be an object of parameters")
        return {str(key): _text(value) for key, value in decoded.items()}
    if kind.startswith("multipart/"):
        raise not_implemented("multipart request bodies (send a form or JSON body)")
    try:
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=True))
    except (UnicodeDecodeError, ValueError):
        raise invalid_parameter("The request body is not a valid form") from None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join(_text(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return "" if value is None else str(value)


def merge_params(query: Mapping[str, str], body: Mapping[str, str]) -> dict[str, str]:
    """Query and body parameters together; the same name with two values is refused."""
    for name, value in body.items():
        if name in query and query[name] != value:
            raise invalid_parameter(f"The parameter {name} is given twice with different values")
    return {**query, **body}
