"""What the wheel ships: every Python package of the source tree is in pyproject's package list."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def shipped_packages() -> dict[str, str]:
    """Folder (relative to the checkout) -> import name, as pyproject.toml maps them."""
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = setup["package-dir"]
    found = {}
    for name in setup["packages"]:
        top = next(prefix for prefix in sorted(folders, key=len, reverse=True) if name == prefix or name.startswith(prefix + "."))
        found[str(Path(folders[top], *name[len(top):].strip(".").split(".")) if name != top else Path(folders[top]))] = name
    return found


def test_every_package_folder_is_in_the_wheel():
    shipped = shipped_packages()
    tops = {Path(folder).parts[0] for folder in shipped}
    on_disk = {
        str(init.parent.relative_to(ROOT))
        for top in tops
        for init in (ROOT / top).rglob("__init__.py")
        if "exercises" not in init.relative_to(ROOT).parts and "__pycache__" not in init.parts
    }
    assert sorted(on_disk - set(shipped)) == [], "add these to [tool.setuptools] packages in pyproject.toml"
    assert sorted(set(shipped) - on_disk) == []
