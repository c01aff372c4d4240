"""A PEP 517 build backend in the standard library alone, so ``pip install ./clients/python`` works offline with nothing
beyond pip: setuptools before 70.1 cannot build a wheel without the ``wheel`` package, which is not installed here and
cannot be fetched. It packs ``actor_rollouts/`` (sources and ``py.typed``) with the metadata of ``pyproject.toml``."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import tarfile
import zipfile
from typing import Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "actor_rollouts"


def _project() -> Dict[str, str]:
    """name, version, description and requires-python from pyproject.toml's [project] table (flat strings only)."""
    text = open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8").read()
    table = text.split("[project]", 1)[1].split("\n[", 1)[0]
    return {key: value for key, value in re.findall(r'^([a-z-]+)\s*=\s*"([^"]*)"', table, re.M)}


def _dist_info() -> Tuple[str, Dict[str, str]]:
    project = _project()
    return f"{project['name'].replace('-', '_')}-{project['version']}.dist-info", project


def _metadata(project: Dict[str, str]) -> str:
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    return (f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\nSummary: {project.get('description', '')}\n"
            f"Requires-Python: {project.get('requires-python', '>=3.9')}\nDescription-Content-Type: text/markdown\n\n{readme}")


_WHEEL = "Wheel-Version: 1.0\nGenerator: actor-rollouts-backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def _package_files() -> List[str]:
    folder = os.path.join(ROOT, PACKAGE)
    return sorted(f"{PACKAGE}/{name}" for name in os.listdir(folder) if name.endswith(".py") or name == "py.typed")


def get_requires_for_build_wheel(config_settings: Optional[dict] = None) -> List[str]:
    return []


def get_requires_for_build_sdist(config_settings: Optional[dict] = None) -> List[str]:
    return []


def prepare_metadata_for_build_wheel(metadata_directory: str, config_settings: Optional[dict] = None) -> str:
    dist_info, project = _dist_info()
    os.makedirs(os.path.join(metadata_directory, dist_info), exist_ok=True)
    for name, content in (("METADATA", _metadata(project)), ("WHEEL", _WHEEL)):
        with open(os.path.join(metadata_directory, dist_info, name), "w", encoding="utf-8") as f:
            f.write(content)
    return dist_info


def build_wheel(wheel_directory: str, config_settings: Optional[dict] = None, metadata_directory: Optional[str] = None) -> str:
    dist_info, project = _dist_info()
    filename = f"{dist_info[:-len('.dist-info')]}-py3-none-any.whl"
    records = []
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as wheel:
        def add(arcname: str, data: bytes) -> None:
            wheel.writestr(arcname, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            records.append(f"{arcname},sha256={digest},{len(data)}")
        for path in _package_files():
            add(path, open(os.path.join(ROOT, path), "rb").read())
        add(f"{dist_info}/METADATA", _metadata(project).encode())
        add(f"{dist_info}/WHEEL", _WHEEL.encode())
        records.append(f"{dist_info}/RECORD,,")
        wheel.writestr(f"{dist_info}/RECORD", "\n".join(records) + "\n")
    return filename


def build_sdist(sdist_directory: str, config_settings: Optional[dict] = None) -> str:
    _, project = _dist_info()
    base = f"{project['name'].replace('-', '_')}-{project['version']}"
    with tarfile.open(os.path.join(sdist_directory, f"{base}.tar.gz"), "w:gz") as sdist:
        for path in ["pyproject.toml", "README.md", "_build/backend.py", *_package_files()]:
            sdist.add(os.path.join(ROOT, path), f"{base}/{path}")
    return f"{base}.tar.gz"
