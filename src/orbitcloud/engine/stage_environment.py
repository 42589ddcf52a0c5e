"""Environment stage: one path for the space environment of every model.

Density (NRLMSIS 2.1 with storm ``ap`` windows) for spacecraft and orbit keeping alike, and the
trapped-radiation environment (particle weights, storm multipliers, SAA flag) for the spacecraft
models. The model logic is :mod:`orbitcloud.environment.space_weather`; this stage only
evaluates it per chunk and hands the records on. The NRLMSIS method is chosen once per run.
"""

from __future__ import annotations

from orbitcloud.engine.context import RunContext
from orbitcloud.engine.contract import AtmosphereRecord, GeometryRecord, RadiationRecord, Records
from orbitcloud.environment import space_weather as swx
from orbitcloud.scenario.base import parse_utc


class EnvironmentStage:
    """Provides :class:`AtmosphereRecord` and, with ``radiation``, :class:`RadiationRecord`."""

    name = "environment"
    requires: tuple[type, ...] = ()
    requires_final: tuple[type, ...] = ()
    provides_final: tuple[type, ...] = ()
    tables: tuple[str, ...] = ()
    halo_steps = 0

    def __init__(self, radiation: bool) -> None:
        self.radiation = radiation
        self.provides: tuple[type, ...] = (AtmosphereRecord,) + (
            (RadiationRecord,) if radiation else ()
        )

    def start(self, ctx: RunContext) -> None:
        env = ctx.scenario.environment
        storms = sorted(
            (swx.StormWindow(parse_utc(s.start).timestamp(), parse_utc(s.end).timestamp(),
                             s.electron_multiplier, s.proton_multiplier, s.ap)
             for s in env.storms),
            key=lambda s: (s.start_s, s.end_s),
        )  # fmt: skip
        method = swx.atmosphere_method_for_run(env.atmosphere_method, len(ctx.sats), ctx.grid.n)
        series = None
        if env.space_weather is not None:
            t0 = ctx.grid.start.timestamp()
            series = swx.series_for_run(
                env.space_weather.table(), env.space_weather.geomagnetic_activity == "3-hourly",
                t0, t0 + (ctx.grid.n - 1) * ctx.grid.step_s,
            )  # fmt: skip
        self.sw = swx.SpaceWeather(env.f107, env.f107a, env.ap, env.radiation_multiplier,
                                   tuple(storms), method, series, env.storm_density_factor,
                                   env.quiet_ap)  # fmt: skip

    def process(self, records: Records, ctx: RunContext) -> None:
        ch = records.get(GeometryRecord).chunk
        unix_s = ctx.grid.unix_ms(ch.k0, ch.k1) / 1000.0
        rho = swx.density_kg_m3(self.sw, unix_s, ch.lat_rad, ch.lon_rad, ch.alt_m)
        records.put(AtmosphereRecord(ch.k0, ch.k1, rho, self.sw.method))
        if self.radiation:
            weights, saa = swx.radiation_environment(
                ch.lat_rad, ch.lon_rad, ch.alt_m, ch.r_itrf, ch.valid
            )
            m_e, m_p = swx.radiation_multipliers(self.sw, unix_s)
            records.put(RadiationRecord(ch.k0, ch.k1, weights, m_e, m_p, saa))

    def finish(self, final: Records, ctx: RunContext) -> None:
        env = ctx.scenario.environment
        ctx.summary["environment"] = {
            "atmosphere": f"NRLMSIS 2.1 via pymsis, method {self.sw.method} (whole run)",
            "storms": len(self.sw.storms),
            "space_weather": "constant f107/f107a/ap" if env.space_weather is None else (
                f"series ({env.space_weather.geomagnetic_activity} ap)"
            ),
            "storm_density_factor": self.sw.storm_density_factor,
        }  # fmt: skip
