"""Emotion metrics: functional values against independent computations,
multi-view averaging, metric keys, registry builds, distributed padding."""
import subprocess
import sys
from itertools import chain, zip_longest
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.stats import pearsonr

from hicmae.evaluation import functional as F
from hicmae.structures import AVDataSample


def ref_confusion(pred, gt, k):
    pairs = list(zip(gt, pred))
    return np.array([[pairs.count((i, j)) for j in range(k)]
                     for i in range(k)])


def ref_uar(pred, gt):
    recalls = [sum(p == c for p, g in zip(pred, gt) if g == c) / gt.count(c)
               for c in set(gt)]
    return sum(recalls) / len(recalls)


def ref_f1(pred, gt):
    """sklearn semantics: labels = union of gt and pred, zero_division=0."""
    pairs, f1s, supports = list(zip(pred, gt)), [], []
    for c in sorted(set(gt) | set(pred)):
        tp = pairs.count((c, c))
        prec = tp / pred.count(c) if c in pred else 0.0
        rec = tp / gt.count(c) if c in gt else 0.0
        f1s.append(2 * prec * rec / (prec + rec) if tp else 0.0)
        supports.append(gt.count(c))
    weighted = sum(f * s for f, s in zip(f1s, supports)) / sum(supports)
    return weighted, sum(f1s) / len(f1s)


