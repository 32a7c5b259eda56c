"""tools/data/build_lists.py: count tables, reports, errors, IEMOCAP
clip cutting."""
import os

import numpy as np
from av_files import tone, write_wav
from list_layouts import crema_tree, load_tool, preprocess, ravdess_tree, touch

from hicmae.data_prep.list_builders import BUILDERS


# ------------------------------------------------------------------- tool
def test_tool_prints_counts_and_reports(tmp_path, capsys):
    src, data = tmp_path / 'src', tmp_path / 'data' / 'ravdess'
    ravdess_tree(src)
    touch(src / 'Actor_03' / '01-01-11-01-01-01-03.mp4')
    folds = BUILDERS['ravdess'].build(str(src))
    preprocess(folds, data / 'frames', data / 'audio')
    tool = load_tool()
    argv = ['ravdess', str(src), '--frames-root', str(data / 'frames'),
            '--audio-root', str(data / 'audio'), '--out', str(data / 'lists')]
    assert tool.main(argv) == 0
    out, err = capsys.readouterr()
    table = [line.split() for line in out.splitlines()
             if line.split()[:2] in (['1', 'test'], ['6', 'train'])]
    assert table == [['1', 'test', *['4'] * 8, '32'],
                     ['6', 'train', *['20'] * 8, '160']]
    assert 'unknown emotion code 11' in err
    assert 'ignored' in out and '12 lists' in out
    line = (data / 'lists' / 'split01_test.csv').read_text().split('\n')[0]
    assert line == ('frames/Actor_01/01-01-01-01-01-01-01 '
                    'audio/Actor_01/01-01-01-01-01-01-01.wav 0')
    assert (data / 'lists' / 'build_lists_skipped.txt').exists()
    # the sources the preparation tools need, for their --list
    sources = tmp_path / 'sources.txt'
    assert tool.main(['ravdess', str(src), '--out', str(data / 'lists'),
                      '--write-sources', str(sources)]) == 0
    rows = sources.read_text().split()
    assert len(rows) == 192 and rows[0] == 'Actor_01/01-01-01-01-01-01-01.mp4'


def test_tool_errors_name_the_problem(tmp_path, capsys):
    tool = load_tool()
    (tmp_path / 'empty').mkdir()
    assert tool.main(['mafw', str(tmp_path / 'empty'), '--out',
                      str(tmp_path / 'lists')]) == 2
    assert 'no split folder' in capsys.readouterr().err
    assert tool.main(['crema_d', str(tmp_path / 'empty'), '--out',
                      str(tmp_path / 'lists')]) == 2
    assert 'no usable sample under' in capsys.readouterr().err
    crema_tree(tmp_path / 'src', actors=[1001])
    assert tool.main(['crema_d', str(tmp_path / 'src'), '--out',
                      str(tmp_path / 'lists'), '--frames-root',
                      str(tmp_path / 'frames')]) == 2
    assert 'none of the 6 samples is available' in capsys.readouterr().err
    assert tool.main(['iemocap', str(tmp_path / 'src'), '--out',
                      str(tmp_path / 'lists')]) == 2
    assert 'give --clips-root' in capsys.readouterr().err


def test_tool_cuts_iemocap_clips(tmp_path, capsys):
    import av
    import decord
    src, clips = tmp_path / 'IEMOCAP_full_release', tmp_path / 'clips'
    dialogue = src / 'Session1' / 'dialog' / 'avi' / 'DivX'
    dialogue.mkdir(parents=True)
    with av.open(str(dialogue / 'Ses01F_impro01.avi'), 'w') as c:
        stream = c.add_stream('mpeg4', rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, 'yuv420p'
        for i in range(30):  # brightness 8 * frame index
            img = np.full((48, 64, 3), i * 8, np.uint8)
            for p in stream.encode(av.VideoFrame.from_ndarray(img)):
                c.mux(p)
        for p in stream.encode():
            c.mux(p)
    rows = [('F000', 0.5, 1.2, 'neu'), ('M000', 1.0, 2.0, 'exc'),
            ('F001', 5.0, 6.0, 'sad'), ('F002', 0.1, 0.4, 'fru')]
    touch(src / 'Session1' / 'dialog' / 'EmoEvaluation' /
          'Ses01F_impro01.txt').write_text('\n'.join(
              f'[{a:.4f} - {b:.4f}]\tSes01F_impro01_{n}\t{c}\t[2.5, 2.5, 2.5]'
              for n, a, b, c in rows))
    wavs = src / 'Session1' / 'sentences' / 'wav' / 'Ses01F_impro01'
    for n, a, b, _ in rows:
        write_wav(wavs / f'Ses01F_impro01_{n}.wav', tone(b - a))
    tool = load_tool()
    argv = ['iemocap', str(src), '--out', str(tmp_path / 'lists'),
            '--clips-root', str(clips), '--cut-clips']
    assert tool.main(argv) == 0
    assert 'video ends at 2.90 s' in capsys.readouterr().err
    out = clips / 'Session1' / 'Ses01F_impro01'
    assert sorted(os.listdir(out)) == ['Ses01F_impro01_F000.mp4',
                                       'Ses01F_impro01_M000.mp4']
    reader = decord.VideoReader(str(out / 'Ses01F_impro01_M000.mp4'))
    means = [reader[i].asnumpy().mean() for i in range(len(reader))]
    assert len(means) == 10 and abs(means[0] - 80) < 6  # frames 10..19
    audio = decord.AudioReader(str(out / 'Ses01F_impro01_M000.mp4'),
                               sample_rate=16000, mono=True)
    assert abs(audio.shape[1] - 16000) < 2048  # the 1 s wav (+ AAC padding)
    # a re-run keeps the finished clips and redoes a removed one
    stamp = os.path.getmtime(out / 'Ses01F_impro01_M000.mp4')
    os.remove(out / 'Ses01F_impro01_F000.mp4')
    assert tool.main(argv) == 0
    assert os.path.getmtime(out / 'Ses01F_impro01_M000.mp4') == stamp
    assert (out / 'Ses01F_impro01_F000.mp4').stat().st_size > 0
    assert not [n for n in os.listdir(out) if n.startswith('.')]
    # the lists then name the clips (here without preprocessing)
    assert tool.main(['iemocap', str(src), '--out', str(tmp_path / 'lists'),
                      '--clips-root', str(clips)]) == 0
    text = (tmp_path / 'lists' / 'split01_test.csv').read_text()
    # (inside the data root, the parent of --out: relative)
    assert text.split('\n')[0].split() == [
        'clips/Session1/Ses01F_impro01/Ses01F_impro01_F000.mp4'] * 2 + ['2']
