"""Errors the guard reports before it starts the target."""


class ConfigError(Exception):
    """The target config does not let the guard do its job (the message never holds values)."""
