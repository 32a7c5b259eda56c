"""tools/demo.py: every stage calls an existing tool with options it has.

The full demo runs for minutes (``make demo``); this guards its wiring: a
renamed option or tool breaks the test instead of the demo."""
import argparse
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

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


def _written_checkpoints(config: str) -> set:
    """The ``epoch_N.pth`` files a run of ``config`` leaves: MMEngine's
    CheckpointHook saves every ``interval`` epochs and at the last one
    (``save_last``), and keeps the newest ``max_keep_ckpts``."""
    from mmengine.config import Config
    cfg = Config.fromfile(str(REPO_ROOT / config))
    epochs = cfg.train_cfg.max_epochs
    hook = cfg.default_hooks.checkpoint
    saved = [e for e in range(1, epochs + 1)
             if e % hook.get('interval', 1) == 0
             or (e == epochs and hook.get('save_last', True))]
    keep = hook.get('max_keep_ckpts', -1)
    return {f'epoch_{e}.pth' for e in (saved[-keep:] if keep > 0 else saved)}


def test_the_checkpoints_the_demo_reads_are_ones_the_recipes_write(tmp_path):
    demo = _demo()
    args = argparse.Namespace(data=str(tmp_path / 'data'),
                              work_dir=str(tmp_path / 'work'),
                              num_per_class=2, seed=0)
    read = {}
    for stage in demo.stages(args):
        for part in stage.cmd:
            if part.endswith('.pth') or 'checkpoint=' in part:
                path = Path(part.split('=')[-1])
                read.setdefault(path.parent.name, set()).add(path.name)
    assert sorted(read) == ['finetune', 'pretrain']
    # each the last one its run writes
    for folder, config in (('pretrain', demo.PRETRAIN_CFG),
                           ('finetune', demo.FINETUNE_CFG)):
        assert read[folder] <= _written_checkpoints(config), folder
        assert read[folder] == {demo.last_checkpoint(config)}


def _finished_demo(tmp_path, war):
    """What the stages leave for the closing table, with a test WAR."""
    work, data = tmp_path / 'work', tmp_path / 'data'
    (work / 'test').mkdir(parents=True)
    (work / 'test' / 'test_metrics.json').write_text(json.dumps(
        dict(WAR=war, UAR=war, per_class_recall=[war, war])))
    data.mkdir()
    (data / 'meta.json').write_text(json.dumps(dict(classes=['a', 'b'])))
    return ['--data', str(data), '--work-dir', str(work)]


@pytest.mark.parametrize('war, min_war, code', [
    (91.7, None, 0), (66.7, None, 1), (79.9, None, 1), (66.7, '60', 0),
    (10.0, '0', 0)])
def test_demo_fails_below_the_documented_accuracy(tmp_path, monkeypatch,
                                                  capsys, war, min_war,
                                                  code):
    demo = _demo()
    monkeypatch.setattr(demo, 'run_stage', lambda *a: 0.)
    argv = _finished_demo(tmp_path, war)
    if min_war is not None:
        argv += ['--min-war', min_war]
    assert demo.main(argv) == code
    err = capsys.readouterr().err
    assert ('below' in err) == bool(code)
    assert (tmp_path / 'work' / 'results.json').is_file()  # written anyway
    assert demo.MIN_WAR == 80.0
    assert 'below ``--min-war`` (default 80 %)' in ' '.join(
        demo.__doc__.split())
