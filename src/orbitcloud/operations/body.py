"""Mass, drag geometry and collision radius of every satellite, for orbit keeping.

Each constellation's body comes from, in order: ``orbit_ops.constellations.<name>``, then
``orbit_ops.body`` (:class:`~orbitcloud.scenario.orbit_ops.BodySpec`), then the constellation's
spacecraft design (:class:`CraftGeometry`, made by the caller from the spacecraft mass budget),
then a generic body (:data:`DEFAULT_BODY`). Without a ballistic coefficient or a drag area
from ``orbit_ops``, the area in the flow follows the attitude every step
(:func:`orbitcloud.operations.drag.drag_area_m2`). docs/models-orbit.md, "Mass and area in
the flow".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from orbitcloud.operations.drag import NO_ARRAY, attitude_code, ballistic_coefficient_kg_m2
from orbitcloud.scenario.orbit_ops import BodySpec

__all__ = [
    "BUS_DENSITY_KG_M3",
    "DEFAULT_BODY",
    "DEFAULT_HARD_BODY_RADIUS_M",
    "Bodies",
    "BodyChoice",
    "CraftGeometry",
    "bus_area_m2",
    "choose_body",
    "craft_geometry",
]

DEFAULT_BODY = {"mass_kg": 300.0, "drag_area_m2": 2.7, "drag_coefficient": 2.2}
"""Generic body used when neither ``orbit_ops`` nor the spacecraft preset gives mass and drag:
BC = 300 / (2.2 x 2.7) = 50.5 kg/m^2, the reference value of VALIDATION.md section F. A run
that falls back on it says so in its warnings."""

DEFAULT_HARD_BODY_RADIUS_M = 5.0
"""Hard-body radius when none is given: a sphere enclosing a 10 m span [m]."""

BUS_DENSITY_KG_M3 = 150.0
"""Bulk density used to size the bus body from the satellite's mass, A = (m / rho)^(2/3)
(assumed; small satellites and buses run about 50-300 kg/m^3)."""


def bus_area_m2(
    mass_kg: float,
    radiator_area_m2: float,
    radiator_edge_on: bool,
    bus_density_kg_m3: float = BUS_DENSITY_KG_M3,
) -> float:
    """Area in the flow that does not depend on the attitude: the bus and an edge-on radiator.

    The bus is a cube of bulk density ``bus_density_kg_m3``, one face in the flow,
    A = (m / rho)^(2/3); an edge-on radiator (a plate of unknown orientation to the flow) adds
    half its area; a zenith or nadir radiator lies along the flow and adds nothing.

    Parameters
    ----------
    mass_kg : satellite mass [kg]
    radiator_area_m2 : radiator area [m^2]
    radiator_edge_on : the radiator is edge-on to the Sun (``radiator.orientation``)
    bus_density_kg_m3 : bulk density of the bus [kg/m^3]

    Returns
    -------
    area [m^2]

    References
    ----------
    Assumed geometry (docs/models-orbit.md, "Mass and area in the flow"); the half-area of a
    randomly oriented plate is its mean projection over one rotation axis to within 2/pi.
    """
    fixed = (mass_kg / bus_density_kg_m3) ** (2.0 / 3.0)
    if radiator_edge_on:
        fixed += 0.5 * radiator_area_m2
    return fixed


@dataclass(frozen=True)
class CraftGeometry:
    """Mass and drag geometry of a constellation's spacecraft design."""

    name: str
    """the preset the design builds on, or ``custom``"""
    mass_kg: float
    fixed_area_m2: float
    """:func:`bus_area_m2` [m^2]"""
    array_area_m2: float
    attitude: int
    """:func:`orbitcloud.operations.drag.attitude_code` of the array"""


def craft_geometry(
    name: str,
    mass_kg: float,
    array_area_m2: float,
    pointing: str,
    body_normal: str,
    radiator_area_m2: float,
    radiator_orientation: str,
) -> CraftGeometry:
    """:class:`CraftGeometry` of a design (raises KeyError for an unknown array pointing).

    Parameters
    ----------
    name : preset name (for the summary)
    mass_kg : total mass of the design [kg] (the spacecraft mass budget)
    array_area_m2 : solar array area [m^2]
    pointing, body_normal : ``solar_array.pointing`` and ``solar_array.body_normal``
    radiator_area_m2 : radiator area [m^2]
    radiator_orientation : ``radiator.orientation`` (``edge_on``, ``nadir``, ``zenith``)
    """
    mode = attitude_code(pointing, body_normal)
    fixed = bus_area_m2(mass_kg, radiator_area_m2, radiator_orientation == "edge_on")
    return CraftGeometry(name, float(mass_kg), float(fixed), float(array_area_m2), mode)


