"""The SDK members the tap relies on that are not the SDK's public API, and the SDK hooks it
implements: an SDK upgrade that renames, re-signs or stops calling one of them fails here, by
name, instead of silently changing what the tap does (a bookmark moving per record, a 401 not
retried, ERROR lines in `--test`, ...). Each use in tap_callio/ carries a comment pointing here."""

from __future__ import annotations

import inspect

import pytest
from singer_sdk import Stream, Tap
from singer_sdk.plugin_base import PluginBase
from singer_sdk.streams import RESTStream

from tap_callio import client, logs, pagination, streams, tap

# (SDK class, member, parameters the tap's code passes or overrides with)
PRIVATE_MEMBERS = [
    (RESTStream, "_request", ["prepared_request", "context"]),  # client.py: re-login on 401
    (RESTStream, "_write_request_duration_log", ["endpoint", "response", "context", "extra_tags"]),  # client._send
    (Stream, "_increment_stream_state", ["latest_record", "context"]),  # streams.py: no per-record bookmark
    (Stream, "_write_state_message", []),  # streams.py: STATE once a slice is complete
    (Stream, "_write_activate_version_message", ["full_table_version"]),  # streams.py: deferred ACTIVATE_VERSION
    (PluginBase, "_validate_config", ["raise_errors"]),  # tap.py: one-line config errors
    (Tap, "_handle_termination", ["signum", "frame"]),  # tap.py: exit 128+signal
]


@pytest.mark.parametrize(("owner", "member", "parameters"), PRIVATE_MEMBERS, ids=[m for _, m, _ in PRIVATE_MEMBERS])
def test_private_sdk_method_still_exists_with_the_same_parameters(owner, member, parameters):
    function = getattr(owner, member, None)
    assert callable(function), f"{owner.__name__}.{member} is gone"
    names = [p for p in inspect.signature(function).parameters if p != "self"]
    assert names == parameters, f"{owner.__name__}.{member}{names}"


@pytest.mark.parametrize(
    ("caller", "call"),
    [
        (RESTStream.request_records, "self._request"),  # our _request is what the SDK sends with
        (Stream._sync_records, "self._increment_stream_state(record"),
        (Stream.sync, "self._write_activate_version_message(self._stream_version)"),
        (Stream.sync, logs.SDK_SYNC_ERROR_MESSAGE),  # the line logs.DryRunStopIsNotAnError rewrites
        (Stream.__init__, "self._tap = tap"),  # streams reach the tap (tenants, run log) through it
        (PluginBase.__init__, "self._config = config_dict"),  # tap._validate_config reads it
        (Stream._write_state_message, "self.state_manager.is_flushed"),  # streams._save_bookmark sets it
    ],
)
def test_the_sdk_still_calls_what_the_tap_relies_on(caller, call):
    assert call in inspect.getsource(caller), f"{caller.__qualname__} no longer contains {call!r}"


def _sdk_hooks_implemented():
    for module in (client, streams, pagination, tap):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            sdk_bases = [base for base in cls.__mro__[1:] if base.__module__.startswith("singer_sdk")]
            for name, value in vars(cls).items():
                function = getattr(value, "fget", None) or getattr(value, "__func__", None) or value
                if inspect.isclass(value) or not callable(function) or name.startswith("__"):
                    continue
                if any(name in vars(base) for base in sdk_bases):
                    yield f"{cls.__name__}.{name}", (value, function)


def test_every_sdk_hook_the_tap_implements_is_marked_override():
    hooks = dict(_sdk_hooks_implemented())
    assert len(hooks) > 20
    missing = sorted(
        name for name, forms in hooks.items() if not any(getattr(form, "__override__", False) for form in forms)
    )
    assert not missing, f"without @override: {missing}"
