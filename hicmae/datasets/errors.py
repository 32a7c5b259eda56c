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


class NoUsableSampleError(RuntimeError):
    """Every sample drawn from a list failed: the message names the list,
    how many draws and distinct entries failed, and the first reasons.

    It takes one message argument, so a DataLoader worker re-raises it in
    the main process as itself (with the worker's traceback in the text;
    :func:`data_error_line` gets the line back).
    """


# the errors a data worker's traceback may end in that name a file
_DATA_ERRORS = ('NoUsableSampleError', 'BadSampleError')


def data_error_line(err: BaseException):
    """The one-line message of a data error (:class:`NoUsableSampleError`
    or :class:`BadSampleError`), raised here or in a DataLoader worker;
    ``None`` for any other error."""
    text = str(err)
    if isinstance(err, BadSampleError) or (
            isinstance(err, NoUsableSampleError) and
            'DataLoader worker' not in text):
        return ' '.join(text.split())
    if not isinstance(err, RuntimeError) or 'DataLoader worker' not in text:
        return None
    # a worker's error comes back as its traceback: the last line names it
    for line in reversed(text.strip().splitlines()):
        for name in _DATA_ERRORS:
            marker = f'{__name__}.{name}: '
            if line.startswith(marker):
                return line[len(marker):].strip()
    return None
