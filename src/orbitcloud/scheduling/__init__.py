"""Scheduling: placement policies behind one small protocol (see :mod:`.policies`), and the
operations models around them.

:mod:`.service` serves one system's inference demand step by step (placement rounds, admission
by :mod:`.queueing`, priority service, latency histograms, energy) -- an ``advance`` over
:class:`.service.ServiceState`; :mod:`.servers` gives the servers' per-class figures;
:mod:`.events` the seeded failures, outages and ISL failures; :mod:`.availability` which
satellites can compute and the compute lost by cause; :mod:`.metrics` the run's statistics
per region, period and class. :mod:`.paths` answers nearest-server queries on the network.

Public API: :class:`Policy`, :class:`StepView`, :class:`Placement`, :func:`register_policy`,
:func:`make_policy`, :func:`policy_names` and the built-in policies :class:`Terrestrial`,
:class:`BentPipe`, :class:`NearestSatellite` and :class:`EnergyAware`.
"""

from orbitcloud.scheduling.policies import (
    BentPipe,
    EnergyAware,
    NearestSatellite,
    Placement,
    Policy,
    StepView,
    Terrestrial,
    make_policy,
    policy_names,
    register_policy,
)

__all__ = [
    "BentPipe",
    "EnergyAware",
    "NearestSatellite",
    "Placement",
    "Policy",
    "StepView",
    "Terrestrial",
    "make_policy",
    "policy_names",
    "register_policy",
]
