"""The errors cleaner reports to users: each one is a single clear line."""


class CleanerError(Exception):
    """Base of the documented input and usage errors (CLI exit code 2)."""


class BinaryInputError(CleanerError):
    """The input is not text (NUL bytes, control characters, a known file signature)."""


class DecodeError(CleanerError):
    """The input's encoding cannot be decided or the bytes do not decode."""


class ConfigError(CleanerError):
    """A config or rule file is malformed."""


class InputTooLargeError(CleanerError):
    """The input exceeds the configured size limit."""
