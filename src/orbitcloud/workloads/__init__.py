"""Workloads: demand models for inference, Earth observation and training.

Pure functions over arrays (no engine, no network): :mod:`.inference` (population- and
diurnal-weighted request rates per user cell and class, Poisson draws), :mod:`.regions`
(named regions and continents of ground points), :mod:`.earth_observation` (capture and the
capture-to-insight timing of a FIFO byte stream), :mod:`.training` (checkpoint/restart
accounting of a synchronous training job). Depends on the scenario only.
"""
