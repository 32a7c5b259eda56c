"""Runners: MMEngine's Runner and FlexibleRunner with safe loading and
crash-safe checkpoint writes."""
from .amp_loops import AmpTestLoop, AmpValLoop
from .flexible_runner import FLEXIBLE_RUNNERS, HiCMAEFlexibleRunner
from .runner import HiCMAERunner

__all__ = ['AmpTestLoop', 'AmpValLoop', 'FLEXIBLE_RUNNERS',
           'HiCMAEFlexibleRunner', 'HiCMAERunner']
