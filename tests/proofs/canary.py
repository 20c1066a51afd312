"""``Audit``: runs ``mediasync`` commands and proves that no secret shows anywhere afterwards.

Every secret a test hands mediasync is a canary. After the commands ran, the audit looks for each
canary in every command's stdout and stderr (tracebacks of ``-v`` included), in every log record
a ``mediasync`` logger wrote (at any level) and in every record of another library loud enough to
reach the terminal (warnings and above), and in every byte of every file under the test's
directory: the SQLite index and its journal, the config directory, the data directory, anything a
command may have written. Only the files the test itself wrote the secret into are left out.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs
import pytest
from click.testing import Result
from support import CliRun

__all__ = ["Audit", "fragments"]


def fragments(secret: str) -> list[str]:
    """The secret whole, and a stretch from its middle: a secret cut short or reflowed (a PEM
    block, a shortened token) still has one of these inside it."""
    middle = secret[len(secret) // 3 :][:24]
    return [secret, middle] if len(middle) >= 16 else [secret]


@attrs.define
class Audit:
    """The commands of one test, what they printed, and the checks against canaries."""

    run_cli: CliRun
    caplog: pytest.LogCaptureFixture
    tmp_path: Path
    inputs: set[Path] = attrs.field(factory=set)
    """Files the test wrote a secret into itself (a key file to connect with)."""
    outputs: list[tuple[str, str]] = attrs.field(factory=list)
    """(the command, by its first two words only: the rest may hold a secret; what it printed)"""

    def __call__(self, *args: str, input: str | None = None, **env: str) -> Result:
        """Runs ``mediasync ARGS`` and keeps what it printed."""
        result = self.run_cli(list(args), input, **env)
        words = " ".join(a for a in args if not a.startswith("-"))
        self.outputs.append((" ".join(words.split()[:2]), result.stdout + result.stderr))
        return result

    def ok(self, *args: str, input: str | None = None, **env: str) -> Result:
        result = self(*args, input=input, **env)
        assert result.exit_code == 0, f"mediasync {' '.join(args)}: {result.stderr}"
        return result

    def every_way(self, *args: str) -> None:
        """``ARGS`` as text, as JSON, and verbose, whatever each exits with."""
        self(*args)
        self(*args, "--json")
        self("-v", *args, "--json")

    def _places(self) -> Iterable[tuple[str, bytes]]:
        """(where, what it holds) for every output, log record and file the audit searches."""
        for n, (command, output) in enumerate(self.outputs):
            yield f"output of `{command}` (#{n})", output.encode("utf-8")
        for record in self.caplog.records:
            if record.name.startswith("mediasync") or record.levelno >= logging.WARNING:
                text = f"{record.getMessage()}\n{record.exc_text or ''}"
                yield f"log record of {record.name} ({record.levelname})", text.encode("utf-8")
        for path in sorted(self.tmp_path.rglob("*")):
            if path.is_file() and not path.is_symlink() and path not in self.inputs:
                yield f"file {path}", path.read_bytes()

    def assert_hidden(self, secrets: Sequence[str]) -> None:
        """No canary in any output, log record or file; says where when one is."""
        assert self.outputs, "the audit ran no command"
        canaries = [f.encode("utf-8") for secret in secrets for f in fragments(secret)]
        found = [where for where, data in self._places() if any(c in data for c in canaries)]
        assert not found, "a secret leaked:\n  " + "\n  ".join(dict.fromkeys(found))
