"""A small asyncio HTTP/1.1 client: one keep-alive connection per simulated person, a cookie jar.

Standard library only (no aiohttp, requests or locust on this machine). It speaks just what the
benchmark needs: Content-Length or chunked bodies, keep-alive, `Set-Cookie` name=value pairs.
A single event loop drives every simulated person, which costs far less CPU than 500 threads on a
machine whose two cores are shared with the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

CSRF_INPUT = re.compile(rb'name="csrf_token" value="([^"]+)"')
REQUEST_TIMEOUT_S = 30.0


class StaleConnection(Exception):
    """The server had closed the idle keep-alive connection before we sent anything on it."""


@dataclass
class Reply:
    """One HTTP answer, with the time it took from sending the request to the last body byte."""

    status: int
    headers: dict[str, str]
    cookies: list[str]
    body: bytes
    seconds: float

    def json(self) -> Any:
        """The body decoded as JSON."""
        return json.loads(self.body)


@dataclass
class Connection:
    """A keep-alive connection to host:port with its own cookie jar, used by one person at a time."""

    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    reconnects: int = 0
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def close(self) -> None:
        """Close the socket (the next request opens a new one)."""
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        timeout: float = REQUEST_TIMEOUT_S,
    ) -> Reply:
        """Send one request, read its answer; reopen once a keep-alive connection the server closed."""
        async with self._lock:  # one request at a time on a connection (HTTP/1.1, no pipelining)
            for attempt in (1, 2):
                reused = self._writer is not None
                try:
                    return await asyncio.wait_for(self._exchange(method, path, headers or {}, body), timeout)
                except StaleConnection:
                    await self.close()
                    if attempt == 2 or not reused:
                        raise
                    self.reconnects += 1
                except BaseException:
                    await self.close()
                    raise
            raise AssertionError("unreachable")

    async def _exchange(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._reader, self._writer
        assert reader is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        started = time.perf_counter()
        try:
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            await writer.drain()
            status_line = await reader.readline()
        except (ConnectionResetError, BrokenPipeError) as error:
            raise StaleConnection() from error
        if not status_line:
            raise StaleConnection()
        status = int(status_line.split(b" ", 2)[1])
        answer_headers: dict[str, str] = {}
        cookies: list[str] = []
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookies.append(value)
            answer_headers[name] = value
        payload = await self._body(reader, status, method, answer_headers)
        seconds = time.perf_counter() - started
        for cookie in cookies:
            self._keep_cookie(cookie)
        if answer_headers.get("connection", "").lower() == "close":
            await self.close()
        return Reply(status, answer_headers, cookies, payload, seconds)

    @staticmethod
    async def _body(reader: asyncio.StreamReader, status: int, method: str, headers: dict[str, str]) -> bytes:
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            return b""
        if "content-length" in headers:
            return await reader.readexactly(int(headers["content-length"]))
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int((await reader.readline()).split(b";", 1)[0].strip(), 16)
                if size == 0:
                    await reader.readline()
                    return b"".join(chunks)
                chunks.append(await reader.readexactly(size))
                await reader.readline()
        return await reader.read()

    def _keep_cookie(self, header: str) -> None:
        pair = header.split(";", 1)[0]
        name, _, value = pair.partition("=")
        expired = "expires=thu, 01 jan 1970" in header.lower() or "max-age=0" in header.lower()
        if not value or expired:
            self.cookies.pop(name.strip(), None)
        else:
            self.cookies[name.strip()] = value.strip()

    async def csrf(self, path: str = "/accessibilite") -> str:
        """The CSRF token of this session, read from a page's hidden input."""
        reply = await self.request("GET", path)
        match = CSRF_INPUT.search(reply.body)
        if reply.status != 200 or match is None:
            raise RuntimeError(f"no CSRF token on {path} (HTTP {reply.status})")
        return match.group(1).decode()

    async def sign_in(self, email: str, password: str) -> str:
        """Sign in through the form; the CSRF token of the signed-in session (for the JSON API)."""
        from urllib.parse import urlencode

        token = await self.csrf("/connexion")
        form = urlencode({"csrf_token": token, "email": email, "password": password}).encode()
        reply = await self.request(
            "POST",
            "/connexion",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            body=form,
        )
        if reply.status not in (302, 303):
            raise RuntimeError(f"sign-in of {email} refused (HTTP {reply.status})")
        return await self.csrf("/accessibilite")
