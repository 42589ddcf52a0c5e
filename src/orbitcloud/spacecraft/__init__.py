"""Spacecraft: power, thermal, compute, and radiation effects, as pure array functions."""
