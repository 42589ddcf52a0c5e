"""Operations: station keeping, lifetime, conjunction screening, formation flying.

Modules (pure array functions and ``advance(state, drivers, params)`` steps, SI units;
docs/models-orbit.md):

* :mod:`~orbitcloud.operations.drag` -- drag acceleration, area in the flow by attitude,
  circular decay, lifetime;
* :mod:`~orbitcloud.operations.stationkeeping` -- drag-makeup delta-v, propellant, duty;
* :mod:`~orbitcloud.operations.formation` -- Hill frame, HCW and Schweighart-Sedwick, relative
  orbital elements and their J2 drift, formation-keeping delta-v;
* :mod:`~orbitcloud.operations.conjunction` -- k-d tree screening, TCA refinement, 2-D Pc,
  avoidance delta-v;
* :mod:`~orbitcloud.operations.body` -- each satellite's mass, drag geometry and hard-body
  radius from ``orbit_ops`` and its spacecraft design;
* :mod:`~orbitcloud.operations.keeping` -- drag summed over a run chunk by chunk, then
  station keeping and lifetime per satellite;
* :mod:`~orbitcloud.operations.cluster` -- a formation over a run, chunk by chunk;
* :mod:`~orbitcloud.operations.screening` -- conjunction screening carried over chunk edges,
  assessment (Pc, avoidance) and tally;
* :mod:`~orbitcloud.operations.summary` -- rounding and statistics for the run summary.

The steps carry their state in frozen dataclasses and add in time order, so a run cut into
chunks anywhere gives bit-identical results. This package imports ``astro``, ``environment``
and ``scenario`` only (import-linter contract).
"""
