"""The two ways a load is refused: a setting, or what the stream sent. Each is one line."""

from __future__ import annotations


class ConfigError(Exception):
    """A setting is missing or unusable; the message names the setting, never its value."""


class LoadError(Exception):
    """A stream cannot be landed as sent (a schema the table cannot take, a value that is not of
    its schema's type); the message names the stream and the column."""
