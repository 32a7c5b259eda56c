"""tools/demo.py: every stage calls an existing tool with options it has.

The full demo runs for minutes (``make demo``); this guards its wiring: a
renamed option or tool breaks the test instead of the demo."""
import argparse
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _demo():
    spec = importlib.util.spec_from_file_location(
        'demo', REPO_ROOT / 'tools' / 'demo.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_stage_calls_a_tool_with_known_options(tmp_path):
    demo = _demo()
    args = argparse.Namespace(data=str(tmp_path / 'data'),
                              work_dir=str(tmp_path / 'work'),
                              num_per_class=2, seed=3)
    stages = demo.stages(args)
    assert [s.name.split(':')[0] for s in stages][:5] == [
        'generate data', 'pre-train (no labels)', 'fine-tune', 'test',
        'extract test features']
    helps = {}
    for stage in stages:
        script = stage.cmd[1]
        assert (REPO_ROOT / script).is_file(), script
        if script not in helps:
            out = subprocess.run([sys.executable, script, '--help'],
                                 cwd=REPO_ROOT, capture_output=True,
                                 text=True, timeout=300)
            assert out.returncode == 0, out.stderr[-2000:]
            helps[script] = out.stdout
        for option in stage.cmd[2:]:
            if option.startswith('--'):
                assert re.search(re.escape(option) + r'\b',
                                 helps[script]), (script, option)
        assert stage.result.startswith(str(tmp_path))
    # data count as generated only with the face-crop lists the recipes read
    assert stages[0].result.endswith('lists/pretrain_faces.txt')
    # the seed reaches both training runs
    trains = [s for s in stages if s.cmd[1] == 'tools/train.py']
    assert all('randomness.seed=3' in s.cmd for s in trains)
