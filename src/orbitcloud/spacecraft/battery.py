"""Battery and power distribution for one time step, vectorised over satellites.

Energy balance per step (exact by construction, every step):

    P_gen + P_discharge = P_bus_served + P_compute + P_charge + P_curtailed
    dE_stored / dt     = eta_c P_charge - P_discharge / eta_d
    losses             = (1 - eta_c) P_charge + (1/eta_d - 1) P_discharge

The compute load may only draw the battery down to the depth-of-discharge floor; the bus may use
the whole battery (a survival priority). What the battery cannot give is unserved bus load
(a brown-out, reported). Power comes in [W], energy in [J], time in [s].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class BatteryStep:
    """Result of :func:`battery_step` (all (n_sat,) arrays, W or J)."""

    energy_j: np.ndarray
    charge_w: np.ndarray
    discharge_w: np.ndarray
    curtailed_w: np.ndarray
    bus_served_w: np.ndarray
    loss_w: np.ndarray


def compute_power_available_w(
    gen_w: np.ndarray,
    bus_w: np.ndarray,
    energy_j: np.ndarray,
    capacity_j: np.ndarray,
    max_dod: np.ndarray,
    discharge_eff: np.ndarray,
    max_rate_w: np.ndarray,
    dt_s: float,
) -> np.ndarray:
    """Power the compute load may draw this step without going below the DoD floor [W].

    Parameters
    ----------
    gen_w : generated power [W]
    bus_w : bus load (served first) [W]
    energy_j, capacity_j : stored energy and capacity [J]
    max_dod : usable fraction of the capacity for compute [-]
    discharge_eff : discharge efficiency [-]
    max_rate_w : discharge power limit [W]
    dt_s : step [s]

    Returns
    -------
    Available compute power [W], >= 0.

    References
    ----------
    Energy bookkeeping of a direct-energy-transfer bus (Patel, M. R. (2004), Spacecraft Power
    Systems, CRC, ch. 10, battery depth-of-discharge management).
    """
    floor = (1.0 - max_dod) * capacity_j
    from_battery = np.minimum(np.maximum(energy_j - floor, 0.0) * discharge_eff / dt_s, max_rate_w)
    return np.maximum(gen_w + from_battery - bus_w, 0.0)


def battery_step(
    gen_w: np.ndarray,
    bus_w: np.ndarray,
    compute_w: np.ndarray,
    energy_j: np.ndarray,
    capacity_j: np.ndarray,
    charge_eff: np.ndarray,
    discharge_eff: np.ndarray,
    max_rate_w: np.ndarray,
    dt_s: float,
) -> BatteryStep:
    """Charge or discharge the battery for one step given generation and loads.

    Parameters
    ----------
    gen_w : generated power [W]
    bus_w : bus load requested [W]
    compute_w : compute load granted (already within :func:`compute_power_available_w`) [W]
    energy_j, capacity_j : stored energy and capacity [J]
    charge_eff, discharge_eff : efficiencies [-]
    max_rate_w : charge and discharge power limit [W]
    dt_s : step [s]

    Returns
    -------
    :class:`BatteryStep`; stored energy stays within [0, capacity].

    References
    ----------
    Patel (2004), Spacecraft Power Systems, ch. 10; the balance in the module docstring.
    """
    load = bus_w + compute_w
    surplus = gen_w - load
    pos = np.maximum(surplus, 0.0)
    room = np.maximum(capacity_j - energy_j, 0.0) / (charge_eff * dt_s)
    charge = np.minimum(np.minimum(pos, max_rate_w), room)
    curtailed = pos - charge
    need = np.maximum(-surplus, 0.0)
    can = np.minimum(np.maximum(energy_j, 0.0) * discharge_eff / dt_s, max_rate_w)
    discharge = np.minimum(need, can)
    unserved = need - discharge
    bus_served = bus_w - unserved  # compute never exceeds what was available, so bus absorbs it
    energy = energy_j + (charge_eff * charge - discharge / discharge_eff) * dt_s
    energy = np.clip(energy, 0.0, capacity_j)
    loss = (1.0 - charge_eff) * charge + (1.0 / discharge_eff - 1.0) * discharge
    return BatteryStep(energy, charge, discharge, curtailed, bus_served, loss)
