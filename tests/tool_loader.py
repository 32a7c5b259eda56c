"""Import a script under tools/ as a module (the tools are not a package)."""
import importlib.util
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parents[1]


def load_tool(relpath: str) -> ModuleType:
    """The module of ``tools/<relpath>``, e.g. ``load_tool('train.py')``."""
    path = REPO_ROOT / 'tools' / relpath
    name = 'tool_' + relpath.replace('/', '_').removesuffix('.py')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
