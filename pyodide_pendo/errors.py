"""Errors raised into the caller's code. Only bad input raises at a call site; page faults never do."""


class PendoLoadError(Exception):
    """The Pendo agent never became ready: its script failed, was blocked, or timed out.

    Raised only by ``await ready()`` (and passed to a ``ready`` callback); event calls never raise it.
    """

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url
