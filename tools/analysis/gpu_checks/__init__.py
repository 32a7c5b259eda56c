"""The steps of tools/analysis/gpu_check.py, one module per kind of check:
:mod:`.pretraining` (throughput and health through the runner) and
:mod:`.tool_runs` (the training, FSDP, test and inference tools)."""
from .common import ROOT
from .pretraining import _bench_model_cfg as bench_model_cfg
from .pretraining import _peak_tflops, bench_config, bench_pretraining
from .tool_runs import (run_ddp_save_resume, run_finetune_test_inference,
                        run_fsdp_fp16_save_resume)

__all__ = ['ROOT', 'bench_config', 'bench_model_cfg', 'bench_pretraining',
           'run_ddp_save_resume', 'run_finetune_test_inference',
           'run_fsdp_fp16_save_resume', '_peak_tflops']
