"""Operations: station keeping, lifetime, conjunction screening, formation flying.

Modules (pure array functions, SI units; docs/models-orbit.md):

* :mod:`~orbitcloud.operations.drag` -- drag acceleration, circular decay, lifetime;
* :mod:`~orbitcloud.operations.stationkeeping` -- drag-makeup delta-v, propellant, duty;
* :mod:`~orbitcloud.operations.formation` -- Hill frame, HCW and Schweighart-Sedwick, relative
  orbital elements and their J2 drift, formation-keeping delta-v;
* :mod:`~orbitcloud.operations.conjunction` -- k-d tree screening, TCA refinement, 2-D Pc,
  avoidance delta-v.

This package imports ``astro`` and ``environment`` only (import-linter contract).
"""
