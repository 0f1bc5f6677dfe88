"""A target that reads everything, prints a STATE, then fails with the given exit code."""

import json
import sys

code = int(sys.argv[1])
for line in sys.stdin.buffer:
    message = json.loads(line)
    if message.get("type") == "STATE":
        print(json.dumps(message["value"]), flush=True)
print("failing_target: simulated load failure", file=sys.stderr)
sys.exit(code)
