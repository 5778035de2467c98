"""Single sign-on with a real identity provider's tokens: RS256 from a key set served over
HTTP, the role read from a configured claim and mapped, the employee found by subject or
email, audience and issuer required, and people who left or were erased refused."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import Any
from uuid import uuid4

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from app.bootstrap import Services, build_services
from app.main import create_app
from app.settings import Settings, SettingsError
from tests.domain_support import HR, Organisation
from tests.test_authentication import identity_provider

ISSUER = "https://idp.example.com/realms/acme"
PRIVATE = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk() -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(PRIVATE.public_key()))
    jwk.update(kid="acme-1", use="sig", alg="RS256")
    return jwk


def provider_token(**claims: Any) -> str:
    body = {"sub": str(uuid4()), "aud": "skillpath", "iss": ISSUER,
            "exp": int(time.time()) + 600, **claims}  # fmt: skip
    return jwt.encode(body, PRIVATE, algorithm="RS256", headers={"kid": "acme-1"})


@pytest.fixture
def sso(memory_settings: Settings) -> Iterator[tuple[Services, Organisation]]:
    with identity_provider(public_jwk()) as url:
        settings = replace(
            memory_settings, jwks_url=url, jwt_audience="skillpath", jwt_issuer=ISSUER,
            jwt_role_claim="realm_access.roles",
            jwt_role_map="acme-staff=employee,acme-people-team=hr",
            jwt_employee_claim="email",
        )  # fmt: skip
        services = build_services(settings)
        try:
            yield services, Organisation(services.app, tag="-sso")
        finally:
            services.close()


async def whoami(services: Services, token: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_app(services.settings, services))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        return await http.post(
            "/graphql", json={"query": "{ myData }"}, headers={"Authorization": f"Bearer {token}"}
        )


def roles(*values: str) -> dict[str, Any]:
    return {"realm_access": {"roles": list(values)}}


async def test_the_role_comes_from_the_mapped_claim_and_the_employee_from_their_email(
    sso: tuple[Services, Organisation],
) -> None:
    services, org = sso
    token = provider_token(email=f"ada{org.tag}@example.com", **roles("offline", "acme-staff"))
    response = await whoami(services, token)
    assert response.status_code == 200, response.text
    assert str(org.employee_id) in json.dumps(response.json())


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        (roles("acme-staff"), "no 'email' claim"),
        ({"email": "stranger@example.com", **roles("acme-staff")}, "no employee's"),
        ({"email": "x@example.com", **roles("guest")}, "maps to no Skillpath role"),
        ({"email": "x@example.com"}, "no 'realm_access.roles' claim"),
        ({"aud": "another-app", **roles("acme-staff")}, "another audience"),
        ({"iss": "https://evil.example.com", **roles("acme-staff")}, "another issuer"),
    ],
)
async def test_tokens_that_name_no_one_or_no_role_or_are_for_others_are_refused(
    sso: tuple[Services, Organisation], claims: dict[str, Any], reason: str
) -> None:
    services, _ = sso
    response = await whoami(services, provider_token(**claims))
    assert response.status_code == 401
    assert reason in response.json()["errors"][0]["message"]


async def test_someone_who_left_or_was_erased_is_refused_though_the_provider_signs_for_them(
    sso: tuple[Services, Organisation],
) -> None:
    services, org = sso
    services.app.offboard_employee(org.employee_id, left_on=date(2024, 6, 30), actor=HR)
    services.app.request_erasure(org.manager_id, actor=HR)
    services.runner.catch_up()
    left = await whoami(services, provider_token(email=f"ada{org.tag}@example.com",
                                                 **roles("acme-staff")))  # fmt: skip
    erased = await whoami(services, provider_token(email=f"grace{org.tag}@example.com",
                                                   **roles("acme-staff")))  # fmt: skip
    assert left.status_code == erased.status_code == 401
    assert "has left" in left.json()["errors"][0]["message"]
    assert "erased" in erased.json()["errors"][0]["message"]


def test_a_key_set_without_audience_and_issuer_stops_start_up() -> None:
    with pytest.raises(SettingsError, match="SKILLPATH_JWT_AUDIENCE and SKILLPATH_JWT_ISSUER"):
        Settings.from_env({"SKILLPATH_JWKS_URL": "https://idp.example.com/jwks.json",
                           "SKILLPATH_JWT_AUDIENCE": "skillpath"})  # fmt: skip
    with pytest.raises(SettingsError, match="not one of"):
        Settings.from_env({"SKILLPATH_JWT_ROLE_MAP": "staff=superuser"})
    with pytest.raises(SettingsError, match="sub or email"):
        Settings.from_env({"SKILLPATH_JWT_EMPLOYEE_CLAIM": "upn"})
