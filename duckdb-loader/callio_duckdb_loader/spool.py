"""Each stream's RECORD lines, written as they came to a file of the batch being gathered.

The loader never decodes a record: the line (the whole RECORD message) goes to disk, and
DuckDB's reader takes the record and its time_extracted out of it. Memory stays flat whatever
the batch size."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

BUFFER_BYTES = 1 << 20


class Spool:
    """A private folder (in TMPDIR: the load guard points it at a folder of its own) holding one
    file per stream and batch until that batch committed."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="callio-target-duckdb-"))
        self._files: dict[str, tuple[Path, BinaryIO]] = {}
        self._serial = 0

    def writer(self, stream: str) -> BinaryIO:
        """The file of ``stream`` in the batch being gathered; each line written to it must end
        with a newline."""
        entry = self._files.get(stream)
        if entry is None:
            self._serial += 1
            path = self.folder / f"{self._serial:06d}.ndjson"
            entry = self._files[stream] = (path, path.open("wb", buffering=BUFFER_BYTES))
        return entry[1]

    def cut(self) -> dict[str, Path]:
        """Close the batch's files and hand them over (stream -> file); the next writes start
        new files."""
        files = {}
        for stream, (path, handle) in self._files.items():
            handle.close()
            files[stream] = path
        self._files = {}
        return files

    def remove(self) -> None:
        for _, handle in self._files.values():
            handle.close()
        shutil.rmtree(self.folder, ignore_errors=True)