def ref_ccc(x, y):
    """The authors' cal_ccc: unbiased np.cov moments."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    cov = np.cov(x, y)
    return 2 * cov[0, 1] / (cov[0, 0] + cov[1, 1] + (x.mean() - y.mean()) ** 2)


def test_classification_hand_example():
    # class 2 is never predicted; class 3 occurs nowhere
    gt, pred = [0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 1, 0]
    assert F.war(pred, gt) == pytest.approx(4 / 6)
    assert F.uar(pred, gt, 4) == pytest.approx((2 / 3 + 1 + 0) / 3)
    weighted, macro = F.f1_scores(pred, gt, 4)
    # F1: class 0 = 2/3, class 1 = 0.8, class 2 = 0 (supports 3, 2, 1)
    assert weighted == pytest.approx((2 / 3 * 3 + 0.8 * 2) / 6)
    assert macro == pytest.approx((2 / 3 + 0.8) / 3)
    np.testing.assert_array_equal(F.confusion_matrix(pred, gt, 4), [
        [2, 1, 0, 0], [0, 2, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]])
    recall = F.per_class_recall(pred, gt, 4)
    np.testing.assert_allclose(recall[:3], [2 / 3, 1, 0])
    assert np.isnan(recall[3])
    for bad in (lambda: F.confusion_matrix([0, 3], [0, 1], 3),
                lambda: F.war([0, 1], [0]), lambda: F.war([], [])):
        with pytest.raises(ValueError):
            bad()


def test_uar_skips_class_absent_from_gt():
    # class 2 is predicted once but never true: no recall, out of the mean;
    # it still enters macro F1 (as sklearn's default labels do)
    gt, pred = [0, 0, 1, 1], [0, 2, 1, 1]
    assert F.uar(pred, gt, 3) == pytest.approx((0.5 + 1.0) / 2)
    weighted, macro = F.f1_scores(pred, gt, 3)
    assert macro == pytest.approx((2 / 3 + 1 + 0) / 3)
    assert weighted == pytest.approx((2 / 3 * 2 + 1 * 2) / 4)


@pytest.mark.parametrize('seed', range(6))
def test_classification_matches_loops(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 8))
    n = int(rng.integers(1, 60))
    # subsets of the classes, so some go missing from gt or pred
    gt, pred = rng.integers(0, k - 1, n).tolist(), rng.integers(
        seed % 2, k, n).tolist()
    np.testing.assert_array_equal(F.confusion_matrix(pred, gt, k),
                                  ref_confusion(pred, gt, k))
    assert F.war(pred, gt) == pytest.approx(
        sum(p == g for p, g in zip(pred, gt)) / n)
    assert F.uar(pred, gt, k) == pytest.approx(ref_uar(pred, gt))
    assert F.f1_scores(pred, gt, k) == pytest.approx(ref_f1(pred, gt))


def test_ccc_cases():
    x = np.array([0.1, -0.4, 0.3, 0.9, -0.2])
    assert F.ccc(x, x) == pytest.approx(1.0)  # perfect
    assert F.ccc(np.full(5, 0.2), x) == pytest.approx(0.0)  # constant
    assert F.ccc(np.full(3, 0.5), np.full(3, 0.5)) == 1.0
    assert F.ccc(np.full(3, 0.5), np.full(3, 0.1)) == 0.0
    # hand, unbiased as the authors: means 2 and 4, variances 1 and 4,
    # covariance 2 (the population moments would give 8 / 22)
    assert F.ccc([1, 2, 3], [2, 4, 6]) == pytest.approx(4 / 9)
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=50), rng.normal(size=50) + 0.3
    assert F.ccc(a, b) == pytest.approx(ref_ccc(a.tolist(), b.tolist()))
    # a shifted copy correlates perfectly but is not concordant
    assert F.pcc(x + 1, x) == pytest.approx(1.0)
    assert F.ccc(x + 1, x) < 1.0


def test_pcc_and_mse():
    rng = np.random.default_rng(1)
    for _ in range(4):
        a = rng.normal(size=30)
        b = rng.normal(size=30) + 0.5 * a
        assert F.pcc(a, b) == pytest.approx(pearsonr(a, b)[0])
        assert F.mse(a, b) == pytest.approx(
            sum((p - g) ** 2 for p, g in zip(a, b)) / len(a))
    assert F.pcc(np.ones(4), np.arange(4.0)) == 0.0  # undefined -> 0
    assert F.mse([1.0, 2.0], [1.0, 4.0]) == pytest.approx(2.0)


def test_group_helpers():
    ids, first = F.group_ids([5, None, 5, 2, None])
    np.testing.assert_array_equal(ids, [0, 1, 0, 2, 3])
    np.testing.assert_array_equal(first, [0, 1, 3, 4])
    means = F.group_mean([[1.0], [2.0], [3.0], [4.0], [5.0]], ids)
    np.testing.assert_allclose(means, [[2.0], [2.0], [4.0], [5.0]])


def make_sample(pred, gt, video_idx=None, as_dict=False, reg=False):
    """A predicted AVDataSample (or its ``to_dict()``, as the Evaluator
    passes it); ``reg=True`` makes a regression sample."""
    sample = AVDataSample()
    getattr(sample, 'set_gt_value' if reg else 'set_gt_label')(gt)
    sample.set_field(torch.tensor(pred, dtype=torch.float32),
                     'pred_value' if reg else 'pred_score')
    if video_idx is not None:
        sample.set_metainfo(dict(video_idx=video_idx, temporal_view=0))
    return sample.to_dict() if as_dict else sample


def build(cfg):
    from hicmae.registry import METRICS
    return METRICS.build(cfg)


def run_metric(cfg, samples):
    metric = build(cfg)
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def test_view_averaging_beats_majority_vote():
    # two of three views vote class 1, the averaged scores pick class 0
    views = [[0.4, 0.6, 0.0], [0.4, 0.6, 0.0], [0.9, 0.1, 0.0]]
    samples = [make_sample(s, 0, video_idx=0) for s in views]
    samples.append(make_sample([0.1, 0.2, 0.7], 2, video_idx=1))
    out = run_metric(dict(type='AVClsMetric'), samples)
    assert out['WAR'] == pytest.approx(100.0)
    out = run_metric(dict(type='AVClsMetric', average_views=False), samples)
    assert out['WAR'] == pytest.approx(50.0)


def test_cls_metric_keys_and_values():
    gt, pred = [0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 1, 0]
    samples = [make_sample(np.eye(4)[p] * 0.7 + 0.075, g, as_dict=i % 2)
               for i, (p, g) in enumerate(zip(pred, gt))]
    out = run_metric(dict(type='AVClsMetric', num_classes=4,
                          with_per_class=True, with_confusion=True), samples)
    assert set(out) == {'WAR', 'UAR', 'weighted_F1', 'macro_F1',
                        'per_class_recall', 'confusion_matrix'}
    weighted, macro = ref_f1(pred, gt)
    assert [out[k] for k in ('WAR', 'UAR', 'weighted_F1', 'macro_F1')] == \
        pytest.approx([400 / 6, 500 / 9, 100 * weighted, 100 * macro])
    assert out['per_class_recall'][:3] == pytest.approx([200 / 3, 100, 0])
    assert np.isnan(out['per_class_recall'][3])
    assert out['confusion_matrix'][2] == [1, 0, 0, 0]
    assert set(run_metric(dict(type='AVClsMetric'), samples)) == {
        'WAR', 'UAR', 'weighted_F1', 'macro_F1'}


def test_cls_metric_num_classes_sources():
    samples = [make_sample([0.2, 0.8], 1), make_sample([0.6, 0.4], 0)]
    metric = build(dict(type='AVClsMetric', with_confusion=True))
    metric.dataset_meta = dict(classes=('a', 'b', 'c'))
    metric.process({}, samples)
    with pytest.raises(ValueError, match='2 classes, expected 3'):
        metric.evaluate(2)
    metric.dataset_meta = dict(classes=None)  # falls back to score width
    metric.process({}, samples)
    assert np.array(metric.evaluate(2)['confusion_matrix']).shape == (2, 2)
    # views of one video must share the target (video_idx collisions)
    samples = [make_sample([0.2, 0.8], 1, video_idx=3),
               make_sample([0.6, 0.4], 0, video_idx=3)]
    with pytest.raises(ValueError, match='video_idx=3'):
        run_metric(dict(type='AVClsMetric'), samples)


def test_registry_build_and_evaluator():
    from mmengine.evaluator import Evaluator

    from hicmae.evaluation import AVClsMetric, AVRegMetric
    from hicmae.registry import METRICS
    from hicmae.utils import register_all_modules
    register_all_modules()
    assert isinstance(METRICS.build(dict(type='AVClsMetric')), AVClsMetric)
    assert isinstance(METRICS.build(dict(type='AVRegMetric')), AVRegMetric)
    # MMEngine's Evaluator hands the metric dicts from to_dict()
    evaluator = Evaluator(AVClsMetric())
    evaluator.process([make_sample([0.3, 0.7], 1, video_idx=0),
                       make_sample([0.6, 0.4], 1, video_idx=0)])
    assert evaluator.evaluate(2)['WAR'] == pytest.approx(100.0)
    # configs name AVClsMetric without importing hicmae.evaluation
    code = ('from hicmae.utils import register_all_modules as r; r(); '
            'from hicmae.registry import METRICS as M; '
            "print(type(M.build(dict(type='AVClsMetric'))).__name__)")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-1] == 'AVClsMetric'


def interleave(parts):
    """Merge rank-ordered parts as MMEngine's collect_results does."""
    return [x for x in chain.from_iterable(zip_longest(*parts))
            if x is not None]


