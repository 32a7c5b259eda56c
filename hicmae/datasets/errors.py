"""The error every loading step raises for a sample it cannot use."""


class BadSampleError(RuntimeError):
    """A sample that cannot be loaded; the message names the file and why.

    Datasets catch it: with ``on_bad_sample='skip'`` they log the file, draw
    another sample and keep going; with ``'raise'`` it propagates.
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f'{self.path}: {reason}')
