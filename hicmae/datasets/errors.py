"""The error every loading step raises for a sample it cannot use."""
import re


class BadSampleError(RuntimeError):
    """A sample that cannot be loaded; the message names the file and why.

    Datasets catch it: with ``on_bad_sample='skip'`` they log the file, draw
    another sample and keep going; with ``'raise'`` it propagates.
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f'{self.path}: {reason}')


def clean_reason(text: str) -> str:
    """A library's message without its build paths, timestamps and log
    prefixes (decord: ``[08:51:03] /github/workspace/src/video/
    video_reader.cc:151: Check failed: ... ERROR cannot find ...``), on one
    line."""
    text = ' '.join(str(text).split())
    text = re.sub(r'\[\d\d:\d\d:\d\d\]\s*', '', text)
    text = re.sub(r'(/[\w.+-]+)+\.(cc|cpp|c|h|hpp|cu)(:\d+)?:?\s*', '', text)
    text = re.sub(r'Check failed: .*?(?=ERROR|$)', '', text)
    text = re.sub(r'^ERROR\s*', '', text.strip())
    return text.strip() or 'unreadable'
