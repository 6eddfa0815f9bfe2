"""Errors that carry a message a person can act on."""


class UserFacingError(Exception):
    """Raised with text fit to show in the UI as-is (what went wrong and what to do)."""


class ModelFileError(UserFacingError):
    """A model file is missing, unreadable, truncated, or of a kind we refuse to load."""


class Cancelled(Exception):
    """The job's cancel event was set. `partial` is text streamed so far (a stopped chat
    reply is kept, marked as stopped); files are never kept half-written. `kept` is the
    runner's outcome of the items finished and stored before the stop (the first images of
    a stopped batch), or None."""

    def __init__(self, partial: str = "", kept: object = None):
        super().__init__("Cancelled")
        self.partial = partial
        self.kept = kept

    @property
    def outcome(self):
        """What the job's `cancelled` signal carries: the kept items' outcome, else the text."""
        return self.kept if self.kept is not None else self.partial