@dataclass(frozen=True)
class BodyChoice:
    """The body one constellation flies (see module doc)."""

    mass_kg: float
    drag_coefficient: float
    hard_body_radius_m: float
    source: str
    """where mass and drag come from (summary)"""
    bc_kg_m2: float = np.nan
    """fixed ballistic coefficient, or NaN: the area follows the attitude [kg/m^2]"""
    fixed_area_m2: float = 0.0
    array_area_m2: float = 0.0
    attitude: int = NO_ARRAY
    generic_area_m2: float | None = None
    """the generic area used when nothing gave mass or area (the caller warns) [m^2]"""


def choose_body(layers: Sequence[BodySpec], craft: CraftGeometry | None) -> BodyChoice:
    """Mass and drag of one constellation from ``orbit_ops`` layers and its spacecraft design.

    Parameters
    ----------
    layers : body specs, first wins (``orbit_ops.constellations.<name>``, ``orbit_ops.body``)
    craft : the spacecraft design's geometry, or None if it cannot be resolved

    Returns
    -------
    :class:`BodyChoice`: a fixed BC from ``orbit_ops`` (its ``ballistic_coefficient_kg_m2``,
    or mass and area; a BC without a mass flies the generic 300 kg), else the design's mass
    and attitude-dependent area, else the generic :data:`DEFAULT_BODY` (``generic_area_m2``
    set).
    """

    def pick(attr: str) -> float | None:
        for lay in layers:
            v = getattr(lay, attr)
            if v is not None:
                return float(v)
        return None

    m = pick("mass_kg")
    area = pick("drag_area_m2")
    cd = pick("drag_coefficient") or DEFAULT_BODY["drag_coefficient"]
    b = pick("ballistic_coefficient_kg_m2")
    h = pick("hard_body_radius_m")
    hbr = h if h is not None else DEFAULT_HARD_BODY_RADIUS_M
    if craft is not None:
        m = craft.mass_kg if m is None else m
        if b is None and area is None:
            source = f"spacecraft {craft.name} (parts mass, attitude-dependent area)"
            return BodyChoice(m, cd, hbr, source,
                              fixed_area_m2=craft.fixed_area_m2,
                              array_area_m2=craft.array_area_m2,
                              attitude=craft.attitude)  # fmt: skip
    if b is None and (m is None or area is None):
        m = m if m is not None else DEFAULT_BODY["mass_kg"]
        area = area if area is not None else DEFAULT_BODY["drag_area_m2"]
        b = float(ballistic_coefficient_kg_m2(m, cd, area))
        return BodyChoice(m, cd, hbr, "default", b, generic_area_m2=area)
    source = "orbit_ops"
    if b is None:
        assert m is not None
        assert area is not None
        b = float(ballistic_coefficient_kg_m2(m, cd, area))
    if m is None:
        m = DEFAULT_BODY["mass_kg"]
        source = "orbit_ops (ballistic coefficient; generic 300 kg mass)"
    return BodyChoice(m, cd, hbr, source, b)


@dataclass(frozen=True)
class Bodies:
    """Every satellite's body, (n_sat,) arrays."""

    mass_kg: np.ndarray
    bc_fixed_kg_m2: np.ndarray
    """fixed ballistic coefficient, NaN where the area follows the attitude [kg/m^2]"""
    drag_coefficient: np.ndarray
    fixed_area_m2: np.ndarray
    array_area_m2: np.ndarray
    attitude: np.ndarray
    """int8 attitude codes"""
    hard_body_radius_m: np.ndarray

    @staticmethod
    def of(choices: Sequence[BodyChoice], index: np.ndarray) -> Bodies:
        """Bodies of satellites that fly ``choices[index[sat]]`` (index: (n_sat,) int)."""

        def col(attr: str, dtype: type = np.float64) -> np.ndarray:
            return np.array([getattr(c, attr) for c in choices], dtype=dtype)[index]

        return Bodies(col("mass_kg"), col("bc_kg_m2"), col("drag_coefficient"),
                      col("fixed_area_m2"), col("array_area_m2"), col("attitude", np.int8),
                      col("hard_body_radius_m"))  # fmt: skip
