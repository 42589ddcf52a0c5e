"""Terrestrial baselines: ground-cloud presets (data centre sites) and the access defaults.

A scenario names one (``workloads.terrestrial.preset: regional-cloud``) instead of listing data
centres; ``sites`` keeps a subset, ``accelerators_per_site`` sizes every preset site, and
entries of ``data_centres`` override a preset site of the same name field by field or add a new
site (docs/scenario-operations.md, docs/compare.md). Site coordinates are the metro area of the
cloud region (the providers do not publish building locations). Sources are given beside each
entry:

* AWS, "Regions and Availability Zones" (aws.amazon.com/about-aws/global-infrastructure/regions_az)
  and the EC2 P5 (H100) instance availability by region;
* Google Cloud, "Cloud locations" (cloud.google.com/about/locations) and the A3 (H100)
  machine-type availability by region;
* Microsoft Azure, "Azure geographies" (azure.microsoft.com/explore/global-infrastructure).

Capacity: the providers publish no accelerator count per region, so every site carries the same
number (``accelerators``, assumed); a scenario sizes it to its demand with
``accelerators_per_site``.
"""

from __future__ import annotations

from typing import Any

DEFAULT_ACCELERATORS_PER_SITE = 2000
"""Accelerators per preset site when the scenario does not size them (assumed)."""

GROUND_CLOUDS: dict[str, dict[str, Any]] = {
    "gpu-regions-2025": {
        "description": "today's large GPU cloud regions (H100 instances offered in 2025), all "
        "in North America, Europe and East/South-East Asia",
        "source": "AWS EC2 P5, Google Cloud A3 and Azure ND H100 v5 region availability (2025)",
        "sites": [
            # AWS us-east-1 (N. Virginia; Ashburn metro), EC2 P5
            {"name": "Ashburn", "lat_deg": 39.04, "lon_deg": -77.49},
            # AWS us-west-2 (Oregon; Boardman / The Dalles), EC2 P5
            {"name": "Oregon", "lat_deg": 45.60, "lon_deg": -121.18},
            # Google us-central1 (Council Bluffs, Iowa), A3
            {"name": "Iowa", "lat_deg": 41.26, "lon_deg": -95.86},
            # Azure South Central US (San Antonio, Texas), ND H100 v5
            {"name": "Texas", "lat_deg": 29.42, "lon_deg": -98.49},
            # AWS eu-central-1 (Frankfurt)
            {"name": "Frankfurt", "lat_deg": 50.11, "lon_deg": 8.68},
            # AWS eu-west-1 (Dublin)
            {"name": "Dublin", "lat_deg": 53.35, "lon_deg": -6.26},
            # Google europe-west4 (Eemshaven, Netherlands), A3
            {"name": "Netherlands", "lat_deg": 53.44, "lon_deg": 6.83},
            # AWS ap-northeast-1 (Tokyo), EC2 P5
            {"name": "Tokyo", "lat_deg": 35.68, "lon_deg": 139.69},
            # Google asia-southeast1 (Singapore), A3
            {"name": "Singapore", "lat_deg": 1.35, "lon_deg": 103.82},
        ],
    },
    "regional-cloud": {
        "description": "a cloud with regional sites on every inhabited continent (the regions "
        "the three large providers list, incl. Sao Paulo, Santiago, Johannesburg, Cape Town, "
        "Sydney, Mumbai)",
        "source": "AWS, Google Cloud and Azure region lists (2025)",
        "sites": [
            # AWS us-east-1 (N. Virginia)
            {"name": "Ashburn", "lat_deg": 39.04, "lon_deg": -77.49},
            # AWS us-west-2 (Oregon)
            {"name": "Oregon", "lat_deg": 45.60, "lon_deg": -121.18},
            # AWS mx-central-1 (Queretaro, Mexico)
            {"name": "Queretaro", "lat_deg": 20.59, "lon_deg": -100.39},
            # AWS sa-east-1 (Sao Paulo)
            {"name": "Sao Paulo", "lat_deg": -23.55, "lon_deg": -46.63},
            # Google southamerica-west1 (Santiago, Chile)
            {"name": "Santiago", "lat_deg": -33.45, "lon_deg": -70.67},
            # AWS eu-central-1 (Frankfurt)
            {"name": "Frankfurt", "lat_deg": 50.11, "lon_deg": 8.68},
            # AWS eu-west-1 (Dublin)
            {"name": "Dublin", "lat_deg": 53.35, "lon_deg": -6.26},
            # AWS me-south-1 (Bahrain)
            {"name": "Bahrain", "lat_deg": 26.07, "lon_deg": 50.56},
            # Azure South Africa North / Google africa-south1 (Johannesburg)
            {"name": "Johannesburg", "lat_deg": -26.20, "lon_deg": 28.05},
            # AWS af-south-1 (Cape Town)
            {"name": "Cape Town", "lat_deg": -33.92, "lon_deg": 18.42},
            # AWS ap-south-1 (Mumbai)
            {"name": "Mumbai", "lat_deg": 19.08, "lon_deg": 72.88},
            # AWS ap-southeast-1 (Singapore)
            {"name": "Singapore", "lat_deg": 1.35, "lon_deg": 103.82},
            # AWS ap-northeast-1 (Tokyo)
            {"name": "Tokyo", "lat_deg": 35.68, "lon_deg": 139.69},
            # AWS ap-southeast-2 (Sydney)
            {"name": "Sydney", "lat_deg": -33.87, "lon_deg": 151.21},
        ],
    },
}
"""Ground-cloud presets: description, source and sites (name, lat_deg, lon_deg)."""

ACCESS_RTT_MS_DEFAULT = 10.0
"""Terrestrial last-mile access round trip [ms]: idle latency of fixed broadband to the nearest
test server, about 5-15 ms for fibre and cable in the FCC Measuring Broadband America Fixed
report (2023; DSL 20-30 ms); mobile access is slower (Ookla Speedtest Global Index: median
4G/5G latency 25-40 ms in 2024). Default: fixed broadband, generous to the ground side."""

ORBITAL_ACCESS_RTT_MS_DEFAULT = 20.0
"""Orbital user-terminal access round trip beyond propagation [ms] (scheduling, MAC framing
and processing of the terminal and satellite). Michel et al., "A First Look at Starlink
Performance", ACM IMC 2022: idle RTT from a dish in Belgium, median about 50 ms, minimum 20 ms;
Mohan et al., "A Multifaceted Look at Starlink Performance", WWW 2024: the bent-pipe (dish to
point of presence) segment dominates the RTT, with 15 s reconfiguration intervals. A bent pipe
at 550 km propagates in about 8-13 ms round trip, so the non-propagation part of the median is
20-30 ms; 20 ms is the low end (generous to the orbital side)."""


def preset_sites(name: str) -> list[dict[str, Any]]:
    """The sites of a ground-cloud preset as ``DataCentreSpec`` mappings (copies).

    Raises
    ------
    ValueError naming the allowed presets for an unknown ``name``.
    """
    if name not in GROUND_CLOUDS:
        raise ValueError(
            f"unknown terrestrial preset {name!r}; presets: {', '.join(GROUND_CLOUDS)}"
        )
    return [
        {**s, "accelerators": DEFAULT_ACCELERATORS_PER_SITE} for s in GROUND_CLOUDS[name]["sites"]
    ]
