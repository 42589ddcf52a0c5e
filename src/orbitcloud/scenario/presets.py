"""Hardware presets: accelerators, LLMs and whole satellites, each value with its source.

A preset is plain data in the scenario's own units (``tdp_w``, ``area_m2``); a scenario names it
(``spacecraft: {preset: suncatcher-tpu}``) and overrides any field in YAML, so hardware changes
need no code (docs/scenario-spacecraft.md). Sources are given in a comment beside each value;
"assumed" marks an engineering estimate where nothing is published, "(secondary)" a press or
summary figure (shared/VALIDATION.md conventions).
"""

from __future__ import annotations

from typing import Any

ACCELERATORS: dict[str, dict[str, Any]] = {
    "tpu-v6e": {
        # Google Cloud TPU v6e (Trillium) system architecture page, cloud.google.com/tpu/docs/v6e
        "peak_tflops": {
            "bf16": 918.0,
            "int8": 1836.0,
            "fp8": 918.0,
            "fp32": 918.0 / 4,
        },  # bf16/int8: Google; fp8 runs at bf16 rate on v6e (no native fp8, assumed); fp32 assumed 1/4
        "hbm_gb": 32.0,  # Google: 32 GB HBM per chip
        "hbm_tb_s": 1.64,  # Google: 1,640 GB/s
        "interconnect_gb_s": 448.0,  # Google: ICI 3,584 Gbps per chip (all links, one direction)
        "tdp_w": 300.0,  # assumed: chip power not published; estimates 250-350 W
        "idle_w": 60.0,  # assumed: about 20 % of TDP
        "mass_kg": 3.0,  # assumed: chip, board share and cold plate
        "tid_tolerance_krad": 15.0,  # Suncatcher, arXiv:2511.19468: no hard failures to 15 krad(Si) (67 MeV protons)
        "hbm_irregularity_krad": 2.0,  # Suncatcher: HBM irregularities from about 2 krad(Si)
        "memory_seu_cross_section_cm2": 1.0e-3,  # assumed: 1e-14 cm2/bit x 32 GB, order of magnitude for DRAM under protons
        "sefi_cross_section_cm2": 5.0e-9,  # assumed: functional-interrupt cross section of a complex SoC, 1e-10..1e-8 cm2
        "random_failure_fit": 500.0,  # assumed: 500 failures per 1e9 device-hours (about 0.4 %/year)
    },
    "h100-sxm": {
        # NVIDIA H100 Tensor Core GPU datasheet (SXM5): dense figures (sparsity halves them)
        "peak_tflops": {"fp8": 1979.0, "bf16": 989.0, "int8": 1979.0, "fp32": 67.0},
        "hbm_gb": 80.0,  # datasheet: 80 GB HBM3
        "hbm_tb_s": 3.35,  # datasheet: 3.35 TB/s
        "interconnect_gb_s": 450.0,  # datasheet: NVLink 900 GB/s (both directions)
        "tdp_w": 700.0,  # datasheet: up to 700 W
        "idle_w": 70.0,  # assumed: about 10 % of TDP (nvidia-smi idle readings 60-90 W)
        "mass_kg": 3.5,  # assumed: SXM module with cold plate
        "tid_tolerance_krad": 15.0,  # assumed: like the Suncatcher TPU (no published H100 beam data)
        "hbm_irregularity_krad": 2.0,  # assumed: HBM behaves as in the Suncatcher test
        "memory_seu_cross_section_cm2": 2.5e-3,  # assumed: scaled by HBM size from the TPU value
        "sefi_cross_section_cm2": 5.0e-9,  # assumed
        "random_failure_fit": 500.0,  # assumed
    },
    "h200-sxm": {
        # NVIDIA H200 datasheet: same Hopper compute as H100, 141 GB HBM3e at 4.8 TB/s
        "peak_tflops": {"fp8": 1979.0, "bf16": 989.0, "int8": 1979.0, "fp32": 67.0},
        "hbm_gb": 141.0,
        "hbm_tb_s": 4.8,
        "interconnect_gb_s": 450.0,  # datasheet: NVLink 900 GB/s (both directions)
        "tdp_w": 700.0,
        "idle_w": 70.0,  # assumed as H100
        "mass_kg": 3.5,  # assumed
        "tid_tolerance_krad": 15.0,  # assumed
        "hbm_irregularity_krad": 2.0,  # assumed
        "memory_seu_cross_section_cm2": 4.4e-3,  # assumed: scaled by HBM size
        "sefi_cross_section_cm2": 5.0e-9,  # assumed
        "random_failure_fit": 500.0,  # assumed
    },
    "a100-sxm-80gb": {
        # NVIDIA A100 Tensor Core GPU datasheet (SXM4 80 GB): dense figures (sparsity doubles
        # them); no FP8 units, so fp8 runs at the bf16 rate
        "peak_tflops": {"bf16": 312.0, "int8": 624.0, "fp8": 312.0, "fp32": 19.5},
        "hbm_gb": 80.0,  # datasheet: 80 GB HBM2e
        "hbm_tb_s": 2.039,  # datasheet: 2,039 GB/s
        "interconnect_gb_s": 300.0,  # datasheet: NVLink 600 GB/s (both directions)
        "tdp_w": 400.0,  # datasheet: 400 W
        "idle_w": 50.0,  # assumed: about 12 % of TDP
        "mass_kg": 3.0,  # assumed: SXM module with cold plate
        "tid_tolerance_krad": 15.0,  # assumed: like the Suncatcher TPU
        "hbm_irregularity_krad": 2.0,  # assumed
        "memory_seu_cross_section_cm2": 2.5e-3,  # assumed: scaled by HBM size
        "sefi_cross_section_cm2": 5.0e-9,  # assumed
        "random_failure_fit": 500.0,  # assumed
    },
    "jetson-agx-orin-64gb": {
        # NVIDIA Jetson AGX Orin series data sheet: 275 sparse INT8 TOPS incl. DLAs; the GPU's
        # dense tensor throughput is about 85 INT8 TOPS and 42.5 FP16 TFLOPS
        "peak_tflops": {
            "int8": 85.0,
            "fp8": 42.5,
            "bf16": 42.5,
            "fp32": 5.3,
        },  # fp32: 5.3 TFLOPS CUDA (data sheet); fp8 at fp16 rate (assumed)
        "hbm_gb": 64.0,  # data sheet: 64 GB LPDDR5
        "hbm_tb_s": 0.2048,  # data sheet: 204.8 GB/s
        "interconnect_gb_s": 1.25,  # assumed: one 10 GbE port between modules (no NVLink)
        "tdp_w": 60.0,  # data sheet: 15-60 W power modes
        "idle_w": 5.0,  # assumed
        "mass_kg": 0.7,  # assumed: module, carrier share and heat spreader
        "tid_tolerance_krad": 20.0,  # assumed: commercial 8 nm SoC; Jetson-class parts have been tested to about 20 krad
        "hbm_irregularity_krad": 10.0,  # assumed: LPDDR5, no HBM
        "memory_seu_cross_section_cm2": 2.0e-3,  # assumed: scaled by memory size
        "sefi_cross_section_cm2": 3.0e-9,  # assumed
        "random_failure_fit": 300.0,  # assumed
    },
}
"""Accelerator catalogue (``spacecraft.compute.accelerator``)."""

