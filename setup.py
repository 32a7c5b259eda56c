"""hicmae: HiCMAE audio-visual pre-training and emotion recognition."""
import os.path as osp
import re

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(name: str) -> list:
    with open(osp.join(HERE, 'requirements', name)) as f:
        return [line.split('#')[0].strip() for line in f
                if line.split('#')[0].strip()]


def read_version() -> str:
    with open(osp.join(HERE, 'hicmae', '__init__.py')) as f:
        return re.search(r"__version__ = '([^']+)'", f.read()).group(1)


setup(
    name='hicmae',
    version=read_version(),
    description='HiCMAE: hierarchical contrastive masked autoencoder for '
    'audio-visual emotion recognition, on MMEngine',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['hicmae', 'hicmae.*']),
    python_requires='>=3.10',
    install_requires=read_requirements('runtime.txt'),
    extras_require={
        'tests': read_requirements('tests.txt'),
        # writing the synthetic mp4 set (tools/data/make_synthetic_av.py)
        'tools': ['av>=12'],
    },
    license='MIT',
    classifiers=[
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
)
