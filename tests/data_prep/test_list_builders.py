"""List builders for the benchmarks' original layouts (fake trees of empty
files), their folds against the authors' lists, and the configs reading
the lists they write."""
import copy
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
from list_layouts import (crema_tree, iemocap_tree, load_tool, mafw_tree,
                          main_ok, msp_tree, preprocess, ravdess_tree,
                          small_tree, touch)
from mmengine.config import Config

from hicmae.data_prep.list_builders import (BUILDERS, LayoutError, MediaPaths,
                                            Report, group_folds,
                                            keep_available, write_fold_lists)
from hicmae.registry import DATASETS

REPO_ROOT = Path(__file__).resolve().parents[2]
EMOTION = [n for n in BUILDERS if n != 'voxceleb2']


# ------------------------------------------------------------------ folds
def test_group_folds_follow_the_authors_block_rule():
    actors = [str(i) for i in range(1001, 1092)]
    fold = group_folds(actors, 5)
    sizes = Counter(fold.values())
    assert [sizes[k] for k in range(1, 6)] == [18, 18, 18, 18, 19]
    assert {a for a, f in fold.items() if f == 1} == {
        str(i) for i in range(1001, 1019)}
    assert Counter(group_folds([f'{i:02d}' for i in range(24)], 6).values()
                   ) == {k: 4 for k in range(1, 7)}
    with pytest.raises(ValueError, match='cannot split 3'):
        group_folds(['a', 'b', 'c'], 4)
    with pytest.raises(ValueError):
        group_folds(['a', 'b', 'c'], 1)


@pytest.mark.parametrize('name', ['crema_d', 'ravdess', 'msp_improv',
                                  'iemocap'])
def test_speaker_independent_folds(tmp_path, name):
    src = tmp_path / 'src'
    small_tree(name, src)
    builder = BUILDERS[name]
    for k in (builder.num_folds, 3):
        folds = builder.build(str(src), k)
        assert sorted(folds) == list(range(1, k + 1))
        tested = Counter()
        for splits in folds.values():
            train_groups = {s.group for s in splits['train']}
            test_groups = {s.group for s in splits['test']}
            assert test_groups and not train_groups & test_groups
            assert len(splits['train']) + len(splits['test']) == len(
                {s.video for ss in splits.values() for s in ss})
            tested.update(s.video for s in splits['test'])
        assert set(tested.values()) == {1}  # each sample tested once
        everything = {s.video for s in folds[1]['train'] + folds[1]['test']}
        assert set(tested) == everything


# ------------------------------------------------------- authors' fold 1
def reference_lines(shared, prefix, remap, rename=lambda line: line):
    """The authors' fold-1 lists, re-rooted (``{old: new}`` prefixes)."""
    out = {}
    for split in ('train', 'test', 'val'):
        path = shared / 'reference' / 'lists' / f'{prefix}_split01_{split}.csv'
        if not path.exists():
            continue
        lines = []
        for line in path.read_text().splitlines():
            for old, new in remap.items():
                line = line.replace(old, new)
            lines.append(rename(line))
        out[split] = sorted(lines)
    return out


def built_lines(name, src, tmp_path, **kw):
    data = tmp_path / 'data'
    folds = BUILDERS[name].build(str(src), **kw)
    paths = MediaPaths(str(src), str(data / 'frames'), str(data / 'audio'),
                       str(data))
    write_fold_lists(folds, str(data / 'lists'), paths)
    return {split: sorted((data / 'lists' / f'split01_{split}.csv')
                          .read_text().splitlines())
            for split in folds[1]}, folds


def names_in(shared, prefix, field=0):
    names = set()
    for f in (shared / 'reference' / 'lists').glob(f'{prefix}_split01_*'):
        for line in f.read_text().splitlines():
            parts = line.split()
            names.add((os.path.basename(parts[field]).rsplit('.', 1)[0],
                       parts[2]))
    return names


def test_crema_d_fold1_matches_the_authors(tmp_path, shared):
    src = tmp_path / 'src'
    for name, _ in names_in(shared, 'crema-d'):
        touch(src / 'VideoFlash' / f'{name}.flv')
    ours, folds = built_lines('crema_d', src, tmp_path)
    ref = reference_lines(shared, 'crema-d', {
        '/data/ycs/AC/Dataset/CREMA-D/face_aligned': 'frames/VideoFlash',
        '/data/ycs/AC/Dataset/CREMA-D/AudioWAV': 'audio/VideoFlash'})
    assert ours == ref
    assert len(ref['test']) == 1463 and len(folds) == 5