LLM_MODELS: dict[str, dict[str, Any]] = {
    # Meta Llama 3 / 3.1 / 3.3 model cards and config.json (parameters, layers, query and KV
    # heads, head dim, vocabulary); 3.1 and 3.3 share the 3.0 architecture at 8B and 70B
    "llama-3-8b": {"params_b": 8.03, "layers": 32, "kv_heads": 8, "head_dim": 128, "heads": 32, "vocab": 128256},
    "llama-3.1-8b": {"params_b": 8.03, "layers": 32, "kv_heads": 8, "head_dim": 128, "heads": 32, "vocab": 128256},
    "llama-3-70b": {"params_b": 70.6, "layers": 80, "kv_heads": 8, "head_dim": 128, "heads": 64, "vocab": 128256},
    "llama-3.1-70b": {"params_b": 70.6, "layers": 80, "kv_heads": 8, "head_dim": 128, "heads": 64, "vocab": 128256},
    "llama-3.3-70b": {"params_b": 70.6, "layers": 80, "kv_heads": 8, "head_dim": 128, "heads": 64, "vocab": 128256},
    "llama-3.1-405b": {"params_b": 405.9, "layers": 126, "kv_heads": 8, "head_dim": 128, "heads": 128, "vocab": 128256},
    # Llama 2 (Touvron et al. 2023, arXiv:2307.09288; config.json): 7B/13B have no GQA; 70B has 8
    "llama-2-7b": {"params_b": 6.74, "layers": 32, "kv_heads": 32, "head_dim": 128, "heads": 32, "vocab": 32000},
    "llama-2-13b": {"params_b": 13.0, "layers": 40, "kv_heads": 40, "head_dim": 128, "heads": 40, "vocab": 32000},
    "llama-2-70b": {"params_b": 69.0, "layers": 80, "kv_heads": 8, "head_dim": 128, "heads": 64, "vocab": 32000},
    # Mistral 7B v0.1 (Jiang et al. 2023, arXiv:2310.06825, Table 1): GQA 8 KV heads, 4,096 window
    "mistral-7b": {"params_b": 7.24, "layers": 32, "kv_heads": 8, "head_dim": 128, "heads": 32, "vocab": 32000},
}  # fmt: skip
"""LLM catalogue for :func:`orbitcloud.spacecraft.compute.llm_tokens_per_s`."""

