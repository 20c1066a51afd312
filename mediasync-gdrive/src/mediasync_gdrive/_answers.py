"""Drive's answers checked before they are used: an answer mediasync cannot read is a failure
of the call, never an empty listing.

google-api-python-client hands back a body that is not JSON as a string (a proxy's HTML page
with status 200, a body cut off half-way) and JSON of any shape as it came. A listing read from
such an answer would look like a folder that lost its files, and a sync would remove them; a
resource without an ``id`` would be indexed under no identity. Each answer is checked for the
fields the plugin reads, with the types it reads them as; the first thing wrong fails the call
with ``SourceUnreachable`` (the run changes nothing), saying which call and what was wrong.
"""

from __future__ import annotations

from typing import Any

from mediasync import SourceUnreachable

__all__ = ["DriveBadAnswer", "checked", "unreadable"]

_TEXT_FIELDS = (
    "name",
    "mimeType",
    "createdTime",
    "modifiedTime",
    "md5Checksum",
    "sha256Checksum",
    "driveId",
)
_OBJECT_FIELDS = (
    "appProperties",
    "shortcutDetails",
    "imageMediaMetadata",
    "videoMediaMetadata",
    "capabilities",
)
_TOKENS = ("nextPageToken", "newStartPageToken", "startPageToken")


class DriveBadAnswer(SourceUnreachable):
    """Drive (or something in front of it) answered with a body mediasync cannot read."""


def _shape(value: Any) -> str:
    if isinstance(value, str):
        text = value.lstrip()[:200].lower()
        if text.startswith(("<!doctype", "<html", "<")):
            return "an HTML page"
        return "a body that is not JSON (cut off, or not JSON at all)"
    if value is None:
        return "null"
    return f"a JSON {type(value).__name__}"


def _bad(what: str, problem: str) -> DriveBadAnswer:
    return DriveBadAnswer(
        f"Google Drive answered {what} with {problem}: not an answer mediasync can read "
        "(a proxy in between, or Drive failing); try again later"
    )


def unreadable(content: Any, what: str, status: int) -> DriveBadAnswer:
    """The error for an answer of ``status`` (a success) without what ``what`` needed."""
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    shape = "an empty body" if not content else _shape(content)
    if isinstance(content, str) and content and not shape.startswith("an HTML"):
        shape = "a body without what was asked for"
    return _bad(what, f"HTTP {status} and {shape}")


def _check_file(resource: Any, what: str, where: str) -> None:
    if not isinstance(resource, dict):
        raise _bad(what, f"{where} that is {_shape(resource)}, not an object")
    file_id = resource.get("id")
    if not isinstance(file_id, str) or not file_id:
        raise _bad(what, f"{where} without a string id")
    for key in _TEXT_FIELDS:
        if resource.get(key) is not None and not isinstance(resource[key], str):
            raise _bad(what, f"{where} whose {key} is {_shape(resource[key])}")
    for key in _OBJECT_FIELDS:
        if resource.get(key) is not None and not isinstance(resource[key], dict):
            raise _bad(what, f"{where} whose {key} is {_shape(resource[key])}")
    parents = resource.get("parents")
    if parents is not None and not (
        isinstance(parents, list) and all(isinstance(p, str) for p in parents)
    ):
        raise _bad(what, f"{where} whose parents are not a list of ids")
    size = resource.get("size")
    if size is not None and not (
        (isinstance(size, str) and size.isdigit()) or (type(size) is int and size >= 0)
    ):
        raise _bad(what, f"{where} whose size is not a number")
    for key in ("trashed", "explicitlyTrashed"):
        if resource.get(key) is not None and not isinstance(resource[key], bool):
            raise _bad(what, f"{where} whose {key} is not true or false")


def _check_list(answer: dict[str, Any], key: str, what: str) -> list[Any]:
    values = answer.get(key, [])
    if not isinstance(values, list):
        raise _bad(what, f"{key} that are {_shape(values)}, not a list")
    return values


def checked(answer: Any, what: str) -> Any:
    """``answer`` to the call ``what`` (``files.list``, ``changes.list``, ``files.get (…)``…),
    once it is known to hold what the plugin reads from it.

    Raises:
        DriveBadAnswer: the answer is not JSON, or not of the shape Drive documents.
    """
    if not isinstance(answer, dict):
        raise _bad(what, _shape(answer))
    for key in _TOKENS:
        if answer.get(key) is not None and not isinstance(answer[key], str):
            raise _bad(what, f"a {key} that is {_shape(answer[key])}")
    if what == "changes.getStartPageToken" and not answer.get("startPageToken"):
        raise _bad(what, "no startPageToken")
    if what.startswith(("files.get", "files.create", "upload of")):
        _check_file(answer, what, "a file")
    if "files" in answer or what == "files.list":
        for resource in _check_list(answer, "files", what):
            _check_file(resource, what, "a file")
    if what == "changes.list":
        if not answer.get("nextPageToken") and not answer.get("newStartPageToken"):
            raise _bad(what, "neither a nextPageToken nor a newStartPageToken")
        for change in _check_list(answer, "changes", what):
            if not isinstance(change, dict):
                raise _bad(what, f"a change that is {_shape(change)}, not an object")
            if change.get("changeType", "file") != "file":
                continue  # a shared drive's own change: no fileId, nothing the plugin reads
            if not isinstance(change.get("fileId"), str) or not change["fileId"]:
                raise _bad(what, "a change without a string fileId")
            if change.get("time") is not None and not isinstance(change["time"], str):
                raise _bad(what, "a change whose time is not a string")
            if change.get("removed") is not None and not isinstance(change["removed"], bool):
                raise _bad(what, "a change whose removed is not true or false")
            if change.get("file") is not None:
                _check_file(change["file"], what, "a change's file")
    return answer
