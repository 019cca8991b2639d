"""What the CLI prints where: results on stdout (JSON with `--json`), everything else on stderr.

Keeping stdout for the result alone is what lets `labels ... --json | jq` work while progress
bars and messages still reach a person watching the terminal.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.markup import escape


class Output:
    def __init__(
        self, *, json_mode: bool, stdout: Console | None = None, stderr: Console | None = None
    ) -> None:
        self.json_mode = json_mode
        self.stdout = stdout or Console(highlight=False, soft_wrap=True)
        self.stderr = stderr or Console(stderr=True, highlight=False, soft_wrap=True)

    @property
    def interactive(self) -> bool:
        """Whether live progress makes sense: a person at a terminal, not a `--json` consumer."""
        return not self.json_mode

    def info(self, message: str) -> None:
        """A note for a person; silent under `--json`, whose consumers read stdout only."""
        if not self.json_mode:
            self.stderr.print(escape(message))

    def warn(self, message: str) -> None:
        self.stderr.print(f"[yellow]{escape(message)}[/yellow]")

    def error(self, message: str) -> None:
        self.stderr.print(f"[bold red]error:[/bold red] {escape(message)}")

    def result(self, data: Any, lines: Iterable[str] = ()) -> None:
        """The command's answer: `data` as one JSON document with `--json`, else `lines`."""
        if self.json_mode:
            # Plain stdout rather than rich: no wrapping, colour or markup may touch the JSON.
            sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
            sys.stdout.flush()
            return
        for line in lines:
            self.stdout.print(escape(line))
