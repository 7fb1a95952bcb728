"""Errors the cloud client raises: each says what happened and what the user can do."""

from __future__ import annotations


class CloudError(Exception):
    """Base class: a message fit to show a doctor."""


class AuthorizationPending(CloudError):
    """The patient has not answered yet."""


class AuthorizationDenied(CloudError):
    """The patient refused (or the grant is invalid)."""


class AuthorizationExpired(CloudError):
    """The QR/SMS request timed out before the patient answered."""


class ReauthorizationRequired(CloudError):
    """The access token expired or was revoked: the patient must authorize again."""


class AccessDenied(CloudError):
    """HTTP 403: the study belongs to another patient or lies outside the authorization."""


class NotFound(CloudError):
    """The service or archive does not hold what was asked for."""


class IncompleteStudy(CloudError):
    """The archive does not hold what the index record promises."""


class InvalidInstance(CloudError):
    """A received object is truncated, unparsable or not the one asked for."""


class UntrustedHost(CloudError):
    """A URL points somewhere the index did not name: the token is not sent there."""


class TransferFailed(CloudError):
    """Retries were exhausted (connection drops, 5xx, 429)."""
