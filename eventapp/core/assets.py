"""Static files that travel once: versioned URLs, a year in the browser's cache, one download.

At start-up every file under ``static/`` is read once and given a *version*, a hash of its
content. ``url_for('static', filename=...)`` then adds it as ``?v=…``, and a request that names
the current version is answered ``Cache-Control: public, max-age=31536000, immutable``: a phone
downloads each file once per release, and a new release is new URLs. A request without a
version (or with an old one) gets the current file with a short cache (``STATIC_MAX_AGE``).

The door's scripts are ES modules that import each other by relative specifiers
(``import … from "./page.js"``). The browser resolves those without any query string, so the
text served for a module has each relative specifier given its target's version
(``"./page.js?v=…"``). A module's version is the hash of every module it reaches (itself
included): when ``page.js`` changes, so do the URLs of every module that imports it, directly
or not, and a phone never mixes an old module with a new one.

The bytes served under a version are the bytes read when it was computed, so an immutable URL
always answers the same thing. In debug mode the table is read again when a file changes.
"""
from __future__ import annotations

import hashlib
import mimetypes
import os
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app, request

#: The query parameter that carries a static file's version.
VERSION_ARG = "v"

#: How long a versioned answer may be kept: a year, and never revalidated.
IMMUTABLE = "public, max-age=31536000, immutable"

# A relative module specifier in ``from "./x.js"``, ``import "./x.js"`` or ``import("./x.js")``.
# Our modules are plain ES modules with no bundler: these three forms are the ones they use.
_SPECIFIER = re.compile(r"""(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(\.\.?/[^"'?#\s]+)\2""")

_HASH_CHARS = 12


@dataclass(frozen=True)
class Asset:
    """One static file as served: its bytes, its version and its type."""

    body: bytes
    version: str
    mimetype: str


def _read_folder(folder: Path) -> dict[str, bytes]:
    files = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and not any(part.startswith(".") for part in name.split("/")):
            files[name] = path.read_bytes()
    return files


def _imports(name: str, body: bytes, files: dict[str, bytes]) -> dict[str, str]:
    """The relative specifiers of a JavaScript file that name another static file: {spec: file}."""
    if not name.endswith((".js", ".mjs")):
        return {}
    found = {}
    for match in _SPECIFIER.finditer(body.decode("utf-8", errors="replace")):
        spec = match.group(3)
        target = posixpath.normpath(posixpath.join(posixpath.dirname(name), spec))
        if target in files:
            found[spec] = target
    return found


def _reach(name: str, graph: dict[str, dict[str, str]]) -> set[str]:
    """``name`` and every file it imports, directly or not (cycles included once)."""
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(graph.get(current, {}).values())
    return seen


class AssetTable:
    """Every file of a static folder, read once, with its version and the bytes to serve."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self.signature = _signature(self.folder)
        files = _read_folder(self.folder) if self.folder.is_dir() else {}
        self._graph = {name: _imports(name, body, files) for name, body in files.items()}
        digests = {name: hashlib.sha256(body).hexdigest() for name, body in files.items()}
        versions = {}
        for name in files:
            mixed = hashlib.sha256()
            for member in sorted(_reach(name, self._graph)):
                mixed.update(f"{member}\0{digests[member]}\n".encode())
            versions[name] = mixed.hexdigest()[:_HASH_CHARS]
        self._assets = {
            name: Asset(self._with_versions(body, self._graph[name], versions), versions[name],
                        mimetypes.guess_type(name)[0] or "application/octet-stream")
            for name, body in files.items()
        }

    @staticmethod
    def _with_versions(body: bytes, imports: dict[str, str], versions: dict[str, str]) -> bytes:
        if not imports:
            return body

        def versioned(match: re.Match) -> str:
            prefix, quote, spec = match.groups()
            if spec not in imports:
                return match.group(0)
            return f"{prefix}{quote}{spec}?{VERSION_ARG}={versions[imports[spec]]}{quote}"

        return _SPECIFIER.sub(versioned, body.decode("utf-8")).encode("utf-8")

    def get(self, name: str) -> Asset | None:
        """The file ``name`` (a path under the static folder, with ``/``), or None."""
        return self._assets.get(name)

    def with_imports(self, names: Iterable[str]) -> list[str]:
        """``names`` and every module they import, directly or not, each once, in a stable order."""
        reached: set[str] = set()
        for name in names:
            reached |= _reach(name, self._graph)
        return sorted(reached)

    def stale(self) -> bool:
        """True when a file was added, removed or changed since the table was read."""
        return _signature(self.folder) != self.signature


def _signature(folder: Path) -> tuple:
    if not folder.is_dir():
        return ()
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.rglob("*")) if p.is_file())


_KEY = "eventapp.assets"


def current_table(app: Flask | None = None) -> AssetTable:
    """The application's table of static files (read again in debug mode when a file changed)."""
    app = app or current_app
    table = app.extensions[_KEY]
    if app.debug and table.stale():
        table = app.extensions[_KEY] = AssetTable(app.static_folder)
    return table


def _static(filename: str):
    """The ``static`` endpoint: the file as read at start-up, immutable when its version is named."""
    app = current_app
    asset = current_table(app).get(filename)
    if asset is None:
        # Not there at start-up: Flask's own answer (a 404, or a file added since).
        return app.send_static_file(filename)
    response = app.response_class(asset.body, mimetype=asset.mimetype)
    response.set_etag(asset.version)
    if request.args.get(VERSION_ARG) == asset.version:
        response.headers["Cache-Control"] = IMMUTABLE
    else:
        # An old page, or a file named without url_for: the current file, for a short while.
        response.cache_control.public = True
        response.cache_control.max_age = int(app.config["STATIC_MAX_AGE"])
    return response.make_conditional(request)


def _add_version(endpoint: str, values: dict) -> None:
    if endpoint == "static" and VERSION_ARG not in values:
        asset = current_table().get(values.get("filename", ""))
        if asset is not None:
            values[VERSION_ARG] = asset.version


def init_app(app: Flask) -> None:
    """Read the static folder once, version every ``url_for('static', …)`` and serve the files."""
    app.extensions[_KEY] = AssetTable(app.static_folder)
    app.url_defaults(_add_version)
    app.view_functions["static"] = _static
