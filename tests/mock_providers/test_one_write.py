"""The mocks' HTTP protocol sends a response's head and body in one write, and still serves whole responses."""

from __future__ import annotations

import asyncio
import http.client
from typing import Any

from mock_providers.one_write import GatheringTransport, one_write_protocol
from mock_providers.testing import running_mocks


class RecordingTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> Any:
        return ("127.0.0.1", 1) if name == "peername" else None


def test_writes_of_one_loop_turn_leave_together() -> None:
    async def scenario() -> list[bytes]:
        inner = RecordingTransport()
        gathering = GatheringTransport(inner, asyncio.get_running_loop())  # type: ignore[arg-type]
        gathering.write(b"HTTP/1.1 200 OK\r\n\r\n")
        gathering.write(b"body")
        assert inner.writes == []  # nothing sent before the turn ends
        await asyncio.sleep(0)
        gathering.write(b"later")
        gathering.close()  # closing sends what is pending first
        assert gathering.get_extra_info("peername") == ("127.0.0.1", 1)
        return inner.writes

    assert asyncio.run(scenario()) == [b"HTTP/1.1 200 OK\r\n\r\nbody", b"later"]


def test_the_mocks_answer_whole_responses_on_a_keep_alive_connection() -> None:
    assert one_write_protocol() != "auto"  # httptools is a dependency (uvicorn[standard])
    with running_mocks(https_port=None, smtp_port=None) as mocks:
        connection = http.client.HTTPConnection(mocks.http_url.removeprefix("http://"), timeout=10)
        try:
            for _ in range(3):
                connection.request("GET", "/google/.well-known/openid-configuration")
                response = connection.getresponse()
                assert response.status == 200
                assert b'"issuer"' in response.read()
        finally:
            connection.close()
