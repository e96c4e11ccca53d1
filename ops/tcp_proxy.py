"""A TCP proxy in front of PostgreSQL that can "hang": it keeps every connection open and stops forwarding.

A stopped server refuses connections at once; a hung one (a frozen host, a network path that swallows
packets) accepts them and then says nothing. `hang()` does exactly that: connections stay open, new ones are
accepted and held, and not a byte goes either way; `resume()` forwards again (held connections are then
connected upstream). Used by tests/faults/test_db_hang.py and the soak's "database hangs" phase.

    with TcpProxy(("127.0.0.1", 5432)) as proxy:      # or TcpProxy("/path/to/.s.PGSQL.5432")
        url = f"postgres://postgres@127.0.0.1:{proxy.port}/name"
        proxy.hang(); ...; proxy.resume()
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading

CHUNK = 65536
POLL_SECONDS = 0.05


class TcpProxy:
    def __init__(self, upstream: tuple[str, int] | str, host: str = "127.0.0.1", port: int = 0):
        self.upstream = upstream  # (host, port), or the path of a Unix socket
        self._listener = socket.create_server((host, port))
        self.host, self.port = self._listener.getsockname()[:2]
        self._forwarding = threading.Event()
        self._forwarding.set()
        self._closed = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.connections = 0  # accepted so far
        self._thread = threading.Thread(target=self._accept, name="tcp-proxy", daemon=True)

    # ---------------------------------------------------------------------------- control

    def start(self) -> TcpProxy:
        self._thread.start()
        return self

    def hang(self) -> None:
        """Stop forwarding; keep every connection open and silent."""
        self._forwarding.clear()

    def resume(self) -> None:
        self._forwarding.set()

    @property
    def hung(self) -> bool:
        return not self._forwarding.is_set()

    def close(self) -> None:
        self._closed.set()
        self._forwarding.set()  # wake the held connections so that they notice
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # ---------------------------------------------------------------------------- forwarding

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _forget(self, *socks: socket.socket) -> None:
        for sock in socks:
            with self._lock:
                self._sockets.discard(sock)
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        self._listener.settimeout(POLL_SECONDS * 4)
        while not self._closed.is_set():
            try:
                client, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._track(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _connect_upstream(self) -> socket.socket:
        if isinstance(self.upstream, str):
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(self.upstream)
        else:
            upstream = socket.create_connection(self.upstream, timeout=10)
        upstream.settimeout(None)
        return upstream

    def _serve(self, client: socket.socket) -> None:
        # A connection accepted while hung is held, unanswered, until forwarding resumes.
        while not self._forwarding.wait(POLL_SECONDS):
            pass
        if self._closed.is_set():
            self._forget(client)
            return
        try:
            upstream = self._connect_upstream()
        except OSError:
            self._forget(client)
            return
        self._track(upstream)
        pair = {client: upstream, upstream: client}
        try:
            while not self._closed.is_set():
                if not self._forwarding.wait(POLL_SECONDS):
                    continue  # hung: read nothing, send nothing
                readable, _, _ = select.select(list(pair), [], [], POLL_SECONDS)
                for source in readable:
                    if self.hung:
                        break
                    data = source.recv(CHUNK)
                    if not data:
                        return
                    pair[source].sendall(data)
        except OSError:
            return
        finally:
            self._forget(client, upstream)
