"""target-duckdb 0.8.0 as the project ran it before duckdb-loader/, for the load guard's
LOAD_GUARD_TARGET_COMMAND: Meltano hands it the new loader's config, so the one setting the old
loader needed and the new one dropped (``primary_key_required: false``, for the guard's empty
key properties) is added back. Run with .venv-target-duckdb-0.8's Python."""

import json
import os
import sys
import tempfile
from pathlib import Path

args = sys.argv[1:]
where = args.index("--config") + 1
config = json.loads(Path(args[where]).read_text(encoding="utf-8"))
config["primary_key_required"] = False
# TMPDIR is the load guard's private folder of this load, removed when the load ends.
handle, path = tempfile.mkstemp(suffix=".json")
with os.fdopen(handle, "w", encoding="utf-8") as out:
    json.dump(config, out)
args[where] = path
target = Path(sys.executable).with_name("target-duckdb")
os.execv(str(target), [str(target), *args])
