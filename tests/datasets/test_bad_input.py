"""Every kind of broken input gets a clear error, or is skipped and logged."""
import numpy as np
import pytest
from av_files import frames, tone, touch_empty, truncate, write_mp4, write_wav

from hicmae.datasets import AVPretrainDataset, BadSampleError

PIPELINE = [
    dict(type='OpenVideo'),
    dict(type='SampleClip', clip_len=16, frame_interval=4),
    dict(type='DecodeFrames'),
    dict(type='MultiScaleCrop', output_size=32),
    dict(type='LoadAudio'),
    dict(type='CropAudioSpan'),
    dict(type='KaldiFbank', num_mel_bins=128, target_length=256),
    dict(type='NormalizeFbank'),
    dict(type='PackAVInputs'),
]


@pytest.fixture(scope='module')
def corpus(tmp_path_factory):
    """Good clips plus one of each kind of broken input, and the reasons."""
    root = tmp_path_factory.mktemp('corpus')
    good = [write_mp4(root / f'good{i}.mp4', frames(48, seed=i),
                      audio=tone(2.0, freq=200 + 40 * i)) for i in range(3)]
    bad = {}
    bad['missing.mp4'] = 'file not found'
    touch_empty(root / 'zero.mp4')
    bad['zero.mp4'] = 'empty file'
    truncate(good[0], root / 'truncated.mp4', keep=0.3)
    bad['truncated.mp4'] = 'cannot decode'
    (root / 'text.mp4').write_text('this is not a video\n' * 100)
    bad['text.mp4'] = 'cannot decode video'
    write_mp4(root / 'noaudio.mp4', frames(48))
    bad['noaudio.mp4'] = 'no decodable audio track'
    write_mp4(root / 'short.mp4', frames(3), audio=tone(0.5))
    bad['short.mp4'] = 'only 3 frames'
    write_mp4(root / 'silent.mp4', frames(48), audio=np.zeros(32000))
    bad['silent.mp4'] = 'silent audio'
    for sr in (8000, 48000):
        name = f'rate{sr}.mp4'
        write_mp4(root / name, frames(48))
        write_wav(root / f'rate{sr}.wav', tone(2.0, sr=sr), sr=sr)
        bad[name] = f'sample rate {sr} Hz'  # sibling wav at the wrong rate
    return root, [p.name for p in good], bad


@pytest.mark.parametrize('case', [
    'missing.mp4', 'zero.mp4', 'truncated.mp4', 'text.mp4', 'noaudio.mp4',
    'short.mp4', 'silent.mp4', 'rate8000.mp4', 'rate48000.mp4'])
def test_each_bad_input_names_file_and_reason(corpus, case):
    root, _, bad = corpus
    (root / f'list_{case}.txt').write_text(case + '\n')
    ds = AVPretrainDataset(ann_file=f'list_{case}.txt', data_root=str(root),
                           pipeline=PIPELINE)
    with pytest.raises(BadSampleError) as info:
        ds[0]
    assert case.split('.')[0] in info.value.path
    assert bad[case] in info.value.reason, info.value.reason


def test_skip_mode_returns_only_good_samples_and_logs_exactly_the_bad(
        corpus, tmp_path):
    root, good, bad = corpus
    names = good + sorted(bad)
    (root / 'mixed.txt').write_text('\n'.join(names) + '\n')
    ds = AVPretrainDataset(ann_file='mixed.txt', data_root=str(root),
                           pipeline=PIPELINE, on_bad_sample='skip')
    log = tmp_path / 'bad_samples.txt'
    ds.set_bad_sample_log(str(log))
    np.random.seed(0)
    seen = set()
    for i in range(len(ds)):
        item = ds[i]
        seen.add(item['data_samples'].metainfo['filename'].split('/')[-1])
        assert item['inputs']['video'].shape == (3, 16, 32, 32)
    assert seen <= set(good)
    logged = {row.split('\t')[0].split('/')[-1]
              for row in log.read_text().splitlines()}
    # the wrong-rate cases name the wav at fault, not the video
    expected = {n.replace('.mp4', '.wav') if n.startswith('rate') else n
                for n in bad}
    assert logged == expected
    assert ds.num_skipped >= len(bad)


def test_raise_mode_stops_on_first_bad_sample(corpus):
    root, good, _ = corpus
    (root / 'one_bad.txt').write_text(f'{good[0]}\nzero.mp4\n')
    ds = AVPretrainDataset(ann_file='one_bad.txt', data_root=str(root),
                           pipeline=PIPELINE)
    assert ds[0]['inputs']['audio'].shape == (1, 256, 128)
    with pytest.raises(BadSampleError, match='zero.mp4: empty file'):
        ds[1]
