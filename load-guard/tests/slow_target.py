"""A target that echoes each STATE at once and then waits for more input; on SIGTERM it says so
on stderr and exits 143, like a target killed mid-run."""

import json
import signal
import sys


def on_term(signum, _frame):
    print("slow_target: got SIGTERM", file=sys.stderr, flush=True)
    sys.exit(143)


signal.signal(signal.SIGTERM, on_term)
for line in sys.stdin:
    message = json.loads(line)
    if message.get("type") == "STATE":
        print(json.dumps(message["value"]), flush=True)
        print("slow_target: state acknowledged", file=sys.stderr, flush=True)
