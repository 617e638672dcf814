"""The standard library served from the zygote's memory, so that a job imports it without reading a file.

Standard library only; loaded by the zygote (``python -I -S``) from this folder. A job that can open a file
another job can open shares that file's page cache (one job loads a page by reading it, a later one times a
read to tell whether it is loaded: a bit per page), its dentries and its inodes. So the zygote, before it
enters the private root, imports the extension modules a graded function may use (``EXTENSIONS``) and reads
the standard library's pure-Python modules into one table (``build``): per module whether it is a package
and its code, marshaled (taken from the fresh ``.pyc`` beside it, else compiled from the source) and
compressed, all in one read-only mapping of a sealed memfd. ``install`` puts the table first on
``sys.meta_path`` and takes the file system's finder off it: a job imports from the table or not at all
(``ModuleNotFoundError``).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import marshal
import os
import sys
import zlib

# folders of the standard library a graded function never needs (tests, GUIs, packaging, installed packages)
LEFT_OUT = frozenset({
    "test", "tests", "idle_test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "pydoc_data",
    "distutils", "venv", "site-packages", "dist-packages", "__pycache__", "__phello__",
})
LEFT_OUT_MODULES = frozenset({"turtle", "antigravity", "this"})
# extension modules (lib-dynload) imported in the zygote, where present: what a graded function may use. Each costs
# every job's fork and exit a few more mappings (about 0.02 ms of CPU a module), so the ones with a pure-Python
# fallback or rarely used are left out: _asyncio, _zoneinfo (no zone data in the root anyway), _uuid, _opcode (dis),
# and those needing a library of their own (_bz2, _lzma, pyexpat, _elementtree); refused as well: _ctypes_test,
# _curses, _sqlite3, _ssl, _hashlib (hashlib uses the built-in hashes), _tkinter, readline, _multiprocessing, nis,
# spwd, the _test* modules. (_ctypes, _socket: the zygote itself uses them; select, fcntl and _posixsubprocess are
# imported here, not through subprocess, which would bring threading and its after-fork handler into every job's fork.)
EXTENSIONS = (
    "math", "cmath", "_datetime", "_decimal", "_heapq", "_bisect", "_json", "_csv", "_random", "_statistics",
    "array", "_struct", "binascii", "unicodedata", "zlib", "_pickle", "_contextvars", "_typing", "_queue",
    "_md5", "_sha1", "_sha256", "_sha512", "_sha3", "_blake2", "select", "fcntl", "_posixsubprocess",
)


def fresh_code(path: str) -> bytes:
    """The module at `path` as marshaled code: its .pyc's when that matches the source (timestamp and size), else compiled."""
    info = os.stat(path)
    try:
        with open(importlib.util.cache_from_source(path), "rb") as cached:
            data = cached.read()
        flags, mtime, size = (int.from_bytes(data[at:at + 4], "little") for at in (4, 8, 12))
        if (data[:4] == importlib.util.MAGIC_NUMBER and flags == 0
                and mtime == int(info.st_mtime) & 0xFFFFFFFF and size == info.st_size & 0xFFFFFFFF):
            return data[16:]
    except (OSError, NotImplementedError):
        pass
    with open(path, "rb") as source:
        return marshal.dumps(compile(source.read(), path, "exec", dont_inherit=True))


def stdlib_modules(folder: str):
    """(name, path, is_package) of every pure-Python module of the standard library in `folder`, LEFT_OUT aside."""
    for where, folders, files in os.walk(folder):
        folders[:] = sorted(f for f in folders if f not in LEFT_OUT and f.isidentifier())
        prefix = os.path.relpath(where, folder).replace(os.sep, ".")
        prefix = "" if prefix == "." else prefix + "."
        if prefix and "__init__.py" not in files:
            folders[:] = []  # not a package: nothing beneath it is importable by a dotted name
            continue
        for name in sorted(files):
            stem = name[:-3]
            if not name.endswith(".py") or not stem.isidentifier() or stem in LEFT_OUT_MODULES:
                continue
            if stem == "__init__":
                yield prefix[:-1], os.path.join(where, name), True
            else:
                yield prefix + stem, os.path.join(where, name), False


class StdlibTable:
    """A meta-path finder and loader for the standard library's modules, all held in memory.

    `index`: module name -> (is_package, offset, length) in `blob` (bytes, or a read-only mapping), the zlib-compressed
    marshaled code;
    `paths`: module name -> the source's path (the module's __file__, which no job can open)."""

    def __init__(self, index: dict[str, tuple[bool, int, int]], blob: bytes, paths: dict[str, str]):
        self.index, self.blob, self.paths = index, blob, paths

    def find_spec(self, name: str, path=None, target=None):
        entry = self.index.get(name)
        if entry is None:
            return None
        spec = importlib.machinery.ModuleSpec(name, self, origin=self.paths[name], is_package=entry[0])
        spec.has_location = True
        if entry[0]:
            spec.submodule_search_locations = [os.path.dirname(self.paths[name])]
        return spec

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        exec(self.get_code(module.__spec__.name), module.__dict__)

    def get_code(self, name: str):
        entry = self.index.get(name)
        if entry is None:
            raise ImportError(f"no module named {name!r} in the standard library's table", name=name)
        _, offset, length = entry
        return marshal.loads(zlib.decompress(self.blob[offset:offset + length]))

    def get_source(self, name: str):
        return None  # no source is kept: a traceback shows no standard library lines

    def is_package(self, name: str) -> bool:
        return self.index[name][0]

    def __len__(self) -> int:
        return len(self.index)


def build(folder: str) -> StdlibTable:
    """The table of the standard library in `folder` (read now, while the zygote still sees it)."""
    index, paths, parts, offset = {}, {}, [], 0
    for name, path, is_package in stdlib_modules(folder):
        try:
            packed = zlib.compress(fresh_code(path), 6)
        except (OSError, SyntaxError, ValueError):
            continue  # a module this interpreter cannot compile (none in a sound installation)
        index[name] = (is_package, offset, len(packed))
        paths[name] = path
        parts.append(packed)
        offset += len(packed)
    return StdlibTable(index, sealed(b"".join(parts)), paths)


def sealed(data: bytes):
    """`data` in a read-only shared mapping of a sealed memfd: a fork copies no page table of it (an anonymous copy's
    would be copied at every fork), and no job can write it (the seals refuse a writable mapping), nor open it."""
    import fcntl
    import mmap

    fd = os.memfd_create("codementor-stdlib", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_WRITE | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_SEAL)
        return mmap.mmap(fd, len(data), flags=mmap.MAP_SHARED, prot=mmap.PROT_READ)
    finally:
        os.close(fd)


def preload_extensions() -> list[str]:
    """Import the extension modules of EXTENSIONS that this interpreter has; their names."""
    loaded = []
    for name in EXTENSIONS:
        try:
            __import__(name)
            loaded.append(name)
        except ImportError:
            continue
    return loaded


def install(table: StdlibTable) -> None:
    """Imports come from the table (or, built in and frozen modules, from the interpreter), never from a file."""
    sys.meta_path[:] = [table] + [f for f in sys.meta_path if f is not importlib.machinery.PathFinder]
    sys.path_importer_cache.clear()
    sys.path_hooks.clear()
