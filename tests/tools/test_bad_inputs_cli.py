"""Twenty-odd mistakes a new user makes with their own data: each gets one
clean line naming the input (no traceback, no library-internal paths) and
the documented exit status (hicmae.apis.exit_codes, docs/inference.md)."""
import pytest
import torch
from av_files import frames, tone, touch_empty, write_mp4, write_wav
from conftest import SMALL_RECOGNIZER, SYNTHETIC_FT_CONFIG
from tool_loader import REPO_ROOT, load_tool

from hicmae.apis import exit_codes as ec

FT = SYNTHETIC_FT_CONFIG
PRE = FT.replace('finetune', 'pretrain')
SMALL = [f'{k}={v}' for k, v in SMALL_RECOGNIZER.items()]
LEAKS = ('Traceback', '/github/', '.cc:', 'site-packages', 'DECORDError')


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp('bad')
    good = write_mp4(root / 'good.mp4', frames(40, size=64), audio=tone(1.6))
    (root / 'empty_dir').mkdir()
    (root / 'text.mp4').write_text('not a video\n' * 40)
    (root / 'photo.jpg').write_bytes(b'\xff\xd8\xff\xe0' + b'0' * 64)
    frames_dir = root / 'frames_only'
    frames_dir.mkdir()
    (frames_dir / 'img_00001.jpg').write_bytes(b'\xff\xd8\xff')
    (root / 'features').mkdir()
    (root / 'features' / 'meta.json').write_text('{}')
    (root / 'ckpt.txt').write_text('not a checkpoint')
    return dict(root=root, good=str(good),
                wav=str(write_wav(root / 'voice.wav', tone(1.0))),
                empty=str(touch_empty(root / 'empty.mp4')),
                text=str(root / 'text.mp4'), photo=str(root / 'photo.jpg'),
                empty_dir=str(root / 'empty_dir'),
                frames_dir=str(frames_dir),
                features=str(root / 'features'),
                bad_ckpt=str(root / 'ckpt.txt'))


def inference(ckpt, *args, config=FT, small=True):
    return ('inference.py', [*args, '--config', config, '--checkpoint', ckpt,
                             '--device', 'cpu', '--no-face-crop',
                             *(['--cfg-options', *SMALL] if small else [])])


def features(ckpt, out, *args):
    return ('extract_features.py', [*args, '--config', FT, '--checkpoint',
                                    ckpt, '--out', out, '--device', 'cpu',
                                    '--num-workers', '0', '--cfg-options',
                                    *SMALL])


