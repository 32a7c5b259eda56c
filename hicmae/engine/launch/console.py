"""What a training run shows on the console: a short header instead of
MMEngine's set-up dumps, which stay in the log file.

MMEngine logs the whole environment, the whole config and the hook order
and one line per parameter group option (hundreds of lines for a recipe)
before the first iteration, on the console as
in ``<work_dir>/<timestamp>/<timestamp>.log``. :func:`keep_console_short`
filters those records out of the console handler only;
:func:`run_header` gives the lines a person needs instead.
"""
import logging
from typing import List

# set-up dumps that only the log file keeps (message beginnings, after the
# leading dashes and newlines MMEngine puts before the environment)
LOG_FILE_ONLY = ('System environment:', 'Config:',
                 'Hooks will be executed in the following order',
                 'paramwise_options -- ', 'Distributed training is not used')


class SetupDumpFilter(logging.Filter):
    """Drops MMEngine's set-up dumps (:data:`LOG_FILE_ONLY`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg).lstrip('\n-')
        return not message.startswith(LOG_FILE_ONLY)


def keep_console_short(logger: logging.Logger) -> None:
    """Attach :class:`SetupDumpFilter` to ``logger``'s console handlers
    (file handlers keep everything)."""
    for handler in logger.handlers:
        if isinstance(handler, logging.FileHandler) or \
                not isinstance(handler, logging.StreamHandler):
            continue
        if not any(isinstance(f, SetupDumpFilter) for f in handler.filters):
            handler.addFilter(SetupDumpFilter())


def _size(loop_or_loader) -> str:
    try:
        loader = getattr(loop_or_loader, 'dataloader', loop_or_loader)
        return f'{len(loader.dataset)} clips, {len(loader)} batches'
    except Exception:  # a dataset without a length (shard streams)
        return 'streamed'


def precision(cfg, device: str) -> str:
    """The optimiser wrapper's arithmetic on ``device``, in words."""
    wrapper = cfg.get('optim_wrapper') or {}
    kind = wrapper.get('type', 'OptimWrapper')
    if kind not in ('AmpOptimWrapper', 'MixedPrecisionOptimWrapper'):
        return f'float32 ({kind})'
    dtype = wrapper.get('dtype') or 'float16'
    if isinstance(dtype, dict):  # per device type (MixedPrecision...)
        dtype = dtype.get(device.split(':')[0], 'float16')
    return f'mixed {dtype} ({kind})'


def run_header(runner, cfg, config: str) -> List[str]:
    """Config, work dir, data sizes, device and precision of a run, and
    where the full log is. Builds the train loop (and its data loader),
    which the runner then reuses."""
    lines = [f'config     {config}', f'work dir   {cfg.work_dir}']
    lines.append(f'train      {_size(runner.train_loop)}')
    if cfg.get('val_dataloader') and cfg.get('val_cfg'):
        lines.append(f'val        {_size(runner.val_loop)}')
    from mmengine.device import get_device
    device = get_device()  # where the runner puts the model
    world = runner.world_size
    lines.append(f'device     {device}' + (f' x {world} processes'
                                           if world > 1 else ''))
    lines.append(f'precision  {precision(cfg, str(device))}')
    lines.append(f'full log   {runner.log_dir}/{runner.timestamp}.log '
                 '(environment, config, hooks)')
    return lines