def test_ravdess_fold1_matches_the_authors(tmp_path, shared):
    src = tmp_path / 'src'
    for name, _ in names_in(shared, 'ravdess'):
        actor = name[-2:]
        for modality in ('01', '02'):  # the video zips hold both
            touch(src / f'Actor_{actor}' / f'{modality}{name[2:]}.mp4')

    def to_full_av(line):
        # the authors: frames of the 02 copy, audio of the 03 wav
        video, audio, label = line.split()
        video = os.path.dirname(video) + '/01' + os.path.basename(video)[2:]
        audio = os.path.dirname(audio) + '/01' + os.path.basename(audio)[2:]
        return f'{video} {audio} {label}'

    ours, _ = built_lines('ravdess', src, tmp_path)
    ref = reference_lines(shared, 'ravdess', {
        '/data/ycs/AC/Dataset/RAVDESS/face_aligned': 'frames',
        '/data/ycs/AC/Dataset/RAVDESS/audio_16k': 'audio'}, to_full_av)
    assert ours == ref and len(ref['train']) == 1200


def test_msp_improv_fold1_matches_the_authors(tmp_path, shared):
    src = tmp_path / 'src'
    codes = 'AHNS'
    rows = [(n, codes[int(lab)]) for n, lab in
            names_in(shared, 'msp-improv', field=1)]
    msp_tree(src, rows + [('MSP-IMPROV-S02A-F01-R-FM99', 'X'),
                          ('MSP-IMPROV-S02H-M03-S-FM99', 'O')])

    def unalign(line):
        video, audio, label = line.split()
        return f'{os.path.dirname(video)} {audio} {label}'

    ours, _ = built_lines('msp_improv', src, tmp_path)
    ref = reference_lines(shared, 'msp-improv', {
        '/share/home/sunlicai/AC/Dataset/MSP-IMPROV/raw/openface': 'frames',
        '/share/home/sunlicai/AC/Dataset/MSP-IMPROV/raw/audio_16k': 'audio'},
        unalign)
    assert ours == ref and ours['val'] == ours['test']


def test_mafw_fold1_matches_the_authors(tmp_path, shared):
    src = tmp_path / 'src'
    words = BUILDERS['mafw'].classes
    sets = {}
    for split in ('train', 'test'):
        path = shared / 'reference' / 'lists' / f'mafw_split01_{split}.csv'
        sets.setdefault(1, {})[split] = [
            (os.path.basename(v), words[int(lab)]) for v, _, lab in
            (line.split() for line in path.read_text().splitlines())]
    for k in range(2, 6):  # other folds: any content
        sets[k] = dict(train=sets[1]['test'][:5], test=sets[1]['test'][5:9])
    mafw_tree(src, sets)
    ours, _ = built_lines('mafw', src, tmp_path)
    ref = reference_lines(shared, 'mafw', {
        '/data/ycs/AC/Dataset/MAFW/data/frames': 'frames/data/clips',
        '/data/ycs/AC/Dataset/MAFW/data/audio_16k': 'audio/data/clips'})
    assert ours == ref


# -------------------------------------------------- labels, layout errors
def test_crema_d_skips_and_reports_odd_files(tmp_path):
    src = tmp_path / 'src'
    crema_tree(src, actors=[1001, 1002], emotions=('ANG', 'NEU'))
    touch(src / 'VideoFlash' / '1001_DFA_XYZ_XX.flv')      # unknown code
    touch(src / 'VideoFlash' / '2001_DFA_ANG_XX.flv')      # unknown actor
    touch(src / 'VideoMP4' / '1001_DFA_ANG_XX.mp4')        # duplicate
    touch(src / 'VideoFlash' / '1076_MTI_SAD_XX.flv')      # known broken
    touch(src / 'VideoFlash' / 'notes.mp4')
    report = Report()
    folds = BUILDERS['crema_d'].build(str(src), 5, report)
    labels = {os.path.basename(s.video): s.label
              for s in folds[1]['test']}
    assert labels == {'1001_DFA_ANG_XX.flv': 0, '1001_DFA_NEU_XX.flv': 4,
                      '1002_DFA_ANG_XX.flv': 0, '1002_DFA_NEU_XX.flv': 4}
    reasons = {os.path.basename(p): r for p, r in report.skipped}
    assert "unknown emotion code 'XYZ'" in reasons['1001_DFA_XYZ_XX.flv']
    assert 'outside 1001-1091' in reasons['2001_DFA_ANG_XX.flv']
    assert 'same clip' in reasons['1001_DFA_ANG_XX.mp4']
    assert 'not a CREMA-D clip name' in reasons['notes.mp4']
    assert all(os.path.isabs(p) for p, _ in report.skipped)
    assert sum(report.ignored.values()) == 1
    (tmp_path / 'empty').mkdir()
    with pytest.raises(LayoutError, match='no usable sample'):
        BUILDERS['crema_d'].build(str(tmp_path / 'empty'))


