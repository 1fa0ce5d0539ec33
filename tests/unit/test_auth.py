import time

import jwt
import pytest
from pydantic import SecretStr

from fakturaportal.auth import AuthError, issue_dev_token, verify
from fakturaportal.settings import CommonSettings


@pytest.fixture
def settings():
    return CommonSettings(jwt_secret=SecretStr("s" * 40), jwt_jwks_url=None)


def test_dev_token_round_trip(settings):
    token = issue_dev_token(settings, tenant="demo", user="anne", roles=["accountant"])
    principal = verify(token, settings)
    assert (principal.tenant, principal.user, principal.roles) == (
        "demo",
        "anne",
        frozenset({"accountant"}),
    )


@pytest.mark.parametrize(
    "claim, value, error",
    [
        ("aud", "someone-else", "audience"),
        ("iss", "https://evil.example", "issuer"),
        ("exp", int(time.time()) - 60, "expired"),
    ],
)
def test_wrong_audience_issuer_or_expiry_is_refused(settings, claim, value, error):
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": "anne",
        "tenant": "demo",
        "roles": [],
        "exp": int(time.time()) + 60,
    }
    claims[claim] = value
    token = jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")
    with pytest.raises(AuthError, match=f"(?i){error}"):
        verify(token, settings)


def test_token_signed_with_another_key_is_refused(settings):
    token = issue_dev_token(
        CommonSettings(jwt_secret=SecretStr("x" * 40)), tenant="demo", user="a", roles=[]
    )
    with pytest.raises(AuthError, match="(?i)signature"):
        verify(token, settings)


def test_unknown_role_is_refused_when_issuing(settings):
    with pytest.raises(AuthError, match="unknown role"):
        issue_dev_token(settings, tenant="demo", user="a", roles=["root"])
