"""CI fails on a skip outside the allow-list (HICMAE_FAIL_ON_SKIP, set by
.ci/run); locally a skip is only reported (``-rs``)."""
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from conftest import SKIPS_ALLOWED, unexpected_skips

TESTS = Path(__file__).resolve().parent

BODY = '''
import pytest


def test_runs():
    pass


def test_skips():
    pytest.skip('no data here')
'''


def _pytest(tmp_path, fail_on_skip):
    """Our conftest as a plugin on a one-file suite outside the repo."""
    (tmp_path / 'pytest.ini').write_text('[pytest]\n')
    (tmp_path / 'test_one.py').write_text(BODY)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(TESTS), str(TESTS.parent)]))
    env.pop('HICMAE_FAIL_ON_SKIP', None)
    if fail_on_skip:
        env['HICMAE_FAIL_ON_SKIP'] = '1'
    return subprocess.run(
        [sys.executable, '-m', 'pytest', '-q', '-rs', '-p', 'conftest',
         '-p', 'no:cacheprovider', 'test_one.py'],
        cwd=tmp_path, env=env, capture_output=True, text=True)


def test_a_skip_fails_the_run_only_in_ci(tmp_path):
    local = _pytest(tmp_path, fail_on_skip=False)
    assert local.returncode == 0, local.stdout + local.stderr
    assert 'SKIPPED' in local.stdout and 'no data here' in local.stdout
    ci = _pytest(tmp_path, fail_on_skip=True)
    assert ci.returncode == 1, ci.stdout + ci.stderr
    assert 'test_one.py::test_skips' in ci.stdout
    assert 'test_one.py::test_runs' not in ci.stdout.split(
        'allow-list')[-1]


def test_allow_list_is_short_and_by_node_id():
    assert len(SKIPS_ALLOWED) <= 3
    reports = [SimpleNamespace(nodeid=n) for n in (
        'tests/tools/test_compare_authors.py::test_side_by_side',
        'tests/models/test_recognizer.py::test_loads',
        'tests/models/test_recognizer.py::test_loads')]
    assert unexpected_skips(reports) == [
        'tests/models/test_recognizer.py::test_loads']


def test_ci_lints_and_fails_on_skips_and_make_has_the_fast_loop():
    root = TESTS.parent
    ci = (root / '.ci' / 'run').read_text()
    assert 'make lint' in ci and 'make test' in ci
    assert 'export HICMAE_FAIL_ON_SKIP=1' in ci
    make = (root / 'Makefile').read_text()
    assert "pytest -q -m 'not slow' tests" in make  # make test-fast
    assert 'pytest -q tests\n' in make  # make test: everything
    assert 'flake8 $(LINT_PATHS)' in make
    assert 'isort --check-only' in make
    hooks = (root / '.pre-commit-config.yaml').read_text()
    pins = (root / 'requirements' / 'constraints.txt').read_text()
    for tool in ('flake8', 'isort'):
        version = pins.split(f'\n{tool}==')[1].split('\n')[0]
        assert f'{tool}\n    rev: {version}' in hooks, tool
