"""tools/analysis/compare_authors.py against the authors' implementation.

The authors' code is not part of this repository (nor of CI), so this test
only runs where someone has exported it and installed its dependencies
apart from the project's environment::

    mkdir -p /tmp/authors_hicmae
    git --git-dir=<mirror of sunlicai/HiCMAE> archive HEAD \
        | tar -x -C /tmp/authors_hicmae
    python -m pip install --no-deps --target /tmp/authors_deps \
        timm einops torchvision==0.24.1
    HICMAE_AUTHORS_REPO=/tmp/authors_hicmae \
    HICMAE_AUTHORS_DEPS=/tmp/authors_deps pytest tests/test_compare_authors.py
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
AUTHORS_REPO = os.environ.get('HICMAE_AUTHORS_REPO')
AUTHORS_DEPS = os.environ.get('HICMAE_AUTHORS_DEPS')


def _require_authors() -> None:
    if not AUTHORS_REPO or not AUTHORS_DEPS:
        pytest.skip("set HICMAE_AUTHORS_REPO (an export of the authors' "
                    'repository) and HICMAE_AUTHORS_DEPS (a pip --target '
                    'folder with timm, einops, torchvision) to compare with '
                    "the authors' implementation")
    if not (Path(AUTHORS_REPO) / 'modeling_pretrain_av.py').is_file():
        pytest.skip(f'HICMAE_AUTHORS_REPO={AUTHORS_REPO} has no '
                    'modeling_pretrain_av.py')
    if not Path(AUTHORS_DEPS).is_dir():
        pytest.skip(f'HICMAE_AUTHORS_DEPS={AUTHORS_DEPS} is not a folder')


def test_one_step_matches_the_authors(tmp_path):
    _require_authors()
    out = tmp_path / 'compare.json'
    proc = subprocess.run(
        [sys.executable, 'tools/analysis/compare_authors.py',
         '--authors-repo', AUTHORS_REPO, '--deps', AUTHORS_DEPS,
         '--batch', '1', '--steps', '1', '--warmup', '0', '--repeats', '1',
         '--json', str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert set(result['sides']) == {'ours', 'theirs'}
    for side in result['sides'].values():
        assert side['step_s'] > 0 and side['peak_rss_MiB'] > 0
        assert side['params_M'] > 90  # the Base model, not a smaller one
        # live tensors: at least the weights and the two AdamW moments
        assert side['tensor_peak_MiB'] > 3 * 4 * side['params_M']
    assert {r['side'] for r in result['runs']} == {'ours', 'theirs'}
    # same weights, batch and masks: both sides compute the same loss
    ours, theirs = (result['sides'][s]['first_loss']
                    for s in ('ours', 'theirs'))
    assert abs(ours - theirs) < 1e-3
    assert result['summary']['losses_agree']
    assert result['summary']['speedup_theirs_over_ours'] > 0