SATELLITES: dict[str, dict[str, Any]] = {
    "suncatcher-tpu": {
        # Illustrative Suncatcher-like TPU satellite (Google, arXiv:2511.19468, 2025): the paper
        # gives the concept (TPU v6e, dawn-dusk SSO, optical ISLs) not a bill of materials, so
        # sizes below are assumed, chosen to close power and heat in near-continuous sunlight.
        "description": "Suncatcher-like: 8 TPU v6e, 12 m2 sun-tracking array, 5 m2 radiator",
        "shielding_mm_al": 10.0,  # assumed: 5-yr dose ~1.3 krad, near the paper's ~750 rad
        "shielded_volume_l": 60.0,  # assumed electronics enclosure
        "bus": {
            "mass_kg": 150.0,  # assumed: structure, ADCS, avionics, propulsion (dry)
            "power_w": 300.0,  # assumed: bus avionics and ADCS
        },
        "solar_array": {
            "area_m2": 12.0,  # assumed
            "efficiency": 0.298,  # Spectrolab triple junction 29.8 % BOL, AM0 28 C (Fetzer et al.)
            "pointing": "sun_tracking",
            "mass_kg_per_m2": 2.5,  # assumed: rigid panel with cells, 2-3 kg/m2 typical
        },
        "battery": {
            "capacity_wh": 2000.0,  # assumed: bus through the ~20 min eclipse-season eclipses
            "max_dod": 0.8,  # assumed
        },
        "radiator": {
            "area_m2": 5.0,  # assumed: ~half the array (Starcloud's rule of thumb, secondary)
            "two_sided": True,
            "orientation": "edge_on",
        },
        "compute": {
            "accelerator": "tpu-v6e",
            "count": 8,  # assumed
            "host_power_w": 400.0,  # assumed: hosts, NICs, memory
            "temp_limit_k": 358.15,  # assumed: 85 C cold-plate limit
        },
        "thermal": {
            "accelerator_heat_capacity_j_k": 25000.0,  # assumed: 8 x 3 kg of boards/cold plates
            "radiator_heat_capacity_j_k": 60000.0,  # assumed: radiator and structure
            "conductance_w_k": 120.0,  # assumed: 20 K chip-to-radiator drop at full power
        },
        "lasers": {"count": 4, "power_w": 40.0, "mass_kg": 8.0},  # assumed: 4 optical terminals
    },
    "starcloud-h100": {
        # Starcloud-1 (launched 2025-11 with one NVIDIA H100; about 60 kg) (secondary: press);
        # array and radiator sizes assumed to power and cool one H100.
        "description": "Starcloud-like: 1 H100, 4 m2 array, 1.5 m2 radiator, ~60 kg class",
        "shielding_mm_al": 3.0,  # assumed
        "shielded_volume_l": 20.0,  # assumed
        "bus": {
            "mass_kg": 22.0,  # assumed: small-satellite bus
            "power_w": 80.0,  # assumed
        },
        "solar_array": {
            "area_m2": 4.0,  # assumed
            "efficiency": 0.298,  # Fetzer et al. (Spectrolab), as above
            "pointing": "sun_tracking",
            "mass_kg_per_m2": 1.5,  # assumed: lightweight panel
        },
        "battery": {"capacity_wh": 1200.0, "max_dod": 0.8},  # assumed
        "radiator": {
            "area_m2": 1.5,  # assumed
            "two_sided": True,
            "orientation": "edge_on",
            "mass_kg_per_m2": 3.0,  # assumed
        },
        "compute": {
            "accelerator": "h100-sxm",
            "count": 1,  # Starcloud-1 flies one H100 (secondary)
            "host_power_w": 150.0,  # assumed
            "temp_limit_k": 358.15,  # assumed
        },
        "thermal": {
            "accelerator_heat_capacity_j_k": 6000.0,  # assumed
            "radiator_heat_capacity_j_k": 12000.0,  # assumed
            "conductance_w_k": 30.0,  # assumed: ~20 K drop at 630 W
        },
        "lasers": {"count": 0, "power_w": 0.0, "mass_kg": 0.0},
    },
    "starlink-class": {
        # Starlink v1.5-class bus: ~300 kg (secondary: SpaceX press), one deployable array; no AI
        # accelerators, 3 laser terminals (SpaceX, SPIE 2024, secondary). Sizes assumed.
        "description": "Starlink-class bus: ~300 kg, 30 m2 single-axis array, no accelerators",
        "shielding_mm_al": 3.0,  # assumed
        "shielded_volume_l": 80.0,  # assumed
        "bus": {
            "mass_kg": 230.0,  # assumed: bus dry mass incl. Ku/Ka payload
            "power_w": 1800.0,  # assumed: bus + communications payload average
        },
        "solar_array": {
            "area_m2": 30.0,  # assumed
            "efficiency": 0.30,  # assumed: space triple junction class
            "pointing": "single_axis",  # one rotation axis (Starlink arrays turn about one axis)
            "mass_kg_per_m2": 1.0,  # assumed: flexible array
        },
        "battery": {"capacity_wh": 4000.0, "max_dod": 0.8},  # assumed
        "radiator": {
            "area_m2": 4.0,  # assumed: body panels
            "two_sided": False,
            "orientation": "zenith",
            "absorptance": 0.15,  # assumed: white paint / OSR
        },
        "compute": {"accelerator": None, "count": 0, "host_power_w": 0.0},
        "thermal": {
            "accelerator_heat_capacity_j_k": 5000.0,  # assumed (no accelerators)
            "radiator_heat_capacity_j_k": 80000.0,  # assumed: structure and panels
            "conductance_w_k": 50.0,  # assumed
        },
        "lasers": {"count": 3, "power_w": 40.0, "mass_kg": 6.0},  # assumed per terminal
    },
    "jetson-edge": {
        # 12U CubeSat-class edge computer with an NVIDIA Jetson AGX Orin 64GB (data sheet: 15-60 W);
        # bus sizes assumed (CubeSat deployable panels ~ 0.1 m2 each).
        "description": "Edge-compute smallsat: Jetson AGX Orin, 0.5 m2 array, ~20 kg",
        "shielding_mm_al": 2.0,  # assumed: CubeSat walls and a spot shield
        "shielded_volume_l": 3.0,  # assumed
        "bus": {
            "mass_kg": 14.0,  # assumed: 12U structure, ADCS, avionics
            "power_w": 25.0,  # assumed
        },
        "solar_array": {
            "area_m2": 0.5,  # assumed: deployable panels
            "efficiency": 0.298,  # Fetzer et al. (Spectrolab)
            "pointing": "body_fixed",
            "body_normal": "zenith",
            "mass_kg_per_m2": 3.0,  # assumed
        },
        "battery": {
            "capacity_wh": 150.0,  # assumed
            "max_dod": 0.6,  # assumed: Li-ion, 60 % DoD for cycle life
        },
        "radiator": {
            "area_m2": 0.15,  # assumed
            "two_sided": False,
            "orientation": "edge_on",
            "mass_kg_per_m2": 2.0,  # assumed
        },
        "compute": {
            "accelerator": "jetson-agx-orin-64gb",
            "count": 1,
            "host_power_w": 5.0,  # assumed: carrier board, radio
            "temp_limit_k": 358.15,  # assumed
        },
        "thermal": {
            "accelerator_heat_capacity_j_k": 800.0,  # assumed: module and heat spreader
            "radiator_heat_capacity_j_k": 4000.0,  # assumed
            "conductance_w_k": 3.0,  # assumed: ~18 K drop at 55 W
        },
        "lasers": {"count": 0, "power_w": 0.0, "mass_kg": 0.0},
    },
}
"""Satellite presets (``spacecraft.preset``)."""

DEFAULT_PRESET_BY_KIND = {"cluster": "suncatcher-tpu"}
DEFAULT_PRESET = "starlink-class"
"""Preset of a constellation that configures no spacecraft: a cluster is Suncatcher-like (the
built-in clusters model it), everything else a Starlink-class bus."""
