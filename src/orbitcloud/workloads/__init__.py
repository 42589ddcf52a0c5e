"""Workloads: demand models for inference, Earth observation and training."""
