"""The engine's contract: every record that passes from one stage to another, in one place.

Reading this module shows every data path between the models of a run. A stage declares

* ``requires`` / ``provides``: the per-chunk record types it reads / writes (for steps
  ``k0 .. k1-1`` of the current geometry chunk), and ``requires_final`` / ``provides_final``:
  the run-level record types it reads / writes when the run finishes;
* ``tables``: the tables it writes (declared in :mod:`orbitcloud.results.schema`);
* ``halo_steps``: how many steps past the chunk's end it needs to see (a look-ahead): the
  engine then hands it :attr:`GeometryRecord.ahead`, the geometry of the chunk plus that many
  later steps, so a look-ahead never stops at a chunk edge and answers do not depend on the
  chunk size.

The engine orders stages so that every record is made before it is read, and turns a
requirement that no stage provides into an input error before any propagation, naming the
scenario fields that would provide it (:attr:`Record.provided_by`). Records are frozen; their
arrays must not be changed by the stages that read them.

Array shapes follow the astro convention: ``(n_t, n_sat)`` per step and satellite of the chunk,
``(n_sat,)`` per satellite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar

import numpy as np

from orbitcloud.astro.ephemeris import EphemerisChunk
from orbitcloud.network.routing import Snapshot
from orbitcloud.scenario.errors import OrbitcloudInputError


class Record(Protocol):
    """What every record type says about itself (class attributes)."""

    what: ClassVar[str]
    """One line: what the record holds (used in error messages)."""
    provided_by: ClassVar[str]
    """The scenario fields that make a stage provide it (used in error messages)."""


# --- per-chunk records ---------------------------------------------------------------------


@dataclass(frozen=True)
class GeometryRecord:
    """Geometry of the chunk (always provided, by the engine).

    ``ahead`` covers steps ``k0 .. min(n_steps, k1 + halo)``, where halo is the largest
    ``halo_steps`` any stage declared; it is ``chunk`` itself when no stage needs a halo.
    """

    what: ClassVar[str] = "positions, frames and sunlight of every satellite"
    provided_by: ClassVar[str] = "every run"

    chunk: EphemerisChunk
    ahead: EphemerisChunk

    @property
    def k0(self) -> int:
        return self.chunk.k0

    @property
    def k1(self) -> int:
        return self.chunk.k1


@dataclass(frozen=True)
class AtmosphereRecord:
    """Neutral density along every orbit (NRLMSIS 2.1 with the run's space weather, storms'
    ``ap`` inside their windows); NaN where the satellite has no valid state."""

    what: ClassVar[str] = "air density along the orbits"
    provided_by: ClassVar[str] = (
        "a constellation with spacecraft models, or orbit_ops (both turn on the environment)"
    )

    k0: int
    k1: int
    density_kg_m3: np.ndarray
    """(n_t, n_sat) [kg/m^3]"""
    method: str
    """The NRLMSIS evaluation used for the whole run: "grid" or "direct"."""


@dataclass(frozen=True)
class RadiationRecord:
    """The trapped-particle environment along every orbit, before any shielding.

    ``weights`` are the proton, electron and horn weights of
    :func:`orbitcloud.environment.radiation.radiation_weights` (0 where the state is invalid);
    a dose rate behind a shield is
    ``radiation.dose_rate_from_weights(weights, shield_mm, electron_multiplier,
    proton_multiplier)``. Multipliers carry the run's ``ap`` and storm windows.
    """

    what: ClassVar[str] = "trapped-radiation environment along the orbits"
    provided_by: ClassVar[str] = "a constellation with spacecraft models (spacecraft.enabled)"

    k0: int
    k1: int
    weights: tuple[np.ndarray, np.ndarray, np.ndarray]
    """(w_proton, w_electron, w_horn), each (n_t, n_sat)"""
    electron_multiplier: np.ndarray
    """(n_t,) storm and environment multiplier of the electron dose [1]"""
    proton_multiplier: np.ndarray
    """(n_t,) environment multiplier of the proton dose [1]"""
    in_saa: np.ndarray
    """(n_t, n_sat) bool: inside the South Atlantic Anomaly"""


@dataclass(frozen=True)
class SpacecraftRecord:
    """Per-step spacecraft state of the chunk, for the stages that place work on satellites."""

    what: ClassVar[str] = "compute capacity, failures and power state of every satellite"
    provided_by: ClassVar[str] = "a constellation with spacecraft models (spacecraft.enabled)"

    k0: int
    k1: int
    capacity: np.ndarray
    """(n_t, n_sat) float32 0..1: delivered fraction of the satellite's peak compute"""
    flops: np.ndarray
    """(n_t, n_sat) delivered FLOP/s at the design precision"""
    peak_flops: np.ndarray
    """(n_sat,) all accelerators healthy, at the design precision [FLOP/s]"""
    failed: np.ndarray
    """(n_t, n_sat) bool: every accelerator of a compute satellite dead"""
    accelerators_ok: np.ndarray
    """(n_t, n_sat) int16"""
    throttled: np.ndarray
    """(n_t, n_sat) bool: power or thermal throttling"""
    sunlit: np.ndarray
    """(n_t, n_sat) float32 0..1 (0 where invalid or without spacecraft models)"""
    battery_soc: np.ndarray
    """(n_t, n_sat) float32 0..1"""
    in_saa: np.ndarray
    """(n_t, n_sat) bool"""
    tokens_per_s: Callable[..., np.ndarray]
    """``tokens_per_s(model, batch=64, input_tokens=512, output_tokens=256, step=None)``:
    output tokens/s each satellite can serve now for an LLM, ``(n_t, n_sat)`` or ``(n_sat,)``
    for a chunk-relative ``step``."""


