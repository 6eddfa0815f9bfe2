"""Errors that carry a message a person can act on."""


class UserFacingError(Exception):
    """Raised with text fit to show in the UI as-is (what went wrong and what to do)."""


class ModelFileError(UserFacingError):
    """A model file is missing, unreadable, truncated, or of a kind we refuse to load."""


class Cancelled(Exception):
    """The job's cancel event was set. `partial` is text streamed so far (a stopped chat
    reply is kept, marked as stopped); files are never kept."""

    def __init__(self, partial: str = ""):
        super().__init__("Cancelled")
        self.partial = partial
