"""Lines of ``.env`` that python-dotenv cannot read.

Meltano and the orchestrator both read ``.env`` with python-dotenv, which skips a line it cannot
parse with a warning nobody sees (an unescaped JSON value, a stray quote): the variable is then
silently unset. The preflight reports each such line, naming the variable, instead.
"""

from __future__ import annotations

import re
from pathlib import Path

from dotenv.parser import parse_stream

NAME = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)")


def problems(path: Path) -> list[str]:
    if not path.is_file():
        return []
    found = []
    with path.open(encoding="utf-8-sig") as stream:
        for binding in parse_stream(stream):
            if not binding.error:
                continue
            text = binding.original.string
            line = binding.original.line
            name = NAME.match(text)
            variable = name[1] if name else "a variable"
            found.append(f"{path} line {line} ({variable}) cannot be read by python-dotenv, so {variable} would be "
                         "unset: put the whole value in single quotes, e.g. "
                         f"{variable}='[{{\"tenant\": \"PK\", ...}}]'")
    return found
