"""Workloads: demand models for inference, Earth observation and training.

Pure functions over arrays (no engine, no network): :mod:`.inference` (population- and
diurnal-weighted request rates per user cell and class, Poisson draws), :mod:`.regions`
(named regions and continents of ground points), :mod:`.earth_observation` (capture over
regions, downlink, on-board processing and the capture-to-insight timing of a FIFO byte
stream), :mod:`.training` (which members of a cluster run a synchronous job, and its
checkpoint/restart accounting), :mod:`.latency` (log latency histograms and their
percentiles). Steps that carry state from chunk to chunk are ``advance`` functions that leave
their input state unchanged. Depends on the scenario only.
"""
