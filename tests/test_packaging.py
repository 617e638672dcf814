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


def extra_requirements(extra: str) -> set[str]:
    """The distribution names an extra of pyproject.toml asks for, its own extras followed."""
    import re

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found = set()
    for requirement in project["optional-dependencies"][extra]:
        name, _, extras = re.match(r"([A-Za-z0-9_.-]+)(\[([^\]]*)\])?", requirement).groups()
        if name == project["name"]:
            for own in extras.split(","):
                found |= extra_requirements(own.strip())
        else:
            found.add(name.lower())
    return found


def test_the_all_install_can_import_an_authoring_notebook():
    """`codementor exercises import` runs the notebook under nbval, in a pytest process: the README's
    `pip install 'codementor-hub[all]'` must bring both, not only the test extra."""
    assert {"nbval", "pytest"} <= extra_requirements("all")
