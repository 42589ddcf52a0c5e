"""The engine: the time loop joining geometry, network, spacecraft and operations models."""

from orbitcloud.engine.context import MemorySink, RunContext, TableSink
from orbitcloud.engine.run import build_stages, simulate

__all__ = ["MemorySink", "RunContext", "TableSink", "build_stages", "simulate"]
