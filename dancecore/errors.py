"""User-facing errors: each carries a one-line message naming the problem and what to do."""
from __future__ import annotations


class DancecoreError(Exception):
    """An error caused by input or configuration, reported as one line with exit status 2."""

    exit_code = 2


class AudioError(DancecoreError):
    """Audio that cannot be used: unreadable, empty, silent, too long to decode in time, not audio."""


class ModelError(DancecoreError):
    """A model file that is missing, unreadable or of an unknown format."""


class ConfigError(DancecoreError):
    """A configuration file or option with a wrong key, type or value."""
