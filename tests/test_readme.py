"""The README's promises that code can check: its links resolve and every
registered part its table names exists under that name."""
import re
from pathlib import Path

from hicmae.registry import MODELS
from hicmae.utils import register_all_modules

REPO_ROOT = Path(__file__).resolve().parents[1]
README = (REPO_ROOT / 'README.md').read_text()


def test_relative_links_resolve():
    targets = re.findall(r'\]\(([^)#:]+)(?:#[^)]*)?\)', README)
    assert targets
    missing = [t for t in targets if not (REPO_ROOT / t).exists()]
    assert not missing, missing


def test_every_part_in_the_parts_table_is_registered():
    register_all_modules()
    table = README.split('## Parts from HiCMAE and from AVF-MAE++')[1]
    table = table.split('\n## ')[0]
    names = set(re.findall(r'`([A-Z][A-Za-z0-9]+)`', table))
    assert len(names) >= 10, names
    unknown = sorted(n for n in names if MODELS.get(n) is None)
    assert not unknown, unknown