def test_ravdess_uses_full_av_speech_clips_only(tmp_path):
    src = tmp_path / 'src'
    ravdess_tree(src, actors=[1, 5])
    touch(src / 'Actor_01' / '01-01-09-01-01-01-01.mp4')
    report = Report()
    folds = BUILDERS['ravdess'].build(str(src), 6, report)
    test = folds[1]['test']
    assert [s.label for s in sorted(test, key=lambda s: s.video)] == list(
        range(8))
    assert all(os.path.basename(s.video).startswith('01-01-') for s in test)
    assert {s.group for s in folds[2]['test']} == {'05'}
    assert [r for _, r in report.skipped] == [
        'unknown emotion code 09 (expected 01-08)']
    assert sum(report.ignored.values()) == 2 * 8 + 2


def test_mafw_and_dfew_read_the_official_split_files(tmp_path):
    for name in ('mafw', 'dfew'):
        small_tree(name, tmp_path / name)
    report = Report()
    touch(tmp_path / 'dfew' / 'Clip' / 'original' / 'readme.mp4')
    csv = (tmp_path / 'dfew' / 'EmoLabel_DataSplit' /
           'test(single-labeled)' / 'set_2.csv')
    csv.write_text(csv.read_text() + '999,3\n250,8\n')
    folds = BUILDERS['dfew'].build(str(tmp_path / 'dfew'), report=report)
    test = sorted(folds[2]['test'], key=lambda s: s.video)
    assert [(os.path.basename(s.video), s.label) for s in test] == [
        (f'{250 + i:05d}.mp4', i) for i in range(7)]
    reasons = [r for _, r in report.skipped]
    assert any('not a DFEW clip name' in r for r in reasons)
    assert any("label '8' outside 1-7" in r for r in reasons)
    assert any(p == '999' and 'no video' in r for p, r in report.skipped)
    folds = BUILDERS['mafw'].build(str(tmp_path / 'mafw'))
    assert [s.label for s in sorted(folds[3]['test'],
                                    key=lambda s: s.video)] == list(range(11))
    with pytest.raises(ValueError, match='official folds'):
        BUILDERS['mafw'].build(str(tmp_path / 'mafw'), 3)


@pytest.mark.parametrize('name,remove,match', [
    ('mafw', 'Train & Test Set', 'no split folder'),
    ('mafw', 'Train & Test Set/single/no_caption/set_4/test.txt',
     'no split file .*set_4'),
    ('dfew', 'EmoLabel_DataSplit/train(single-labeled)/set_5.csv',
     r'no split file .*set_5\.csv'),
    ('msp_improv', 'Evaluation.txt', 'no label file .*Evaluation.txt'),
    ('iemocap', 'Session1', None),
])
def test_missing_label_files_name_the_path(tmp_path, name, remove, match):
    src = tmp_path / 'src'
    small_tree(name, src)
    target = src / remove
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    if name == 'iemocap':  # one session gone is fine, all gone is not
        assert 1 not in {int(s.group) for s in
                         BUILDERS[name].build(str(src))[1]['train']}
        for s in range(2, 6):
            shutil.rmtree(src / f'Session{s}')
        match = r'no label files .*EmoEvaluation'
    with pytest.raises(LayoutError, match=match):
        BUILDERS[name].build(str(src))


def test_iemocap_labels_merge_excited_into_happiness(tmp_path):
    src = tmp_path / 'src'
    iemocap_tree(src)
    report = Report()
    folds = BUILDERS['iemocap'].build(str(src), report=report)
    test = sorted(folds[2]['test'], key=lambda s: s.video)
    names = [(os.path.basename(s.video), s.label) for s in test]
    # codes in order ang hap exc neu sad fru xxx, twice
    assert names[:5] == [('Ses02F_impro01_F000.mp4', 0),
                         ('Ses02F_impro01_F002.mp4', 1),
                         ('Ses02F_impro01_F004.mp4', 3),
                         ('Ses02F_impro01_F008.mp4', 1),
                         ('Ses02F_impro01_F010.mp4', 2)]
    assert len(test) == 10 and all(
        s.video.startswith('Session2/Ses02F_impro01/') for s in test)
    assert sum(report.ignored.values()) == 5 * 4 and not report.skipped