def sampler_shards(size, world_size):
    # as DefaultSampler(shuffle=False, round_up=True): wrap-pad, then stride
    per_rank = -(-size // world_size)
    indices = (list(range(size)) * 2)[:per_rank * world_size]
    return [indices[r::world_size] for r in range(world_size)]


def test_distributed_padding_truncated():
    # 3 videos x 3 views; the padding repeats view 0 of video 0, which
    # disagrees with the others: counted twice, it flips the video
    class0 = [0.1, 0.8, 0.75, 0.2, 0.3, 0.4, 0.9, 0.6, 0.1]
    samples = [make_sample([p, 1 - p], int(i // 3 == 1), video_idx=i // 3)
               for i, p in enumerate(class0)]
    size = len(samples)
    shards = sampler_shards(size, 2)
    assert shards[1][-1] == 0  # the padded duplicate
    ranks = []
    for shard in shards:
        metric = build(dict(type='AVClsMetric'))
        for start in range(0, len(shard), 2):  # batches of two
            metric.process({}, [samples[i] for i in shard[start:start + 2]])
        ranks.append(metric.results)
    gathered = interleave(ranks)  # collect_results then drops padding
    assert len(gathered) == size + 1
    expected = run_metric(dict(type='AVClsMetric'), samples)
    assert expected['WAR'] == pytest.approx(100.0)
    assert build(dict(type='AVClsMetric')).compute_metrics(
        gathered[:size]) == pytest.approx(expected)
    # keeping the duplicate would have flipped video 0
    assert build(dict(type='AVClsMetric')).compute_metrics(
        gathered)['WAR'] == pytest.approx(200 / 3)
    # end to end in one process: evaluate(size) truncates the same way
    metric = build(dict(type='AVClsMetric'))
    metric.process({}, [samples[i] for i in interleave(shards)])
    assert metric.evaluate(size) == pytest.approx(expected)
    assert metric.results == []  # cleared for the next epoch


def test_reg_metric_views_and_keys():
    rng = np.random.default_rng(0)
    targets = rng.uniform(-1, 1, (6, 2))
    views = targets[:, None] + rng.normal(scale=0.3, size=(6, 3, 2))
    view_means = views.mean(axis=1)
    samples = [make_sample(p, targets[v], v, reg=True)
               for v in range(6) for p in views[v]]
    out = run_metric(dict(type='AVRegMetric'), samples)
    assert set(out) == {m + s for m in ('CCC', 'PCC', 'MSE')
                        for s in ('', '_arousal', '_valence')}
    for d, name in enumerate(('arousal', 'valence')):
        p, g = view_means[:, d], targets[:, d]
        assert [out[f'{m}_{name}'] for m in ('CCC', 'PCC', 'MSE')] == \
            pytest.approx([ref_ccc(p, g), pearsonr(p, g)[0],
                           np.mean((p - g) ** 2)], rel=1e-5)
    for key in ('CCC', 'PCC', 'MSE'):
        assert out[key] == pytest.approx(
            (out[f'{key}_arousal'] + out[f'{key}_valence']) / 2)
    per_view = run_metric(dict(type='AVRegMetric', average_views=False),
                          samples)
    assert per_view['MSE'] > out['MSE']


def test_reg_metric_names():
    samples = [make_sample([0.1 * i, 0.2, -0.1 * i], [0.1 * i, 0.3, 0.0],
                           reg=True) for i in range(4)]
    out = run_metric(dict(type='AVRegMetric', names=None), samples)
    assert {'CCC_target_0', 'PCC_target_2', 'MSE_target_1'} <= set(out)
    assert out['CCC_target_0'] == pytest.approx(1.0)
    assert out['PCC_target_1'] == 0.0  # constant prediction
    with pytest.raises(ValueError, match='3 target dimensions'):
        run_metric(dict(type='AVRegMetric'), samples)  # 2 names, 3 targets


def test_test_tool_counts_videos_and_averages_probabilities(
        synthetic, checkpoint, tmp_path):
    """A real ``tools/test.py`` run (2 temporal views per video): the
    confusion matrix counts videos, not views, and WAR is the accuracy of
    the argmax of each video's mean view probabilities."""
    import json
    import pickle
    import subprocess
    import sys
    from pathlib import Path

    from conftest import SMALL_RECOGNIZER, SYNTHETIC_FT_CONFIG
    repo = Path(__file__).resolve().parents[2]
    work, dump = tmp_path / 'work', tmp_path / 'preds.pkl'
    options = [f'{k}={v}' for k, v in SMALL_RECOGNIZER.items()]
    options += [f'test_dataloader.dataset.data_root={synthetic}',
                'test_dataloader.num_workers=0',
                'test_dataloader.persistent_workers=False']
    proc = subprocess.run(
        [sys.executable, 'tools/test.py', SYNTHETIC_FT_CONFIG, checkpoint,
         '--work-dir', str(work), '--dump', str(dump), '--cfg-options',
         *options], cwd=repo, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    metrics = json.loads((work / 'test_metrics.json').read_text())
    with open(dump, 'rb') as f:
        samples = pickle.load(f)
    videos = len((synthetic / 'lists/test.txt').read_text().splitlines())
    assert len(samples) == 2 * videos  # every view was predicted
    assert np.asarray(metrics['confusion_matrix']).sum() == videos
    by_video = {}
    for s in samples:
        by_video.setdefault(int(s['video_idx']), []).append(s)
    assert len(by_video) == videos
    right = 0
    for views in by_video.values():
        probs = np.stack([np.asarray(v['pred_score']) for v in views])
        assert np.allclose(probs.sum(1), 1, atol=1e-5)
        right += int(probs.mean(0).argmax() == int(views[0]['gt_label']))
    assert metrics['WAR'] == pytest.approx(100 * right / videos)
