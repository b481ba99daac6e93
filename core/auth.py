"""Bearer-token authentication for the registrar (until real accounts exist)."""
from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Header

from core.exceptions import Forbidden, Unauthorized
from core.settings import get_settings


def _token_from_header(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def is_registrar(authorization: str | None) -> bool:
    expected = get_settings().registrar_token
    token = _token_from_header(authorization)
    return bool(expected and token and secrets.compare_digest(token.encode(), expected.encode()))


def require_registrar(authorization: Annotated[str | None, Header()] = None) -> str:
    """401 without credentials, 403 with wrong ones. Returns the actor name for the audit log."""
    expected = get_settings().registrar_token
    token = _token_from_header(authorization)
    if token is None:
        raise Unauthorized("this call needs 'Authorization: Bearer <registrar token>'")
    if not expected:
        raise Forbidden("no registrar token is configured on this server (TREATYDB_REGISTRAR_TOKEN)")
    if not secrets.compare_digest(token.encode(), expected.encode()):
        raise Forbidden("the registrar token is not valid")
    return "registrar"


def optional_registrar(authorization: Annotated[str | None, Header()] = None) -> bool:
    """True for a valid registrar token, False for none; a wrong token is refused (403)."""
    if authorization is None:
        return False
    require_registrar(authorization)
    return True


Registrar = Annotated[str, Depends(require_registrar)]
MaybeRegistrar = Annotated[bool, Depends(optional_registrar)]
