"""Keep a list of the samples a run skipped, and report their count."""
import os.path as osp

from mmengine.hooks import Hook

from hicmae.registry import HOOKS


def _datasets(dataset):
    """The list datasets inside (possibly wrapped) datasets."""
    if hasattr(dataset, 'set_bad_sample_log'):
        yield dataset
    for attr in ('dataset', 'datasets'):
        inner = getattr(dataset, attr, None)
        if inner is None:
            continue
        for d in inner if isinstance(inner, (list, tuple)) else [inner]:
            yield from _datasets(d)


@HOOKS.register_module()
class BadSampleLogHook(Hook):
    """Points the datasets' bad-sample log at ``work_dir/<filename>``.

    Datasets in ``on_bad_sample='skip'`` mode append every file they skip
    (with the reason) to it, from every data worker and rank; after each
    epoch this hook logs how many lines it holds.

    Args:
        filename: name of the log inside the work dir.
    """

    priority = 'VERY_HIGH'

    def __init__(self, filename: str = 'bad_samples.txt') -> None:
        self.filename = filename

    def _path(self, runner) -> str:
        return osp.join(runner.work_dir, self.filename)

    def _attach(self, runner, loader) -> None:
        dataset = getattr(loader, 'dataset', None)
        for d in _datasets(dataset):
            d.set_bad_sample_log(self._path(runner))

    def before_train(self, runner) -> None:
        self._attach(runner, runner.train_dataloader)

    def before_val(self, runner) -> None:
        self._attach(runner, runner.val_dataloader)

    def before_test(self, runner) -> None:
        self._attach(runner, runner.test_dataloader)

    def after_train_epoch(self, runner) -> None:
        path = self._path(runner)
        if not osp.exists(path):
            return
        with open(path) as f:
            count = sum(1 for _ in f)
        runner.logger.warning(f'{count} bad sample(s) skipped so far; '
                              f'the list is in {path}')
