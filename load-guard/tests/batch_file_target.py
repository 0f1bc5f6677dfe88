"""A target that writes its records to a batch file in the temp folder (as a loader does),
then fails with the given exit code without removing it, like a load that failed mid-flush."""

import sys
import tempfile

code = int(sys.argv[1])
with tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False) as batch:
    for line in sys.stdin.buffer:
        batch.write(line)
print(f"batch_file_target: left {batch.name}", file=sys.stderr, flush=True)
sys.exit(code)
