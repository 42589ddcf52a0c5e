"""Scheduling: placement policies behind one small protocol (see :mod:`.policies`).

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
