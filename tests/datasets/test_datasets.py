"""List datasets: the authors' split files re-rooted, views, list errors."""
import os.path as osp
from pathlib import Path

import numpy as np
import pytest
from av_files import frames, tone, write_frame_folder, write_mp4, write_wav

from hicmae.datasets import AVEmotionDataset, AVPretrainDataset

EMOTION_PIPELINE = [
    dict(type='OpenVideo'),
    dict(type='SampleClip', clip_len=16, frame_interval=4, test_mode=True),
    dict(type='DecodeFrames'),
    dict(type='Resize', scale=32),
    dict(type='SpatialViewCrop', num_crops=1),
    dict(type='LoadAudio'),
    dict(type='CropAudioSpan'),
    dict(type='KaldiFbank', num_mel_bins=128, target_length=256),
    dict(type='NormalizeFbank'),
    dict(type='PackAVInputs'),
]

# fold-1 files of the authors: (name, number of classes or None = regression)
AUTHOR_LISTS = [
    ('crema-d_split01_train.csv', 6), ('crema-d_split01_test.csv', 6),
    ('mafw_split01_train.csv', 11), ('mafw_split01_test.csv', 11),
    ('ravdess_split01_train.csv', 8), ('ravdess_split01_test.csv', 8),
    ('msp-improv_split01_train.csv', 4), ('msp-improv_split01_val.csv', 4),
    ('msp-improv_split01_test.csv', 4),
    ('werewolf-xl_split01_train.csv', None),
    ('werewolf-xl_split01_test.csv', None),
]


def _dataset_root(line: str) -> str:
    """The authors' ``.../Dataset/<NAME>`` prefix of a list line."""
    video = line.split()[0]
    parts = video.split('/')
    return '/'.join(parts[:parts.index('Dataset') + 2])


@pytest.mark.parametrize('name,num_classes', AUTHOR_LISTS)
def test_authors_lists_parse_and_load_after_re_rooting(tmp_path, shared,
                                                       name, num_classes):
    path = shared / 'reference' / 'lists' / name
    first = path.read_text().splitlines()[0]
    old_root = _dataset_root(first)
    new_root = str(tmp_path / 'data')
    kwargs = dict(task='regression', num_targets=3) if num_classes is None \
        else dict(metainfo=dict(classes=[f'c{i}' for i in range(num_classes)]))
    ds = AVEmotionDataset(ann_file=str(path), path_remap={old_root: new_root},
                          pipeline=EMOTION_PIPELINE, test_mode=True,
                          **kwargs)
    lines = [x for x in path.read_text().splitlines() if x.strip()]
    assert len(ds) == len(lines)
    for i in range(2):  # lay out a fake tree for the first two samples
        info = ds.get_data_info(i)
        assert info['filename'].startswith(new_root)
        write_frame_folder_for(info)
        item = ds[i]
        assert item['inputs']['video'].shape == (3, 16, 32, 32)
        assert item['inputs']['audio'].shape == (1, 256, 128)
        sample = item['data_samples']
        if num_classes is None:
            assert sample.gt_value.shape == (3, )
        else:
            assert 0 <= int(sample.gt_label) < num_classes


def write_frame_folder_for(info: dict) -> None:
    write_frame_folder(Path(info['filename']),
                       frames(20, size=40))
    write_wav(Path(info['audio_filename']), tone(1.0))


def _tree(tmp_path, n=3):
    lines = []
    for i in range(n):
        write_frame_folder(tmp_path / f'f{i}', frames(20, size=40, seed=i))
        write_wav(tmp_path / f'a{i}.wav', tone(1.0, freq=200 + 50 * i))
        lines.append(f'f{i} a{i}.wav {i % 2}')
    (tmp_path / 'list.txt').write_text('\n'.join(lines) + '\n')
    return lines


def test_test_mode_expands_views(tmp_path):
    _tree(tmp_path)
    ds = AVEmotionDataset(ann_file='list.txt', data_root=str(tmp_path),
                          metainfo=dict(classes=['a', 'b']),
                          num_views=(2, 3), test_mode=True,
                          pipeline=EMOTION_PIPELINE)
    assert len(ds) == 3 * 6
    views = {(ds.get_data_info(i)['temporal_view'],
              ds.get_data_info(i)['spatial_view']) for i in range(6)}
    assert len(views) == 6
    assert {ds.get_data_info(i)['video_idx'] for i in range(18)} == {0, 1, 2}


def test_malformed_lines_raise_with_location_or_are_skipped(tmp_path):
    _tree(tmp_path)
    with open(tmp_path / 'list.txt', 'a') as f:
        f.write('only_one_field\nf0 a0.wav seven\nf1 a1.wav 5\n')
    with pytest.raises(ValueError, match=r'list.txt:4: expected'):
        AVEmotionDataset(ann_file='list.txt', data_root=str(tmp_path),
                         metainfo=dict(classes=['a', 'b']))
    ds = AVEmotionDataset(ann_file='list.txt', data_root=str(tmp_path),
                          metainfo=dict(classes=['a', 'b']),
                          on_bad_sample='skip')
    assert len(ds) == 3
    log = tmp_path / 'bad.txt'
    ds.set_bad_sample_log(str(log))
    rows = log.read_text().splitlines()
    assert [r.split('\t')[0].rsplit(':', 1)[1] for r in rows] == \
        ['4', '5', '6']
    assert 'not a class index' in rows[1] and 'outside' in rows[2]


def test_regression_lists_need_consistent_target_counts(tmp_path):
    (tmp_path / 'r.txt').write_text('v a.wav 0.1 0.2\nv a.wav 0.3\n')
    with pytest.raises(ValueError, match='expected 2 target values'):
        AVEmotionDataset(ann_file=str(tmp_path / 'r.txt'),
                         task='regression')


def test_missing_list_file_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        AVPretrainDataset(ann_file='nope.txt', data_root=str(tmp_path))


def test_pretrain_list_uses_track_or_given_wav(tmp_path):
    write_mp4(tmp_path / 'v' / 'a.mp4', frames(40), audio=tone(1.6))
    write_mp4(tmp_path / 'v' / 'b.mp4', frames(40), audio=tone(1.6))
    write_wav(tmp_path / 'b_other.wav', tone(1.6, freq=440))
    (tmp_path / 'pre.txt').write_text('v/a.mp4\nv/b.mp4 b_other.wav\n')
    pipeline = [dict(type='OpenVideo'), dict(type='SampleClip'),
                dict(type='DecodeFrames'), dict(type='LoadAudio'),
                dict(type='PackAVInputs')]
    ds = AVPretrainDataset(ann_file='pre.txt', data_root=str(tmp_path),
                           pipeline=pipeline)
    assert ds.get_data_info(1)['audio_filename'] == \
        osp.join(str(tmp_path), 'b_other.wav')
    meta = ds[0]['data_samples'].metainfo
    assert meta['audio_filename'].endswith('a.mp4')
    assert np.asarray(ds[1]['inputs']['video']).shape == (3, 16, 64, 64)
