"""The channel between lambdoctor and a worker: JSON messages, each behind a 4-byte length, over a socket pair.

Data only, never pickle: the handler runs in the worker and can write to this socket itself (it is a file descriptor
of its process), so whatever arrives is untrusted input. A pickle would run the handler's code inside lambdoctor;
JSON can at worst be a message that does not fit, which the parent treats as the runtime failing. A message is
limited to ``MAX_MESSAGE`` bytes: a synchronous response may be 6 MB, which JSON-escaping can at most double, plus
what ``probe`` observes.
"""

from __future__ import annotations

import json
import select
import socket
import struct
import time
from typing import Any

MAX_MESSAGE = 16 * 1024 * 1024
_HEADER = struct.Struct(">I")


class ChannelError(Exception):
    """The other side sent something that is not a message of this protocol, or one over the limit."""


class Channel:
    def __init__(self, sock: socket.socket, limit: int = MAX_MESSAGE) -> None:
        self.sock = sock
        self.limit = limit
        self._buffer = bytearray()
        self._eof = False

    @classmethod
    def from_fd(cls, fd: int) -> Channel:
        return cls(socket.socket(fileno=fd))

    def send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message, ensure_ascii=False, allow_nan=False).encode("utf-8")
        if len(data) > self.limit:
            raise ChannelError(f"a message of {len(data)} bytes is over the {self.limit} byte limit")
        self.sock.sendall(_HEADER.pack(len(data)) + data)

    def _complete(self) -> dict[str, Any] | None:
        if len(self._buffer) < _HEADER.size:
            return None
        (size,) = _HEADER.unpack_from(self._buffer)
        if size > self.limit:
            raise ChannelError(f"a message of {size} bytes announced, over the {self.limit} byte limit")
        if len(self._buffer) < _HEADER.size + size:
            return None
        data = bytes(self._buffer[_HEADER.size:_HEADER.size + size])
        del self._buffer[:_HEADER.size + size]
        try:
            message = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ChannelError(f"a message that is not JSON ({exc})") from None
        if not isinstance(message, dict):
            raise ChannelError("a message that is not a JSON object")
        return message

    def poll(self, timeout: float) -> bool:
        """Whether a whole message (or the end of the stream) can be had now, waiting up to ``timeout`` s."""
        if self._whole() or self._eof:
            return True
        wait = max(0.0, timeout)
        while select.select([self.sock], [], [], wait)[0]:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                self._eof = True
                return True
            self._buffer += chunk
            if self._whole():
                return True
            wait = 0.0  # take what is there already, without waiting again
        return False

    def spin(self, seconds: float) -> None:
        """Wait up to ``seconds`` for data without sleeping (select with no timeout, again and again). A process
        that sleeps in select is woken by the other side's send, and on a virtual machine a wake-up across CPUs
        costs more than a whole warm invocation; a short spin before the real wait, on each side, makes
        back-to-back invocations twice as fast (bench/run_invoke_bench.py). Only worth it with two CPUs or more."""
        if self._whole() or self._eof:
            return
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            if select.select([self.sock], [], [], 0)[0]:
                return

    def _whole(self) -> bool:
        if len(self._buffer) < _HEADER.size:
            return False
        size: int = _HEADER.unpack_from(self._buffer)[0]
        return size > self.limit or len(self._buffer) >= _HEADER.size + size

    def recv(self) -> dict[str, Any]:
        """The next message; blocks until it is whole. EOFError at the end of the stream."""
        while True:
            message = self._complete()
            if message is not None:
                return message
            if self._eof:
                raise EOFError
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                self._eof = True
                raise EOFError
            self._buffer += chunk

    def close(self) -> None:
        self.sock.close()
