"""A first page that loads fast: scripts and styles compressed for the browsers that take it (never for a
client that does not), fingerprinted files cached for a year, per-user answers never stored, and the
Content-Security-Policy unchanged by compression."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable

import brotli  # type: ignore[import-untyped]
import pytest
from flask.testing import FlaskClient

from dashboard.response_headers import script_hashes
from tests.dashboard.dash_requests import shell_callback_body

Headers = Callable[..., dict[str, str]]
LONG_LIVED = "public, max-age=31536000, immutable"
SCRIPT_OR_STYLE = re.compile(r'<(?:script src|link rel="stylesheet" href)="([^"]+)"')
CHROME_ACCEPTS = "gzip, deflate, br, zstd"
# A library's bundle written as a data block (dashboard/lazy_components.py): the page names it, loads it later.
LAZY_BUNDLE = re.compile(r'<script src="([^"]+)"[^>]*type="text/x-dash-lazy-bundle"')


def _decoded(body: bytes, encoding: str | None) -> bytes:
    if encoding == "br":
        return bytes(brotli.decompress(body))
    if encoding == "gzip":
        return gzip.decompress(body)
    assert encoding is None, encoding
    return body


def _page_files(client: FlaskClient, headers: dict[str, str]) -> list[str]:
    """The scripts and style sheets Home's HTML names."""
    files = SCRIPT_OR_STYLE.findall(client.get("/", headers=headers).get_data(as_text=True))
    assert any("_dash-component-suites" in f for f in files)
    assert any(f.endswith(".css") or ".css?" in f for f in files)
    return files


@pytest.mark.parametrize(("accepts", "encoding"), [(CHROME_ACCEPTS, "br"), ("gzip", "gzip"), ("", None)])
def test_every_script_and_style_of_the_page_is_compressed_as_the_client_accepts(
    client: FlaskClient, headers_for: Headers, accepts: str, encoding: str | None
) -> None:
    headers = headers_for()
    for url in _page_files(client, headers):
        plain = client.get(url, headers=headers | {"Accept-Encoding": "identity"})
        response = client.get(url, headers=headers | {"Accept-Encoding": accepts})
        assert response.status_code == 200, url
        assert response.headers.get("Content-Encoding") == encoding, url
        assert "Accept-Encoding" in response.headers["Vary"], url
        assert int(response.headers["Content-Length"]) == len(response.data), url
        assert _decoded(response.data, encoding) == plain.data, url
        if encoding and len(plain.data) > 10_000:
            assert len(response.data) < len(plain.data) / 2, url  # minified scripts still shrink 3-30x


def test_dash_and_bootstrap_scripts_weigh_under_500_kib_compressed(client: FlaskClient, headers_for: Headers) -> None:
    headers = headers_for()
    lazy = set(LAZY_BUNDLE.findall(client.get("/", headers=headers).get_data(as_text=True)))
    assert any("dash_ag_grid" in u for u in lazy)  # named in the page, not loaded by it
    scripts = [u for u in _page_files(client, headers) if ".js" in u and u not in lazy]
    total = sum(len(client.get(u, headers=headers | {"Accept-Encoding": CHROME_ACCEPTS}).data) for u in scripts)
    assert total < 500 * 1024, total


def test_fingerprinted_files_are_cached_for_a_year_and_the_rest_revalidated(
    client: FlaskClient, headers_for: Headers
) -> None:
    headers = headers_for()
    for url in _page_files(client, headers):
        assert client.get(url, headers=headers).headers["Cache-Control"] == LONG_LIVED, url
    # The same files without the version in their URL may change: the browser asks again each time.
    for url in ("/_dash-component-suites/dash/dcc/dash_core_components.js", "/vendor/bootstrap/css/bootstrap.min.css"):
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        assert "max-age=31536000" not in response.headers.get("Cache-Control", ""), url


def test_a_compressed_file_answers_its_own_etag_with_304(client: FlaskClient, headers_for: Headers) -> None:
    headers = headers_for() | {"Accept-Encoding": "gzip"}
    first = client.get("/vendor/bootstrap/css/bootstrap.min.css", headers=headers)
    assert first.headers["Content-Encoding"] == "gzip"
    assert first.headers["ETag"].endswith(':gzip"')
    again = client.get(
        "/vendor/bootstrap/css/bootstrap.min.css", headers=headers | {"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert again.data == b""


def test_made_up_fingerprints_of_one_file_get_the_same_bytes(client: FlaskClient, headers_for: Headers) -> None:
    headers = headers_for() | {"Accept-Encoding": "br"}
    real = client.get("/_dash-component-suites/dash/deps/react@18.v4_4_1m1.3.1.min.js", headers=headers)
    other = client.get("/_dash-component-suites/dash/deps/react@18.v9_9_9m2.3.1.min.js", headers=headers)
    assert real.status_code == other.status_code == 200
    assert real.data == other.data
    assert real.headers["Content-Encoding"] == "br"


def test_the_compressed_page_keeps_its_policy_and_is_never_stored(client: FlaskClient, headers_for: Headers) -> None:
    headers = headers_for()
    plain = client.get("/", headers=headers | {"Accept-Encoding": "identity"})
    compressed = client.get("/", headers=headers | {"Accept-Encoding": "br"})
    assert compressed.headers["Content-Encoding"] == "br"
    assert compressed.headers["Cache-Control"] == plain.headers["Cache-Control"] == "no-store"
    assert compressed.headers["Content-Security-Policy"] == plain.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in compressed.headers["Content-Security-Policy"]
    # Each inline script of the page the browser decompresses is one the policy lets run.
    page = _decoded(compressed.data, "br").decode()
    assert page.startswith("<!DOCTYPE html>")
    assert script_hashes(page)
    policy = compressed.headers["Content-Security-Policy"].replace(";", " ").split()
    assert set(script_hashes(page)) <= set(policy)


def test_callback_answers_are_compressed_and_never_stored(client: FlaskClient, headers_for: Headers) -> None:
    headers = headers_for()
    body = shell_callback_body(client, headers)
    response = client.post("/_dash-update-component", json=body, headers=headers | {"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    # A short answer is not worth compressing; whichever it is, it reads back as JSON.
    assert b'"response"' in _decoded(response.data, response.headers.get("Content-Encoding"))


def test_the_rest_api_answers_go_out_as_before(client: FlaskClient, headers_for: Headers) -> None:
    headers = headers_for() | {"Accept-Encoding": CHROME_ACCEPTS}
    for url in ("/api/user/me", "/api/unity-catalog/export?catalog=samples&schema=nyctaxi&table=trips"):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        assert "Content-Encoding" not in response.headers, url
        assert response.headers["Cache-Control"] == "no-store", url
        assert b"," in response.data.splitlines()[0], url  # JSON or a CSV header, readable as it is
