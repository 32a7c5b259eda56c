"""The second generated cue set, ``valence_arousal4``
(``make_synthetic_av(..., cue_set='valence_arousal4')``): face valence x
voice arousal, drawn in another look.

A tiny run through the CLI (2 clips per class, 64 px) checks the classes,
lists and ``meta.json``; direct renders check that valence lives only in
the mouth and arousal only in the voice.
"""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hicmae.data_prep.synthetic_av import (CUE_SETS, get_cue_set,
                                           make_synthetic_av)
from hicmae.data_prep.synthetic_av.clip import synthesize_clip

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOL = REPO_ROOT / 'tools' / 'data' / 'make_synthetic_av.py'
VA = get_cue_set('valence_arousal4')
CLASSES = ['content', 'elated', 'sad', 'angry']
MOUTH_KEYS = {'curve', 'rest_open', 'mouth_w'}


@pytest.fixture(scope='module')
def tiny_va(tmp_path_factory):
    out = tmp_path_factory.mktemp('synthetic_va') / 'tiny'
    done = subprocess.run(
        [sys.executable, str(TOOL), str(out), '--cue-set',
         'valence_arousal4', '--num-per-class', '2', '--size', '64',
         '--duration', '2.6'],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out


def _rows(root: Path, name: str) -> list:
    text = (root / 'lists' / name).read_text()
    return [line.split(' ') for line in text.splitlines() if line]


def test_writes_the_four_classes(tiny_va):
    root = tiny_va
    meta = json.loads((root / 'meta.json').read_text())
    assert meta['name'] == 'synthetic_va'
    assert meta['cue_set'] == 'valence_arousal4'
    assert meta['classes'] == CLASSES
    assert (root / 'lists' / 'classes.txt').read_text() == \
        ''.join(c + '\n' for c in CLASSES)
    assert meta['face_groups'] == dict(positive=['content', 'elated'],
                                       negative=['sad', 'angry'])
    assert meta['voice_groups'] == dict(low=['content', 'sad'],
                                        high=['elated', 'angry'])
    assert meta['design']['max_unimodal_accuracy'] == 0.5
    for name in CLASSES:
        cues = meta['class_cues'][name]
        assert cues['video'] == VA.face_text[cues['face']]
        assert cues['audio'] == VA.voice_text[cues['voice']]
    # 2 per class: 1 train, 1 test, identities disjoint between splits
    splits = {}
    for split, n in (('train', 1), ('val', 0), ('test', 1)):
        rows = _rows(root, f'{split}.txt')
        assert sorted(int(r[2]) for r in rows) == \
            sorted(list(range(4)) * n)
        assert len(_rows(root, f'{split}_video.txt')) == len(rows)
        for frames, wav, _ in rows:
            assert (root / frames / 'img_00065.jpg').is_file()
            assert (root / wav).is_file()
        splits[split] = {Path(r[0]).name.split('_')[0] for r in rows}
        assert meta['counts'][split]['total'] == len(rows)
    assert not splits['train'] & splits['test']
    assert len(_rows(root, 'pretrain.txt')) == 4
    # the other look: every identity has hair and a glasses flag
    for params in meta['speaker_params'].values():
        assert params['hair'] in ('cap', 'bangs', 'tuft', 'side')
        assert isinstance(params['glasses'], bool)


def test_other_look_than_the_first_set():
    first, second = CUE_SETS['emotions6'], VA
    for spk in range(10):
        old, new = first.sample_speaker(0, spk), second.sample_speaker(0,
                                                                       spk)
        assert 'hair' not in old and 'hair' in new
        # rounder heads: height / width never reaches the first set's
        assert new['aspect'] < 1.15 <= old['aspect']
    assert any(second.sample_speaker(0, i)['glasses'] for i in range(10))
    assert not all(second.sample_speaker(0, i)['glasses']
                   for i in range(10))


def _render(face: str, voice: str, seed: int = 3, size: int = 64,
            face_override: dict = None):
    """One clip's frames and samples, always from the same random stream,
    so only the cue groups differ."""
    speaker = VA.sample_speaker(0, seed)
    face_cfg = dict(VA.faces[face], **(face_override or {}))
    rng = np.random.default_rng([seed, 11])
    clip, pcm = synthesize_clip(rng, face_cfg, VA.voices[voice], speaker,
                                64, 25., size, VA.look)
    return np.stack(clip.frames).astype(int), pcm.astype(float)


def test_valence_only_in_the_mouth():
    # the two valence groups differ in the mouth parameters only ...
    pos, neg = VA.faces['positive'], VA.faces['negative']
    assert {k for k in pos if pos[k] != neg[k]} == MOUTH_KEYS
    v_pos, a_pos = _render('positive', 'low')
    v_neg, a_neg = _render('negative', 'low')
    assert np.array_equal(a_pos, a_neg)          # no valence in the voice
    changed = np.abs(v_pos - v_neg).max(axis=(0, 3)) > 0
    assert changed.sum() > 20
    # ... in one small patch below the middle of the picture (the head
    # centre stays within +-7 % of the frame centre)
    ys, xs = np.nonzero(changed)
    size = changed.shape[0]
    assert ys.min() > 0.4 * size
    assert ys.max() - ys.min() < 0.3 * size
    assert xs.max() - xs.min() < 0.45 * size
    # and with the mouth parameters equalised the frames are identical
    flat = dict(curve=0., rest_open=0., mouth_w=0.6)
    v_pos_flat, _ = _render('positive', 'low', face_override=flat)
    v_neg_flat, _ = _render('negative', 'low', face_override=flat)
    assert np.array_equal(v_pos_flat, v_neg_flat)


def test_arousal_only_in_the_voice():
    v_low, a_low = _render('positive', 'low')
    v_high, a_high = _render('positive', 'high')
    assert np.array_equal(v_low, v_high)          # no arousal in the face
    rms_low, rms_high = (np.sqrt(np.mean(a**2)) for a in (a_low, a_high))
    assert rms_high > 1.8 * rms_low              # high arousal is loud


def test_bad_cue_set_name(tmp_path):
    out = tmp_path / 'x'
    with pytest.raises(ValueError, match='emotions6.*valence_arousal4'):
        make_synthetic_av(str(out), num_per_class=1, cue_set='happy4')
    assert not out.exists()
    done = subprocess.run(
        [sys.executable, str(TOOL), str(out), '--cue-set', 'happy4'],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert 'valence_arousal4' in done.stderr and not out.exists()