# ----------------------------------------- preprocessed files and configs
def test_missing_outputs_are_dropped_and_reported(tmp_path):
    src, data = tmp_path / 'src', tmp_path / 'data'
    crema_tree(src, actors=[1001, 1040])
    folds = BUILDERS['crema_d'].build(str(src))
    paths = MediaPaths(str(src), str(data / 'frames'), str(data / 'audio'),
                       str(data))
    with pytest.raises(LayoutError, match='none of the 12 samples'):
        keep_available(folds, paths, Report())
    preprocess(folds, data / 'frames', data / 'audio')
    os.remove(data / 'audio' / 'VideoFlash' / '1040_DFA_SAD_XX.wav')
    shutil.rmtree(data / 'frames' / 'VideoFlash' / '1040_DFA_ANG_XX')
    os.remove(data / 'frames' / 'VideoFlash' / '1001_DFA_HAP_XX' /
              '00001.jpg')
    report = Report()
    kept = keep_available(folds, paths, report)
    assert sum(len(v) for v in kept[1].values()) == 9
    assert sorted((os.path.basename(p), r.split(' (')[0])
                  for p, r in report.skipped) == [
        ('1001_DFA_HAP_XX', 'empty frame folder'),
        ('1040_DFA_ANG_XX', 'no frame folder'),
        ('1040_DFA_SAD_XX.wav', 'no wav')]
    # without a frames root the source videos are listed, absolute when
    # outside the data root
    paths = MediaPaths(str(src), data_root=str(data))
    write_fold_lists(kept, str(data / 'lists'), paths)
    video, audio, label = (data / 'lists' / 'split01_test.csv'
                           ).read_text().split('\n')[0].split()
    assert video == audio == str(src / 'VideoFlash' / '1001_DFA_ANG_XX.flv')


@pytest.mark.parametrize('name', EMOTION)
def test_lists_load_with_the_config_dataset(tmp_path, name):
    builder = BUILDERS[name]
    cfg = Config.fromfile(str(REPO_ROOT / builder.config))
    loader_cfg = cfg.train_dataloader.dataset
    assert tuple(loader_cfg.metainfo.classes) == builder.classes
    src, data = tmp_path / 'src', tmp_path / 'data'
    extra = small_tree(name, src)
    folds = builder.build(str(src))
    media = str(extra.get('clips_root', src))
    preprocess(folds, data / 'frames', data / 'audio')
    paths = MediaPaths(media, str(data / 'frames'), str(data / 'audio'),
                       str(data))
    write_fold_lists(keep_available(folds, paths, Report()),
                     str(data / 'lists'), paths)
    for fold in (1, builder.num_folds):
        for split, samples in folds[fold].items():
            ds_cfg = copy.deepcopy(cfg[f'{split}_dataloader'].dataset)
            ds_cfg.update(data_root=str(data), fold=fold)
            dataset = DATASETS.build(ds_cfg)
            infos = [dataset.get_data_info(i) for i in range(len(dataset))]
            videos = {i['filename']: i['gt_label'] for i in infos}
            assert len(videos) == len(samples)
            assert all(os.path.isdir(v) for v in videos)
            assert all(os.path.isfile(i['audio_filename']) for i in infos)
            assert Counter(videos.values()) == Counter(
                s.label for s in samples)


def test_voxceleb2_list_reuses_the_pretrain_search(tmp_path):
    src, data = tmp_path / 'vox', tmp_path / 'data'
    for spk, yt, n in [('id00012', 'abc', 1), ('id00012', 'abc', 2),
                       ('id00345', 'x_y-z', 7)]:
        touch(src / 'dev' / 'mp4' / spk / yt / f'{n:05d}.mp4')
    touch(src / 'dev' / 'mp4' / 'id00345' / 'notes.txt')
    builder = BUILDERS['voxceleb2']
    samples = builder.collect(str(src))
    tool = load_tool()
    assert main_ok(tool, ['voxceleb2', str(src), '--out', str(src)])
    assert (src / 'pretrain_list.txt').read_text().split() == [
        s.video for s in samples] == [
        'dev/mp4/id00012/abc/00001.mp4', 'dev/mp4/id00012/abc/00002.mp4',
        'dev/mp4/id00345/x_y-z/00007.mp4']
    # wavs from extract_audio.py: one missing is left out
    for s in samples[1:]:
        touch(data / 'audio' / (s.stem + '.wav'))
    assert main_ok(tool, ['voxceleb2', str(src), '--out', str(data),
                          '--audio-root', str(data / 'audio')])
    cfg = Config.fromfile(str(REPO_ROOT / builder.config))
    ds_cfg = dict(cfg.train_dataloader.dataset, data_root=str(data))
    dataset = DATASETS.build(ds_cfg)
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert [os.path.relpath(i['filename'], src) for i in infos] == [
        s.video for s in samples[1:]]
    assert all(os.path.isfile(i['audio_filename']) for i in infos)
    with pytest.raises(LayoutError, match='no folder'):
        builder.collect(str(tmp_path / 'nothing'))
