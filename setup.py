"""Build hook: what a built package needs beyond the Python files that ``pyproject.toml`` declares.

- The translation catalogues compiled (``.po`` → ``.mo``): the ``.mo`` files are build products,
  not committed (see ``.gitignore``), so a ``pip install .`` from a clean clone serves French
  without ``make``.
- The checkout's ``templates/`` and ``static/`` folders, copied into the package, where
  ``eventapp.TEMPLATES_DIR``/``STATIC_DIR`` look when there is no checkout around the package.

An editable install (``make setup``) reads all of these from the checkout instead, which is why
the Makefile still compiles the catalogues in place.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
CATALOGUES = "eventapp/translations/*/LC_MESSAGES/messages.po"
SHARED_FOLDERS = ("templates", "static")


def compile_catalogue(po_path: Path, mo_path: Path) -> None:
    """Write the compiled form of one ``.po`` catalogue (fuzzy entries left out, as pybabel does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path.open("rb") as po:
        catalogue = read_po(po, locale=po_path.parent.parent.name)
    mo_path.parent.mkdir(parents=True, exist_ok=True)
    with mo_path.open("wb") as mo:
        write_mo(mo, catalogue, use_fuzzy=False)


def _extra_files() -> list[tuple[Path, Path, bool]]:
    """(source, path inside the build tree, compile it) for every file the hook adds."""
    files = [(po, po.relative_to(ROOT).with_suffix(".mo"), True) for po in sorted(ROOT.glob(CATALOGUES))]
    for folder in SHARED_FOLDERS:
        for source in sorted((ROOT / folder).rglob("*")):
            if source.is_file() and "__pycache__" not in source.parts:
                files.append((source, Path("eventapp") / source.relative_to(ROOT), False))
    return files


class BuildWithCatalogues(build_py):
    """``build_py`` that also compiles the catalogues and copies templates and static files."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # the checkout itself is used; nothing to add to a build tree
            return
        for source, relative, compile_it in _extra_files():
            target = Path(self.build_lib) / relative
            if compile_it:
                compile_catalogue(source, target)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        # Declared, so that the wheel's record lists them too.
        extra = [] if self.editable_mode else [str(Path(self.build_lib) / rel) for _s, rel, _c in _extra_files()]
        return super().get_outputs(include_bytecode) + extra


setup(cmdclass={"build_py": BuildWithCatalogues})
