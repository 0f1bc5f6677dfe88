"""A target that 'succeeds' but loses rows: it drops every RECORD of one (stream, tenant) after
the first KEEP of them, then hands the rest to the real loader (callio-target-duckdb) and exits
with its code,
like z3-target-bigquery 0.7.2 does when a load job fails (exit 0, STATE printed)."""

import json
import subprocess
import sys
from pathlib import Path

stream, tenant, keep = sys.argv[1], sys.argv[2], int(sys.argv[3])
target = Path(sys.executable).parent / "callio-target-duckdb"
child = subprocess.Popen([str(target), *sys.argv[4:]], stdin=subprocess.PIPE)
seen = 0
for line in sys.stdin.buffer:
    message = json.loads(line)
    if message.get("type") == "RECORD" and message["stream"] == stream \
            and message["record"].get("tenant") == tenant:
        seen += 1
        if seen > keep:
            continue
    child.stdin.write(line)
child.stdin.close()
sys.exit(child.wait())
