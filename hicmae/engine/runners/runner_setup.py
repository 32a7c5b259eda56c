"""What both runners do when they are built, whichever MMEngine runner they
extend."""
from .loader_configs import complete_loader_configs


class RunnerSetupMixin:
    """Completes the dataloader configs before MMEngine builds anything
    (:mod:`.loader_configs`) and keeps the console short: the environment,
    config and hook dumps go to the log file only. Listed before MMEngine's
    runner among the bases."""

    def __init__(self, *args, **kwargs) -> None:
        complete_loader_configs(kwargs)
        super().__init__(*args, **kwargs)

    def build_logger(self, *args, **kwargs):
        logger = super().build_logger(*args, **kwargs)
        from ..launch.console import keep_console_short
        keep_console_short(logger)
        return logger
