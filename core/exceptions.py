"""Domain errors. The API maps them to HTTP status codes in one handler."""
from __future__ import annotations


class TreatyDBError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, article: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.article = article

    def to_dict(self) -> dict:
        d = {"error": type(self).__name__, "message": self.message}
        if self.field:
            d["field"] = self.field
        if self.article:
            d["article"] = self.article
        return d


class NotFound(TreatyDBError):
    status_code = 404


class ValidationFailed(TreatyDBError):
    status_code = 422


class RuleViolation(ValidationFailed):
    """A rule of the Law on Treaties 2016 or the Law on International Agreements 2020 is broken."""


class InvalidTransition(ValidationFailed):
    """An impossible lifecycle sequence (entry into force before signature, …)."""


class VersionConflict(TreatyDBError):
    status_code = 409


class Unauthorized(TreatyDBError):
    status_code = 401


class Forbidden(TreatyDBError):
    status_code = 403
