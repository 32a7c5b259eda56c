"""GPU-path details checked on the CPU: install ranges, device defaults,
pre-trained initialisation keys."""

import re
from pathlib import Path

import torch
from tiny_finetune import tiny_recognizer_cfg
from tool_loader import load_tool

REPO_ROOT = Path(__file__).resolve().parents[2]


def _requirements(name):
    lines = (REPO_ROOT / 'requirements' / name).read_text().splitlines()
    return [line.split('#')[0].strip() for line in lines
            if line.split('#')[0].strip()]


def test_install_keeps_an_existing_torch_build():
    runtime = {re.split('[<>=!~ ]', r)[0]: r for r in
               _requirements('runtime.txt')}
    for name in ('torch', 'torchaudio'):
        assert '==' not in runtime[name], runtime[name]  # a range
    pins = _requirements('constraints.txt')
    assert 'torch==2.9.1' in pins  # make's exact, tested stack


def test_visualize_reconstruction_defaults_to_cuda(monkeypatch):
    tool = load_tool('analysis/visualize_reconstruction.py')
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    assert tool.parse_args(['c.py', 'k.pth']).device == 'cuda'
    assert tool.parse_args(['c.py', 'k.pth', '--device', 'cpu']).device \
        == 'cpu'
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    assert tool.parse_args(['c.py', 'k.pth']).device == 'cpu'


def _recognizer(init_cfg=None):
    from hicmae.registry import MODELS
    return MODELS.build(dict(
        tiny_recognizer_cfg(size=32, frames=4, dims=32, depth=2,
                            num_classes=3, mixup=False), init_cfg=init_cfg))


def test_pretrained_init_honours_prefix(tmp_path):
    source = _recognizer()
    path = tmp_path / 'nested.pth'
    torch.save(dict(state_dict={f'student.{k}': v for k, v in
                                source.state_dict().items()}), path)
    torch.manual_seed(1)
    model = _recognizer(dict(type='Pretrained', checkpoint=str(path),
                             prefix='student', map_location='cpu'))
    model.init_weights()
    key = 'video_encoder.blocks.1.attn.qkv.weight'
    assert torch.equal(model.state_dict()[key], source.state_dict()[key])
