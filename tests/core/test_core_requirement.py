"""The plugin version check reads plain specifiers itself and agrees with ``packaging``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from packaging.requirements import InvalidRequirement, Requirement

from mediasync._core_requirement import core_incompatibility

LINES = [
    "mediasync-core>=0.1,<0.2",
    "mediasync-core<0.2,>=0.1",
    "MediaSync_Core >= 0.1 , < 1",
    "mediasync.core==0.1",
    "mediasync-core==0.1.0.0",
    "mediasync-core!=0.1.0",
    "mediasync-core>0.1",
    "mediasync-core>0.0.9",
    "mediasync-core<=0.1",
    "mediasync-core<0.1",
    "mediasync-core>=99",
    "mediasync-core",
    "mediasync-core~=0.1",
    "mediasync-core==0.1.*",
    "mediasync-core>=0.1a1",
    "mediasync-core[postgres]>=0.1",
    "mediasync-core (>=99)",
    "mediasync-core>=99; extra == 'dev'",
    "mediasync-core>=99; python_version < '3'",
    "mediasync-core>=0.1; python_version >= '3'",
    "mediasync-core>>99",
    "attrs>=99",
    "mediasync-core-extra>=99",
]


def by_packaging(line: str, core: str) -> bool:
    try:
        requirement = Requirement(line)
    except InvalidRequirement:
        return True
    if requirement.name.replace("_", "-").replace(".", "-").lower() != "mediasync-core":
        return True
    if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
        return True
    return requirement.specifier.contains(core, prereleases=True)


@pytest.mark.parametrize("core", ["0.1.0", "0.1", "0.2.0", "1.0.0", "0.1.0rc1"])
@pytest.mark.parametrize("line", LINES)
def test_the_cheap_check_decides_as_packaging_does(line: str, core: str) -> None:
    assert (core_incompatibility([line], core) is None) == by_packaging(line, core)


PROBE = """
import json, sys
from mediasync._core_requirement import core_incompatibility
problem = core_incompatibility(["attrs>=1", "mediasync-core<0.2,>=0.1.5"], "0.1.0")
print(json.dumps([problem, sorted(n for n in sys.modules if n.split(".")[0] == "packaging")]))
"""


def test_a_plain_specifier_never_imports_packaging_and_names_what_is_needed() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    problem, imported = json.loads(result.stdout)
    assert problem == "needs mediasync-core<0.2,>=0.1.5, installed is 0.1.0"
    assert imported == []
