"""A data failure during a run, shown as one line.

A list whose samples all fail once the run is under way (the start-up
probe passed, or a worker hit a broken stretch) ends in
:class:`hicmae.datasets.NoUsableSampleError`, or in a sample's
:class:`hicmae.datasets.BadSampleError` where bad samples are not skipped.
Raised in a DataLoader worker, it reaches the tool wrapped in the worker's
traceback. :func:`data_errors_as_one_line` turns it into ``error: <the
message>`` on stderr (exit status 1) and keeps the full traceback in the
run's log file. Nothing is written on the way out: checkpoints already
saved stay as they are.
"""
import logging
import traceback
from contextlib import contextmanager
from typing import Iterator


def log_to_file_only(text: str) -> None:
    """``text`` into the current MMEngine logger's log file(s), not onto
    the console."""
    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    record = logger.makeRecord(logger.name, logging.ERROR, __file__, 0,
                               text, None, None)
    for handler in logger.handlers:
        if isinstance(handler, logging.FileHandler):
            handler.handle(record)


@contextmanager
def data_errors_as_one_line() -> Iterator[None]:
    """Exit with ``error: <message>`` on a data error (see the module's
    text); any other error propagates unchanged."""
    from hicmae.datasets.errors import data_error_line
    try:
        yield
    except Exception as err:
        line = data_error_line(err)
        if line is None:
            raise
        log_to_file_only(''.join(traceback.format_exception(err)))
        raise SystemExit(f'error: {line}') from None
