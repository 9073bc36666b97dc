"""Domain errors, each carrying a French message meant for the person using the box."""


class DomainError(Exception):
    """Base of every error a service raises on purpose; `message` is shown to the user as is."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    pass


class Forbidden(DomainError):
    pass


class InvalidInput(DomainError):
    pass


class Conflict(DomainError):
    pass
