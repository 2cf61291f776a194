"""OidcVerifier against a real issuer on loopback: good tokens pass, every kind of bad one is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from calledit.auth.errors import AuthError
from calledit.auth.oidc import OidcVerifier
from calledit.domain.errors import CalledItError, ErrorCode
from tests.fixtures.auth import AUDIENCE, Issuer, oidc_issuer, tampered, unsigned


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    with oidc_issuer() as running:
        yield running


def refused(verifier: OidcVerifier, token: str) -> str:
    with pytest.raises(AuthError) as caught:
        verifier.verify(token)
    assert caught.value.code is ErrorCode.UNAUTHORIZED
    assert isinstance(caught.value, CalledItError)
    assert not token or token not in caught.value.message, "an error never repeats the token"
    return caught.value.message


def test_id_token_verifies_to_its_subject(issuer: Issuer) -> None:
    principal = issuer.verifier().verify(issuer.token(sub="alice-sub"))
    assert principal.user_id == "alice-sub"
    assert principal.claims["cognito:username"] == "someone"


def test_cognito_access_token_is_matched_on_client_id(issuer: Issuer) -> None:
    token = issuer.token(aud=None, token_use="access", client_id=AUDIENCE)
    assert issuer.verifier().verify(token).claims["client_id"] == AUDIENCE
    other = issuer.token(aud=None, token_use="access", client_id="someone-else")
    assert "another application" in refused(issuer.verifier(), other)


def test_es256_keys_work_too(issuer: Issuer) -> None:
    assert issuer.verifier().verify(issuer.token(kid="ec-1", alg="ES256", sub="ec")).user_id == "ec"


def test_default_jwks_url_is_cognitos_layout(issuer: Issuer) -> None:
    verifier = OidcVerifier(issuer.url + "/", AUDIENCE)
    assert verifier.jwks_url == f"{issuer.url}/.well-known/jwks.json"
    assert verifier.issuer == issuer.url


def test_no_audience_configured_accepts_any_client(issuer: Issuer) -> None:
    assert issuer.verifier(audience=None).verify(issuer.token(aud="whatever")).user_id


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"exp": int(time.time()) - 120}, "expired"),
        ({"iss": "https://evil.example.com"}, "another identity provider"),
        ({"aud": "another-client"}, "another application"),
        ({"exp": None}, "'exp'"),
        ({"sub": None}, "'sub'"),
        ({"nbf": int(time.time()) + 3600}, "not valid yet"),
        ({"token_use": "refresh"}, "cannot sign in"),
        ({"sub": ""}, "subject"),
    ],
)
def test_bad_claims_are_refused(issuer: Issuer, overrides: dict[str, object], words: str) -> None:
    assert words in refused(issuer.verifier(), issuer.token(**overrides))


def test_leeway_tolerates_small_clock_skew(issuer: Issuer) -> None:
    assert issuer.verifier().verify(issuer.token(exp=int(time.time()) - 5)).user_id


def test_tampered_payload_fails_the_signature(issuer: Issuer) -> None:
    token = tampered(issuer.token(sub="mallory"), sub="alice")
    assert "signature" in refused(issuer.verifier(), token)


def test_alg_none_is_refused(issuer: Issuer) -> None:
    assert "'none'" in refused(issuer.verifier(), unsigned(issuer.claims()))


def test_hs256_signed_with_the_public_key_is_refused(issuer: Issuer) -> None:
    """The classic algorithm confusion: the issuer's public key used as an HMAC secret."""
    public_pem = issuer.rsa_key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    part = lambda value: base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()  # noqa: E731
    signing_input = f"{part({'alg': 'HS256', 'kid': 'rsa-1', 'typ': 'JWT'})}.{part(issuer.claims())}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    assert "'HS256'" in refused(issuer.verifier(), token)


def test_alg_that_does_not_match_the_key_is_refused(issuer: Issuer) -> None:
    token = issuer.token(kid="rsa-1", alg="ES256")  # EC signature claiming the RSA key
    assert "does not match" in refused(issuer.verifier(), token)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "eyJhbGciOiJSUzI1NiJ9..", "\x00\x01"])
def test_garbage_is_refused(issuer: Issuer, garbage: str) -> None:
    refused(issuer.verifier(), garbage)


def test_missing_kid_is_refused(issuer: Issuer) -> None:
    token = jwt.encode(issuer.claims(), issuer.rsa_key, algorithm="RS256")
    assert "kid" in refused(issuer.verifier(), token)


def test_keys_are_cached_and_unknown_kid_refetches_once(issuer: Issuer) -> None:
    verifier = issuer.verifier(refetch_interval=0)
    before = issuer.fetches
    for _ in range(5):
        verifier.verify(issuer.token())
    assert issuer.fetches == before + 1, "one fetch serves many verifications"
    # Key rotation: a new kid appears in the JWKS; the verifier picks it up on first sight.
    issuer.published.append("rsa-2")
    try:
        rotated = jwt.encode(issuer.claims(sub="rotated"), issuer.rsa_key, algorithm="RS256",
                             headers={"kid": "rsa-2"})
        original = issuer.jwks

        def with_rotation() -> dict[str, object]:
            document = original()
            extra = {**document["keys"][0], "kid": "rsa-2"}
            return {"keys": [*document["keys"], extra]}

        issuer.jwks = with_rotation  # type: ignore[method-assign]
        assert verifier.verify(rotated).user_id == "rotated"
        assert issuer.fetches == before + 2
    finally:
        issuer.published.remove("rsa-2")
        del issuer.jwks


def test_unknown_kids_cannot_make_it_hammer_the_issuer(issuer: Issuer) -> None:
    verifier = issuer.verifier(refetch_interval=3600)
    verifier.verify(issuer.token())
    before = issuer.fetches
    for index in range(20):
        assert "does not publish" in refused(verifier, issuer.token(kid=f"junk-{index}"))
    assert issuer.fetches == before, "unknown kids within the refetch interval do not refetch"


def test_unreachable_issuer_is_an_auth_error_not_a_crash() -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503)

    verifier = OidcVerifier("https://issuer.invalid", "x", http=httpx.Client(transport=httpx.MockTransport(broken)))
    with pytest.raises(AuthError, match="could not be fetched"):
        verifier.verify(Issuer(url="https://issuer.invalid").token())


def test_jwks_that_is_not_a_jwks_is_an_auth_error() -> None:
    def html(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"hello": "world"})

    verifier = OidcVerifier("https://issuer.invalid", "x", http=httpx.Client(transport=httpx.MockTransport(html)))
    with pytest.raises(AuthError, match="could not be fetched"):
        verifier.verify(Issuer(url="https://issuer.invalid").token())


def test_symmetric_keys_in_the_jwks_are_ignored() -> None:
    secret_jwk = {"kty": "oct", "kid": "rsa-1", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}

    def oct_only(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"keys": [secret_jwk]})

    verifier = OidcVerifier("https://issuer.invalid", None, http=httpx.Client(transport=httpx.MockTransport(oct_only)))
    with pytest.raises(AuthError, match="does not publish"):
        verifier.verify(Issuer(url="https://issuer.invalid").token())


async def test_averify_fetches_off_the_event_loop(issuer: Issuer) -> None:
    verifier = issuer.verifier()
    assert (await verifier.averify(issuer.token(sub="async"))).user_id == "async"
    assert (await verifier.averify(issuer.token(sub="cached"))).user_id == "cached"
