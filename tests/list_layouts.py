"""Fake original layouts of the emotion benchmarks (trees of empty files
and small label files) for the list-builder tests."""
import importlib.util
from pathlib import Path

from hicmae.data_prep.list_builders import BUILDERS

REPO_ROOT = Path(__file__).resolve().parents[1]


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    return path


def main_ok(tool, argv) -> bool:
    return tool.main(argv) == 0


def load_tool():
    path = REPO_ROOT / 'tools' / 'data' / 'build_lists.py'
    spec = importlib.util.spec_from_file_location('build_lists', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------ fake layouts
def crema_tree(root: Path, actors=range(1001, 1092),
               emotions=('ANG', 'DIS', 'FEA', 'HAP', 'NEU', 'SAD')):
    for a in actors:
        for e in emotions:
            touch(root / 'VideoFlash' / f'{a}_DFA_{e}_XX.flv')


def ravdess_tree(root: Path, actors=range(1, 25)):
    for a in actors:
        for e in range(1, 9):
            for modality in ('01', '02'):
                touch(root / f'Actor_{a:02d}' /
                      f'{modality}-01-{e:02d}-01-01-01-{a:02d}.mp4')
        touch(root / f'Actor_{a:02d}' / f'01-02-01-01-01-01-{a:02d}.mp4')


def msp_tree(root: Path, rows, extra_lines=()):
    """``rows``: ``[(name, consensus letter)]``; Evaluation.txt at the root
    with a rater line after each utterance line."""
    lines = []
    for name, code in rows:
        _, _, sentence, speaker, scenario, _ = name.split('-')
        touch(root / f'session{int(speaker[1:])}' / sentence / scenario /
              f'{name}.avi')
        lines += [f'UTD-IMPROV-{name[11:]}.avi; {code}; A:3.0; V:3.0; '
                  'D:3.0 ; N:5.0;', 'rater1; Angry; ; A:3.0; V:3.0; D:3.0; '
                  'N:5.0;', '']
    (root / 'Evaluation.txt').write_text('\n'.join([*lines, *extra_lines]))


def mafw_tree(root: Path, sets):
    """``sets``: ``{k: {'train'|'test': [(clip number, emotion word)]}}``."""
    split_dir = root / 'Train & Test Set' / 'single' / 'no_caption'
    for k, splits in sets.items():
        for split, rows in splits.items():
            path = touch(split_dir / f'set_{k}' / f'{split}.txt')
            path.write_text(''.join(f'{n}.mp4 {w}\n' for n, w in rows))
            for n, _ in rows:
                touch(root / 'data' / 'clips' / f'{n}.mp4')


def dfew_tree(root: Path, sets):
    """``sets``: ``{k: {'train'|'test': [(clip number, label 1-7)]}}``."""
    for k, splits in sets.items():
        for split, rows in splits.items():
            path = touch(root / 'EmoLabel_DataSplit' /
                         f'{split}(single-labeled)' / f'set_{k}.csv')
            path.write_text('video_name,label\n' + ''.join(
                f'{n},{lab}\n' for n, lab in rows))
            for n, _ in rows:
                touch(root / 'Clip' / 'original' / f'{n:05d}.mp4')


IEMOCAP_CODES = ('ang', 'hap', 'exc', 'neu', 'sad', 'fru', 'xxx')


def iemocap_tree(root: Path):
    """Two utterances per label per session, in one dialogue each."""
    for s in range(1, 6):
        dialogue = f'Ses{s:02d}F_impro01'
        lines = ['% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]', '']
        for i, code in enumerate(IEMOCAP_CODES * 2):
            who = 'FM'[i % 2]
            lines += [f'[{i:.4f} - {i + 0.5:.4f}]\t{dialogue}_{who}{i:03d}\t'
                      f'{code}\t[2.5000, 3.0000, 3.5000]', 'C-E1:\tAnger;\t()',
                      '']
        touch(root / f'Session{s}' / 'dialog' / 'EmoEvaluation' /
              f'{dialogue}.txt').write_text('\n'.join(lines))


def preprocess(folds, frames: Path, audio: Path):
    """What crop_faces.py / extract_audio.py would leave."""
    for splits in folds.values():
        for samples in splits.values():
            for s in samples:
                touch(frames / s.stem / '00001.jpg')
                touch(audio / (s.stem + '.wav'))


def small_tree(name: str, root: Path) -> dict:
    """A small layout of every emotion dataset; returns extra build args."""
    if name == 'crema_d':
        crema_tree(root, emotions=('ANG', 'SAD'))
    elif name == 'ravdess':
        ravdess_tree(root)
    elif name == 'msp_improv':
        msp_tree(root, [(f'MSP-IMPROV-S01{c}-{g}{s:02d}-P-FM01', c)
                        for s in range(1, 7) for g in 'FM'
                        for c in 'AHNS'])
    elif name == 'mafw':
        words = BUILDERS['mafw'].classes
        mafw_tree(root, {k: dict(train=[(f'{k}{i:04d}', words[i % 11])
                                        for i in range(22)],
                                 test=[(f'{k}9{i:03d}', words[i])
                                       for i in range(11)])
                         for k in range(1, 6)})
    elif name == 'dfew':
        dfew_tree(root, {k: dict(train=[(k * 100 + i, i % 7 + 1)
                                        for i in range(14)],
                                 test=[(k * 100 + 50 + i, i + 1)
                                       for i in range(7)])
                         for k in range(1, 6)})
    elif name == 'iemocap':
        iemocap_tree(root)
        return dict(clips_root=root.parent / 'clips')
    return {}
