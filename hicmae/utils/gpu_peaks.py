"""Dense half-precision peaks of GPU models, for model FLOPs utilisation."""
from typing import Optional

# dense (no sparsity) bf16/fp16 tensor-core peaks in TFLOP/s from the
# vendor's data sheets, by the exact name torch.cuda.get_device_name()
# reports: an L40 is not an L4, and the H100/H200 variants differ in clocks
# and power
PEAK_TFLOPS = {
    'NVIDIA H200': 989., 'NVIDIA H200 NVL': 835.,
    'NVIDIA H100 80GB HBM3': 989., 'NVIDIA H100 PCIe': 756.,
    'NVIDIA H100 NVL': 835.,
    'NVIDIA A100-SXM4-80GB': 312., 'NVIDIA A100-SXM4-40GB': 312.,
    'NVIDIA A100 80GB PCIe': 312., 'NVIDIA A100-PCIE-40GB': 312.,
    'NVIDIA L40S': 362., 'NVIDIA L40': 181., 'NVIDIA L4': 121.,
    'NVIDIA A10': 125., 'NVIDIA A40': 150., 'NVIDIA RTX A6000': 155.,
    'NVIDIA GeForce RTX 4090': 165.,
}


def peak_tflops(gpu_name: str) -> Optional[float]:
    """The dense half-precision peak of the GPU model named exactly
    ``gpu_name`` (whitespace aside); None for a model not in the table, so
    that no utilisation is reported against the wrong peak."""
    return PEAK_TFLOPS.get(' '.join(gpu_name.split()))
