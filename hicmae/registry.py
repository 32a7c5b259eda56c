"""Registries of hicmae, children of MMEngine's (and mmcv's) roots.

With ``default_scope='hicmae'`` in a config, MMEngine resolves every ``type=``
string here first and imports the module named in ``locations`` on demand, so a
config never needs ``custom_imports`` for the package's own components.
"""
from mmcv.transforms.builder import TRANSFORMS as MMCV_TRANSFORMS
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import STRATEGIES as MMENGINE_STRATEGIES
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import Registry

__all__ = [
    'RUNNERS', 'LOOPS', 'HOOKS', 'LOG_PROCESSORS', 'OPTIMIZERS',
    'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS',
    'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS', 'MODEL_WRAPPERS',
    'METRICS', 'EVALUATOR', 'VISUALIZERS', 'VISBACKENDS', 'FUNCTIONS',
    'STRATEGIES'
]

RUNNERS = Registry('runner', parent=MMENGINE_RUNNERS,
                   locations=['hicmae.engine'])
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, locations=['hicmae.engine'])
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, locations=['hicmae.engine'])
LOG_PROCESSORS = Registry('log_processor', parent=MMENGINE_LOG_PROCESSORS,
                          locations=['hicmae.engine'])
OPTIMIZERS = Registry('optimizer', parent=MMENGINE_OPTIMIZERS,
                      locations=['hicmae.engine'])
OPTIM_WRAPPERS = Registry('optim_wrapper', parent=MMENGINE_OPTIM_WRAPPERS,
                          locations=['hicmae.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
    locations=['hicmae.engine'])
PARAM_SCHEDULERS = Registry('parameter scheduler',
                            parent=MMENGINE_PARAM_SCHEDULERS,
                            locations=['hicmae.engine'])

DATASETS = Registry('dataset', parent=MMENGINE_DATASETS,
                    locations=['hicmae.datasets'])
DATA_SAMPLERS = Registry('data sampler', parent=MMENGINE_DATA_SAMPLERS,
                         locations=['hicmae.datasets'])
TRANSFORMS = Registry('transform', parent=MMCV_TRANSFORMS,
                      locations=['hicmae.datasets.transforms'])

MODELS = Registry('model', parent=MMENGINE_MODELS,
                  locations=['hicmae.models'])
MODEL_WRAPPERS = Registry('model_wrapper', parent=MMENGINE_MODEL_WRAPPERS,
                          locations=['hicmae.models'])

METRICS = Registry('metric', parent=MMENGINE_METRICS,
                   locations=['hicmae.evaluation'])
EVALUATOR = Registry('evaluator', parent=MMENGINE_EVALUATOR,
                     locations=['hicmae.evaluation'])

VISUALIZERS = Registry('visualizer', parent=MMENGINE_VISUALIZERS,
                       locations=['hicmae.visualization'])
VISBACKENDS = Registry('vis_backend', parent=MMENGINE_VISBACKENDS,
                       locations=['hicmae.visualization'])

# FlexibleRunner strategies; configs name them scoped ('hicmae.X'): the
# runner builds its strategy before it sets the default scope
STRATEGIES = Registry('strategy', parent=MMENGINE_STRATEGIES,
                      locations=['hicmae.engine'])

# plain functions named in configs (e.g. FSDP wrap policies)
FUNCTIONS = Registry('function', parent=MMENGINE_FUNCTIONS,
                     locations=['hicmae.engine'])

# face detectors for cropping raw videos (no MMEngine counterpart)
FACE_DETECTORS = Registry('face detector', scope='hicmae',
                          locations=['hicmae.face'])