class NetworkView(Protocol):
    """The per-step network of a chunk (provided by the network stage)."""

    k0: int
    k1: int
    n_sat: int
    n_ground: int
    ground_names: np.ndarray
    relay_via_ground: bool

    def ground_node(self, name: str) -> int: ...

    def snapshot(self, k: int) -> Snapshot: ...

    def rtt_ground_to_sat_s(self, k: int) -> np.ndarray: ...

    def path(self, k: int, a: int, b: int) -> tuple[list[int], float]: ...

    def rtt_s(self, k: int, a: int, b: int) -> float: ...


@dataclass(frozen=True)
class NetworkRecord:
    """ISLs and ground links per step of the chunk, with shortest paths on demand."""

    what: ClassVar[str] = "inter-satellite and ground links per step"
    provided_by: ClassVar[str] = "`ground`, or a constellation's `isl.topology` other than none"

    k0: int
    k1: int
    view: NetworkView


@dataclass(frozen=True)
class OperationsRecord:
    """Satellites that could compute at each step of the chunk, after events."""

    what: ClassVar[str] = "satellites usable for work, after events"
    provided_by: ClassVar[str] = "`workloads`"

    k0: int
    k1: int
    usable: np.ndarray
    """(n_t, n_sat) bool"""


# --- run-level records (made in ``finish``) ---------------------------------------------------


@dataclass(frozen=True)
class SpacecraftTotals:
    """What the spacecraft models measured over the whole run."""

    what: ClassVar[str] = "run totals of the spacecraft models"
    provided_by: ClassVar[str] = "a constellation with spacecraft models (spacecraft.enabled)"

    compute_capacity_mean: float | None
    """mean delivered fraction of peak compute over compute satellites [1]"""
    accelerators_failed: int
    compute_energy_j: float
    """energy delivered to the accelerators [J]"""


@dataclass(frozen=True)
class InferenceTotals:
    """What the operations stage served over the whole run."""

    what: ClassVar[str] = "run totals of served inference"
    provided_by: ClassVar[str] = "`workloads.inference`"

    orbital_tokens_served: float | None
    """output tokens served by the orbital system [tokens]"""
    terrestrial_tokens_served: float | None = None
    """output tokens served by the terrestrial baseline [tokens]"""
    orbital_utilisation: float | None = None
    """busy share of the orbital accelerators' usable time [1]"""
    terrestrial_utilisation: float | None = None
    """busy share of the terrestrial accelerators' usable time [1]"""


