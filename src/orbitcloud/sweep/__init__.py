"""Sweeps: parameter sweeps on Dask (local or remote cluster), resumable."""
