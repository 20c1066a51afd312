"""Transformation strings (``eager``, ``transformation``, delivery URLs) and their derivatives.

Syntax, from Cloudinary's transformation reference and what the SDK's
``utils.generate_transformation_string`` and ``utils.build_eager`` emit: eager transformations
are separated by ``|``; a transformation is chained steps separated by ``/``; a step is
``key_value`` components separated by commas; an eager item may end with ``/ext`` (the
derivative's format and URL extension; a trailing ``/`` means "no extension"). The SDK drops an
eager item whose only option is ``format`` (``build_single_eager`` returns "" when the
transformation is empty): a format change must be ``fetch_format`` (``f_jpg``).

Every documented component key is accepted; a key Cloudinary does not have answers 400 "Invalid
transformation component - …". The fake *applies* only ``f`` (format), ``w``/``h`` (pixels, or a
fraction of the input when a decimal ≤ 1) and ``c`` (scale, fit, limit, mfit, fill, lfill, pad,
lpad, mpad, fill_pad, crop, thumb: the output size, approximately), and accepts ``q``, ``g``,
``fl`` and ``so`` as having no effect on its grey pictures. Any other known key, and any output
it cannot make, answers 400 "Unsupported by the fake Cloudinary: …" rather than pretending.

What it can make: a JPEG or PNG of the computed size from any image or video (a video's JPEG is
its thumbnail), and the original bytes again when the format and size do not change.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass
from pathlib import Path

from fakes.cloudinary._codecs import ENCODERS
from fakes.cloudinary._model import ApiError, Asset, Derived

__all__ = ["Transformation", "derive", "parse_eager", "parse_transformation"]

KNOWN_KEYS = frozenset(
    {
        *("a", "ac", "af", "ar", "b", "bo", "br", "c", "co", "cs", "d", "dl", "dn", "dpr"),
        *("du", "e", "eo", "f", "fl", "fn", "fps", "g", "h", "if", "ki", "l", "o", "p", "pg"),
        *("q", "r", "so", "sp", "t", "u", "vc", "vs", "w", "x", "y", "z"),
    }
)
_NO_EFFECT = frozenset({"q", "g", "fl", "so"})
_CROPS = frozenset(
    {"scale", "fit", "limit", "mfit", "fill", "lfill", "pad", "lpad", "mpad", "fill_pad"}
    | {"crop", "thumb"}
)
_FORMAT_ALIASES = {"jpeg": "jpg", "jpe": "jpg", "tif": "tiff"}


@dataclass(frozen=True)
class Transformation:
    text: str
    """As received: one item of ``eager``, or the transformation part of a URL."""
    path: str
    """The steps, as a delivery URL carries them."""
    extension: str | None
    """The explicit format suffix (``""``: trailing slash, no extension; ``None``: none)."""
    steps: tuple[tuple[tuple[str, str], ...], ...]


def _invalid(part: str) -> ApiError:
    return ApiError(400, f"Invalid transformation component - {part}")


def _unsupported(what: str) -> ApiError:
    return ApiError(400, f"Unsupported by the fake Cloudinary: {what}")


def parse_eager(value: str) -> list[Transformation]:
    return [parse_transformation(item) for item in value.split("|") if item != ""]


def parse_transformation(text: str, extension: str | None = None) -> Transformation:
    """Parses ``text``; a delivery URL passes its file extension as ``extension``."""
    segments = text.split("/") if text else []
    if extension is None and len(segments) > 1 and "_" not in segments[-1]:
        extension = segments.pop()
        if extension and not extension.isalnum():
            raise _invalid(extension)
    steps = tuple(_parse_step(segment) for segment in segments)
    return Transformation(text, "/".join(segments), extension, steps)


def _parse_step(segment: str) -> tuple[tuple[str, str], ...]:
    components: list[tuple[str, str]] = []
    for part in segment.split(","):
        key, sep, value = part.partition("_")
        if part.startswith(("$", "if_")):
            raise _unsupported(f"variables and conditions ({part})")
        if not sep or not value or key not in KNOWN_KEYS:
            raise _invalid(part)
        components.append((key, value))
    return tuple(components)


@dataclass(frozen=True)
class _Plan:
    format: str
    width: int
    height: int


def _side(value: str, source: int) -> int:
    try:
        number = float(value)
    except ValueError:
        raise _unsupported(f"the size expression {value!r}") from None
    if "." in value and number <= 1:
        number *= source
    if number <= 0:
        raise ApiError(400, f"Invalid size {value}")
    return max(1, round(number))


def _resize(size: tuple[int, int], step: dict[str, str]) -> tuple[int, int]:
    width, height = size
    crop = step.get("c", "scale")
    if crop not in _CROPS:
        raise _invalid(f"c_{crop}")
    w = _side(step["w"], width) if "w" in step else None
    h = _side(step["h"], height) if "h" in step else None
    if w is None and h is None:
        return size
    if crop in {"fit", "limit", "mfit"}:
        ratio = min(w / width if w else math.inf, h / height if h else math.inf)
        if (crop == "limit" and ratio >= 1) or (crop == "mfit" and ratio <= 1):
            return size
        return max(1, round(width * ratio)), max(1, round(height * ratio))
    if crop == "crop":
        return w or width, h or height
    if w is not None and h is not None:
        return w, h
    if w is not None:
        return w, max(1, round(height * w / width))
    assert h is not None
    return max(1, round(width * h / height)), h


def _plan(transformation: Transformation, asset: Asset) -> _Plan:
    if asset.resource_type == "raw" or asset.format is None:
        raise _unsupported("transformations of raw assets")
    assert asset.width is not None
    assert asset.height is not None
    size = (asset.width, asset.height)
    fetch_format: str | None = None
    for step in transformation.steps:
        components = dict(step)
        for key in components:
            if key not in _NO_EFFECT | {"f", "w", "h", "c"}:
                raise _unsupported(f"the component {key}_{components[key]}")
        size = _resize(size, components)
        if "f" in components:
            fetch_format = components["f"]
    chosen = fetch_format or transformation.extension or asset.format
    chosen = _FORMAT_ALIASES.get(chosen, chosen)
    if chosen == "auto":
        chosen = asset.format
    return _Plan(chosen, *size)


def derive(transformation: Transformation, asset: Asset, path: Path, *, eager: bool) -> Derived:
    """Makes the derivative in ``path``; raises ``ApiError`` when it cannot."""
    plan = _plan(transformation, asset)
    unchanged = (plan.width, plan.height) == (asset.width, asset.height)
    if plan.format == asset.format and unchanged:
        shutil.copyfile(asset.path, path)
        size = path.stat().st_size
    elif plan.format in ENCODERS:
        size = ENCODERS[plan.format](path, plan.width, plan.height)
    else:
        raise _unsupported(f"making {plan.format} from {asset.format} at another size")
    extension = transformation.extension
    return Derived(
        transformation=transformation.path,
        extension=asset.format or "" if extension is None else extension,
        format=plan.format,
        width=plan.width,
        height=plan.height,
        size=size,
        path=path,
        eager=eager,
    )