R = TypeVar("R")


class Records:
    """The records of one chunk (or of the finished run), each type at most once."""

    def __init__(self, k0: int = 0, k1: int = 0) -> None:
        self.k0, self.k1 = k0, k1
        self._items: dict[type, Any] = {}

    def put(self, record: Any) -> None:
        cls = type(record)
        if cls in self._items:
            raise RuntimeError(f"{cls.__name__} provided twice for steps {self.k0}..{self.k1}")
        k0 = getattr(record, "k0", None)
        if k0 is not None and (k0 != self.k0 or record.k1 != self.k1):
            raise RuntimeError(
                f"{cls.__name__} for steps {k0}..{record.k1} handed in for {self.k0}..{self.k1}"
            )
        self._items[cls] = record

    def get(self, cls: type[R]) -> R:
        try:
            return self._items[cls]  # type: ignore[no-any-return]
        except KeyError:
            raise RuntimeError(
                f"{cls.__name__} was not provided for steps {self.k0}..{self.k1} "
                "(the engine checks requirements at start: a stage read what it did not declare)"
            ) from None

    def find(self, cls: type[R]) -> R | None:
        """The record if present (for a stage that declared it optional)."""
        return self._items.get(cls)

    def __contains__(self, cls: type) -> bool:
        return cls in self._items


class Stage(Protocol):
    """One model in the time loop.

    ``start`` checks the scenario and prepares state (before any propagation); ``process`` sees
    every chunk in time order with the records of the stages before it and puts its own;
    ``finish`` writes run-level tables, KPIs and its final records.
    """

    @property
    def name(self) -> str: ...
    @property
    def requires(self) -> tuple[type, ...]: ...
    @property
    def provides(self) -> tuple[type, ...]: ...
    @property
    def requires_final(self) -> tuple[type, ...]: ...
    @property
    def provides_final(self) -> tuple[type, ...]: ...
    @property
    def tables(self) -> tuple[str, ...]: ...
    @property
    def halo_steps(self) -> int: ...

    def start(self, ctx: Any) -> None: ...

    def process(self, records: Records, ctx: Any) -> None: ...

    def finish(self, final: Records, ctx: Any) -> None: ...


def order_stages(stages: list[Stage]) -> list[Stage]:
    """Stages ordered so that every record is provided before it is required.

    Keeps the given order where the records allow it (a stable topological sort). Raises
    :class:`OrbitcloudInputError` when a stage requires a record no stage provides, naming
    the scenario fields that would provide it.
    """
    made: set[type] = {GeometryRecord}
    made_final: set[type] = set()
    for st in stages:
        made.update(st.provides)
        made_final.update(st.provides_final)
    for st in stages:
        for need, have in ((st.requires, made), (st.requires_final, made_final)):
            for cls in need:
                if cls not in have:
                    what, how = getattr(cls, "what", cls.__name__), getattr(cls, "provided_by", "")
                    raise OrbitcloudInputError(
                        f"the {st.name} models need {what}, which nothing in this scenario "
                        f"provides; set {how}",
                        "scenario",
                    )
    todo = list(stages)
    done: list[Stage] = []
    avail: set[type] = {GeometryRecord}
    avail_final: set[type] = set()
    while todo:
        for i, st in enumerate(todo):
            if set(st.requires) <= avail:
                done.append(todo.pop(i))
                avail.update(st.provides)
                break
        else:
            names = ", ".join(s.name for s in todo)
            raise RuntimeError(f"stages {names} require each other's records (a cycle)")
    # finish order: the same, but a stage must finish after those whose totals it reads
    for st in done:
        if not set(st.requires_final) <= avail_final:
            missing = [c.__name__ for c in st.requires_final if c not in avail_final]
            raise RuntimeError(f"stage {st.name} reads {missing} before they are made")
        avail_final.update(st.provides_final)
    return done
