"""OidcVerifier against a real issuer on loopback: good tokens pass, every kind of bad one is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from calledit.auth.errors import AuthError
from calledit.auth.oidc import OidcVerifier
from calledit.domain.errors import CalledItError, ConfigurationError, ErrorCode
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


@pytest.fixture
def own_issuer() -> Iterator[Issuer]:
    """An issuer of this test's own, whose JWKS endpoint the test may break."""
    with oidc_issuer() as running:
        yield running


def test_an_issuer_answering_an_error_is_an_auth_error_not_a_crash(own_issuer: Issuer) -> None:
    own_issuer.status = 503
    assert "could not be fetched" in refused(own_issuer.verifier(), own_issuer.token())


def test_an_unreachable_issuer_is_an_auth_error_not_a_crash() -> None:
    verifier = OidcVerifier("http://127.0.0.1:9", "x", timeout=2)  # the discard port: nothing listens
    assert "could not be fetched" in refused(verifier, Issuer(url="http://127.0.0.1:9").token())


def test_jwks_that_is_not_a_jwks_is_an_auth_error(own_issuer: Issuer) -> None:
    own_issuer.served = {"hello": "world"}
    assert "could not be fetched" in refused(own_issuer.verifier(), own_issuer.token())


def test_symmetric_keys_in_the_jwks_are_ignored(own_issuer: Issuer) -> None:
    secret_jwk = {"kty": "oct", "kid": "rsa-1", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}
    own_issuer.served = {"keys": [secret_jwk]}
    assert "does not publish" in refused(own_issuer.verifier(audience=None), own_issuer.token())


def test_a_failed_refresh_keeps_the_keys_it_had_and_backs_off(own_issuer: Issuer) -> None:
    verifier = own_issuer.verifier(max_age=0.05, refetch_interval=3600)
    assert verifier.verify(own_issuer.token(sub="before")).user_id == "before"
    assert own_issuer.fetches == 1
    own_issuer.status = 503
    time.sleep(0.1)  # the set is stale: the next verification asks the issuer, which fails
    assert verifier.verify(own_issuer.token(sub="during")).user_id == "during"
    assert own_issuer.fetches == 2
    time.sleep(0.1)
    assert verifier.verify(own_issuer.token(sub="still")).user_id == "still"
    assert own_issuer.fetches == 2, "a failing issuer is not asked again within the refetch interval"


def test_with_no_keys_yet_a_failing_issuer_is_not_asked_again_at_once(own_issuer: Issuer) -> None:
    own_issuer.status = 503
    verifier = own_issuer.verifier(refetch_interval=3600)
    for _ in range(3):
        assert "could not be fetched" in refused(verifier, own_issuer.token())
    assert own_issuer.fetches == 1
    own_issuer.status = 200
    assert "could not be fetched" in refused(verifier, own_issuer.token()), "not before the interval is over"
    assert own_issuer.verifier().verify(own_issuer.token(sub="fresh")).user_id == "fresh"


def test_a_jwks_url_that_is_not_http_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="CALLEDIT_OIDC_JWKS_URL"):
        OidcVerifier("https://issuer.example.com", "x", "file:///etc/passwd")


async def test_averify_fetches_off_the_event_loop(issuer: Issuer) -> None:
    verifier = issuer.verifier()
    assert (await verifier.averify(issuer.token(sub="async"))).user_id == "async"
    assert (await verifier.averify(issuer.token(sub="cached"))).user_id == "cached"
