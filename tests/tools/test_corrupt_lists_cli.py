"""Issue 21 through the tools: a list whose files exist but none decodes
is one line (list, entries tried, first reasons) and exit status 1, at
start-up or from a data worker; a list with some corrupt entries still
trains; the analysis tools check config keys as tools/train.py does."""
import json

import pytest
from conftest import SYNTHETIC_FT_CONFIG
from corrupt_lists import corrupt_root, write_corrupt, write_good, write_list
from tool_loader import load_tool

FT = SYNTHETIC_FT_CONFIG
SMALL = ['model.init_cfg=None', 'model.video_encoder.depth=2',
         'model.audio_encoder.depth=2']


def _data_opts(root, train='lists/all_bad.txt', val=None, workers=0):
    opts = []
    for split, ann in (('train', train), ('val', val or train)):
        opts += [f'{split}_dataloader.dataset.data_root={root}',
                 f'{split}_dataloader.dataset.ann_file={ann}',
                 f'{split}_dataloader.num_workers={workers}',
                 f'{split}_dataloader.persistent_workers=False',
                 f'{split}_dataloader.batch_size=2']
    return opts


def _one_line(info) -> str:
    msg = str(info.value)
    assert msg.startswith('error: ') and '\n' not in msg, msg
    return msg


def test_train_stops_at_start_on_a_corrupt_list(tmp_path, monkeypatch,
                                                capfd):
    root = corrupt_root(tmp_path / 'data')
    train = load_tool('train.py')

    def built(cfg):
        raise AssertionError('the runner was built')

    monkeypatch.setattr(train, 'build_runner', built)
    with pytest.raises(SystemExit) as info:
        train.main([FT, '--work-dir', str(tmp_path / 'w'), '--cfg-options',
                    *SMALL, *_data_opts(root)])
    msg = _one_line(info)
    assert f'{root}/lists/all_bad.txt: none of the 6 entries tried' in msg
    assert f'{root}/bad0.mp4: cannot decode video' in msg
    err = capfd.readouterr().err
    assert 'Traceback' not in err and '/github/' not in err


def test_test_tool_stops_at_start_on_a_corrupt_list(tmp_path, capfd):
    root = corrupt_root(tmp_path / 'data')
    ckpt = tmp_path / 'any.pth'
    ckpt.write_bytes(b'never loaded')
    opts = [f'test_dataloader.dataset.data_root={root}',
            'test_dataloader.dataset.ann_file=lists/all_bad.txt']
    with pytest.raises(SystemExit) as info:
        load_tool('test.py').main([FT, str(ckpt), '--work-dir',
                                   str(tmp_path / 'w'), '--cfg-options',
                                   *opts])
    msg = _one_line(info)
    assert f'{root}/lists/all_bad.txt: none of the 6 entries tried' in msg
    assert 'Traceback' not in capfd.readouterr().err


@pytest.mark.slow
def test_worker_failure_is_one_line_and_the_log_has_the_traceback(
        tmp_path, monkeypatch, capfd):
    # the probe passed (here: switched off), the data workers find nothing
    from hicmae.engine.launch import config_checks
    monkeypatch.setattr(config_checks, 'probe_lists', lambda *a: None,
                        raising=False)  # (absent before the probe)
    root = corrupt_root(tmp_path / 'data')
    work = tmp_path / 'w'
    work.mkdir()
    earlier = work / 'epoch_1.pth'  # a checkpoint of an earlier run
    earlier.write_bytes(b'saved before')
    with pytest.raises(SystemExit) as info:
        load_tool('train.py').main([
            FT, '--work-dir', str(work), '--cfg-options', *SMALL,
            *_data_opts(root, workers=1)])
    msg = _one_line(info)
    assert f'{root}/lists/all_bad.txt: no usable sample in' in msg
    assert 'distinct entries of 6 failed' in msg
    out = capfd.readouterr()
    assert 'Traceback' not in out.err and 'Traceback' not in out.out
    logs = list(work.glob('*/*.log'))
    assert len(logs) == 1
    log = logs[0].read_text()
    assert 'Traceback' in log and 'DataLoader worker' in log
    assert earlier.read_bytes() == b'saved before'


@pytest.mark.slow
def test_list_with_some_corrupt_entries_still_trains(tmp_path, capfd):
    root = tmp_path / 'data'
    root.mkdir()
    good = [write_good(root, f'good{i}', seed=i) for i in range(5)]
    bad = write_corrupt(root, 'garbage mp4', 'bad')
    write_list(root / 'lists' / 'train.txt', [bad, *good])
    write_list(root / 'lists' / 'val.txt', good[:2])
    work = tmp_path / 'w'
    load_tool('train.py').main([
        FT, '--work-dir', str(work), '--cfg-options', *SMALL,
        *_data_opts(root, 'lists/train.txt', 'lists/val.txt'),
        'train_cfg.max_epochs=1'])
    assert (work / 'epoch_1.pth').is_file()
    out = capfd.readouterr()
    assert f'skipping bad sample {root}/bad.mp4: cannot decode video' in \
        out.out + out.err


def test_plot_confusion_matrix_checks_config_keys(tmp_path, capfd):
    metrics = tmp_path / 'test_metrics.json'
    metrics.write_text(json.dumps(dict(confusion_matrix=[[1, 0], [0, 1]])))
    tool = load_tool('analysis/plot_confusion_matrix.py')
    with pytest.raises(SystemExit) as info:
        tool.main([str(metrics), FT, '--cfg-options',
                   'test_dataloader.datset.ann_file=x'])
    msg = _one_line(info)
    assert 'unknown config key `test_dataloader.datset`' in msg
    assert 'did you mean `dataset`' in msg
    assert not (tmp_path / 'confusion_matrix.png').exists()
    # a known key is applied: the classes come from the override
    assert tool.main([str(metrics), FT, '--cfg-options',
                      'test_dataloader.dataset.metainfo.classes=[a,b]']) == 0
    assert (tmp_path / 'confusion_matrix.png').is_file()


def test_gpu_check_checks_config_keys_before_any_step(tmp_path,
                                                      monkeypatch):
    tool = load_tool('analysis/gpu_check.py')

    def step(*args):
        raise AssertionError('a step ran')

    monkeypatch.setattr(tool, '_step', step)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        tool.main(['--device', 'cpu', '--quick', '--work-dir',
                   str(tmp_path / 'g'), '--cfg-options',
                   'optim_wrapper.optimizer.lrr=1'])
    msg = _one_line(info)
    assert 'unknown config key `optim_wrapper.optimizer.lrr`' in msg
    assert 'did you mean `lr`' in msg
    assert not (tmp_path / 'g' / 'gpu_check.json').exists()
