"""A failure to verify holds the bookmark and never echoes config secrets, even when the
library error quotes them."""

import io
import sys

from callio_load_guard.guard import EXIT_UNVERIFIABLE, redact, run_guard, secret_values

CONFIG = {"filepath": "/x.duckdb", "token": "tok-abcdef", "nested": {"client_secret": "cs-12345"},
          "credentials_json": "{\"private_key\": \"-----BEGIN\"}", "dataset": "raw"}


def test_secret_values_are_found_by_key_name():
    assert sorted(secret_values(CONFIG)) == sorted(
        ["tok-abcdef", "cs-12345", "{\"private_key\": \"-----BEGIN\"}"])
    assert redact("open md:x?token=tok-abcdef failed", secret_values(CONFIG)) == \
        "open md:x?token=*** failed"


class ExplodingCounter:
    def table_label(self, stream):
        return stream

    def count_landed(self, stream, has_tenant, load_id):
        raise RuntimeError("IO Error: cannot open md:warehouse?token=tok-abcdef")


def test_unverifiable_load_forwards_nothing_and_redacts():
    messages = (b'{"type":"SCHEMA","stream":"s","schema":{"properties":{}},"key_properties":[]}\n'
                b'{"type":"RECORD","stream":"s","record":{"a":1}}\n'
                b'{"type":"STATE","value":{"b":1}}\n')
    # A "target" that acknowledges the state and succeeds.
    target = [sys.executable, "-c",
              "import sys\nfor l in sys.stdin:\n    pass\nprint('{\"b\": 1}')"]
    stdout, stderr = io.BytesIO(), io.BytesIO()
    code = run_guard(target, ExplodingCounter, secrets=secret_values(CONFIG),
                     stdin=io.BytesIO(messages), stdout=stdout, stderr=stderr)
    assert code == EXIT_UNVERIFIABLE
    assert stdout.getvalue() == b""
    text = stderr.getvalue().decode()
    assert "could not verify" in text and "token=***" in text
    assert "tok-abcdef" not in text
