"""Watching a JACK server through libjack (ctypes): is it up, did it go away, is our port still there.

python-rtmidi never notices that its JACK client died with the server, and its JACK output then
spins, holding the GIL, once its ring buffer is full (the whole process freezes). A `JackWatch` is
a passive client (never activated: no process callback, no graph change) whose shutdown callback
says when the server went away; `has_port` says whether another client's port still exists
(a client the server dropped for being too slow loses its ports while the server stays up).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import re
import threading
from pathlib import Path

from adapters.devices import quiet_stderr

NO_START_SERVER = 0x01           # JackNoStartServer (jack/types.h)
PORT_IS_OUTPUT = 0x02            # JackPortIsOutput
MIDI_TYPE = b"8 bit raw midi"    # JACK_DEFAULT_MIDI_TYPE
_SHUTDOWN = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


@functools.lru_cache(maxsize=1)
def libjack() -> ctypes.CDLL | None:
    """The JACK client library: the system's, else the copy bundled with python-rtmidi; None if neither."""
    candidates = [ctypes.util.find_library("jack")]
    try:
        import rtmidi

        candidates += [str(p) for p in Path(rtmidi.__file__).resolve().parents[1].glob("python_rtmidi*/libjack*.so*")]
    except ImportError:
        pass
    for name in filter(None, candidates):
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        lib.jack_client_open.restype = ctypes.c_void_p
        lib.jack_client_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
        lib.jack_client_close.argtypes = [ctypes.c_void_p]
        lib.jack_on_shutdown.argtypes = [ctypes.c_void_p, _SHUTDOWN, ctypes.c_void_p]
        lib.jack_port_by_name.restype = ctypes.c_void_p
        lib.jack_port_by_name.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.jack_get_ports.restype = ctypes.POINTER(ctypes.c_char_p)
        lib.jack_get_ports.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong]
        lib.jack_free.argtypes = [ctypes.c_void_p]
        return lib
    return None


class JackWatch:
    """A passive client of the running JACK server (JACK_DEFAULT_SERVER, or the default one).
    `gone` is set as soon as the server goes away. Raises OSError when no server answers."""

    def __init__(self, name: str = "dancecore-watch") -> None:
        lib = libjack()
        if lib is None:
            raise OSError("libjack not found")
        self._lib = lib
        self.gone = threading.Event()
        self._callback = _SHUTDOWN(lambda _arg: self.gone.set())   # kept alive as long as the client
        with quiet_stderr():    # libjack prints "cannot connect" itself when no server runs
            self._client = lib.jack_client_open(name.encode(), NO_START_SERVER, None)
        if not self._client:
            raise OSError("no JACK server is running")
        lib.jack_on_shutdown(self._client, self._callback, None)

    def midi_outputs(self, port: str) -> set[str]:
        """Full names ("client:port") of the MIDI output ports named `port` (any client)."""
        if self.gone.is_set():
            return set()
        pattern = (":" + re.sub(r"([.\[\]{}()\\*+?^$|])", r"\\\1", port) + "$").encode()   # POSIX ERE
        found = self._lib.jack_get_ports(self._client, pattern, MIDI_TYPE, PORT_IS_OUTPUT)
        if not found:
            return set()
        names = set()
        i = 0
        while found[i] is not None:
            names.add(found[i].decode(errors="replace"))
            i += 1
        self._lib.jack_free(found)
        return names

    def has_port(self, full_name: str) -> bool:
        """True while the server is up and holds the port `full_name` ("client:port")."""
        return not self.gone.is_set() and bool(self._lib.jack_port_by_name(self._client, full_name.encode()))

    def close(self) -> None:
        client, self._client = self._client, None
        if client:
            with quiet_stderr():    # closing after the server went away complains on stderr
                self._lib.jack_client_close(client)


def server_up() -> bool:
    """True when a JACK server answers (a client is opened and closed again; a few ms)."""
    try:
        JackWatch("dancecore-probe").close()
    except OSError:
        return False
    return True