# (case, builder of (tool, argv) from the files and checkpoint, status,
#  words the line must hold)
CASES = [
    ('missing video', lambda f, c: inference(c, f['root'] / 'nope.mp4'),
     ec.NONE_WORKED, 'file not found'),
    ('wav as video', lambda f, c: inference(c, f['wav']), ec.NONE_WORKED,
     'no video stream'),
    ('empty file', lambda f, c: inference(c, f['empty']), ec.NONE_WORKED,
     'empty file'),
    ('text named .mp4', lambda f, c: inference(c, f['text']),
     ec.NONE_WORKED, 'not a video file'),
    ('image as video', lambda f, c: inference(c, f['photo']),
     ec.NONE_WORKED, 'single image'),
    ('frame folder without wav', lambda f, c: inference(c, f['frames_dir']),
     ec.NONE_WORKED, 'give its wav with --audio'),
    ('folder without clips', lambda f, c: inference(c, f['empty_dir']),
     ec.USAGE, 'neither frames'),
    ('glob matching nothing', lambda f, c: inference(
        c, str(f['root'] / '*.avi')), ec.USAGE, 'matches no file'),
    ('--out in a missing folder', lambda f, c: inference(
        c, f['good'], '--out', str(f['root'] / 'no' / 'r.json')), ec.USAGE,
     'does not exist'),
    ('--audio count', lambda f, c: inference(
        c, f['good'], '--audio', f['wav'], f['wav']), ec.USAGE,
     '--audio files'),
    ('--topk out of range', lambda f, c: inference(
        c, f['good'], '--topk', '9'), ec.USAGE, 'out of range'),
    ('missing config', lambda f, c: inference(
        c, f['good'], config=str(f['root'] / 'cfg.py')), ec.USAGE,
     'config not found'),
    ('missing checkpoint', lambda f, c: inference(
        str(f['root'] / 'none.pth'), f['good']), ec.SETUP_FAILED,
     'checkpoint not found'),
    ('corrupt checkpoint', lambda f, c: inference(f['bad_ckpt'], f['good']),
     ec.SETUP_FAILED, 'ckpt.txt'),
    ('fine-tuned checkpoint, pre-training config', lambda f, c: inference(
        c, f['good'], config=PRE, small=False), ec.SETUP_FAILED,
     'is a fine-tuned checkpoint'),
    ('checkpoint of another size', lambda f, c: inference(
        c, f['good'], small=False), ec.SETUP_FAILED, 'does not fit'),
    ('misspelt --cfg-options key', lambda f, c: inference(
        c, f['good'], '--cfg-options', 'model.head.num_clases=6'),
     ec.SETUP_FAILED, 'did you mean `num_classes`'),
    ('features over an earlier run', lambda f, c: features(
        c, f['features'], f['good']), ec.USAGE, '--overwrite'),
    ('features of a wav', lambda f, c: features(
        c, str(f['root'] / 'fw'), f['wav']), ec.NONE_WORKED,
     'no video stream'),
    ('features, one of two bad', lambda f, c: features(
        c, str(f['root'] / 'fs'), f['good'], f['empty'], '--no-face-crop'),
     ec.SOME_FAILED, 'empty file'),
    ('crop_faces on a missing folder', lambda f, c: (
        'data/crop_faces.py', [str(f['root'] / 'none'),
                               str(f['root'] / 'o')]), ec.USAGE,
     'no folder'),
]


@pytest.mark.parametrize('case,build,status,words', CASES,
                         ids=[c[0] for c in CASES])
def test_bad_input_is_one_clean_line(case, build, status, words, files,
                                     checkpoint, capfd, monkeypatch):
    tool, argv = build(files, checkpoint)
    if tool.startswith('data/'):
        monkeypatch.syspath_prepend(str(REPO_ROOT / 'tools' / 'data'))
    code = load_tool(tool).main([str(a) for a in argv])
    err = capfd.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == status, err
    named = [line for line in lines if words in line]
    assert len(named) == 1, err
    assert not any(leak in err for leak in LEAKS), err
    # the line naming the input, plus at most the run's summary line
    assert len(lines) <= 2, err


def test_cuda_without_gpu(files, checkpoint, capfd, monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    tool, argv = inference(checkpoint, files['good'])
    argv[argv.index('cpu')] = 'cuda'
    assert load_tool(tool).main(argv) == ec.USAGE
    lines = capfd.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and 'no CUDA GPU' in lines[0]
    assert checkpoint not in lines[0]


def test_train_misspelt_key_and_bad_list(tmp_path, capfd):
    train = load_tool('train.py')
    with pytest.raises(SystemExit) as info:
        train.main([FT, '--cfg-options', 'train_cfg.max_epoch=1'])
    assert 'did you mean `max_epochs`' in str(info.value)
    assert '\n' not in str(info.value)
    (tmp_path / 'c0').mkdir()
    (tmp_path / 'c0.wav').write_bytes(b'')
    (tmp_path / 'l.txt').write_text('c0 c0.wav 9\n')
    opts = ['model.init_cfg=None']
    for split in ('train', 'val'):
        opts += [f'{split}_dataloader.dataset.data_root={tmp_path}',
                 f'{split}_dataloader.dataset.ann_file=l.txt']
    with pytest.raises(SystemExit) as info:
        train.main([FT, '--cfg-options', *opts])
    assert 'l.txt:1: label 9' in str(info.value)
    assert '\n' not in str(info.value)
