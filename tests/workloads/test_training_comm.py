"""Training step = compute + exposed communication over the members' links; the link knee;
honest stops when members are not connected at the needed capacity."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.csgraph import shortest_path

from orbitcloud.network import collectives as co
from orbitcloud.workloads import training as tr

N_PARAM, TOKENS, BYTES = 8e9, 4_194_304, 2.0
PEAK = 918e12  # TPU v6e bf16
MFU = 0.4
PER_SAT = 8
INTRA = 448e9 * 8  # TPU v6e ICI per chip, one direction
HOP = 10e-6
REL = 1e-9


def ring_links(n_sat, cap, rng=200.0):
    a = np.arange(n_sat)
    b = (a + 1) % n_sat
    return (a, b, np.full(n_sat, cap), np.full(n_sat, rng))


def job(n_sat=8, cap=800e9, overlap=0.0, accelerators=None, links=None, n_t=1, need=100e9):
    acc = accelerators or n_sat * PER_SAT
    links = links or [ring_links(n_sat, cap)] * n_t
    size = N_PARAM * BYTES
    comm = co.GraphAllReduce(links, n_sat, "ring", size, HOP, PER_SAT, INTRA)
    p = tr.ClusterParams(np.arange(n_sat), n_sat, np.full(n_sat, float(PER_SAT)),
                         np.full(n_sat, PEAK), acc, need, MFU, False,
                         tr.StepModel(6 * N_PARAM * TOKENS, overlap))  # fmt: skip
    on = np.ones((n_t, n_sat), bool)
    d = tr.ClusterDrivers(on, ~on, on, on, ~on, np.full((n_t, n_sat), PER_SAT, np.int64),
                          np.ones((n_t, n_sat)), ~on, [lk[:3] for lk in links], comm)  # fmt: skip
    return p, d


def hand_step(n_sat, cap, overlap=0.0):
    """Compute 6 N D / (acc peak MFU); all-reduce: 8 accelerators of a satellite reduce-scatter
    and all-gather over ICI around a ring of n_sat satellites on ISLs of ``cap`` 200 m long."""
    acc = n_sat * PER_SAT
    t_comp = 6 * N_PARAM * TOKENS / (acc * PEAK * MFU)
    s = N_PARAM * BYTES * 8  # bits
    intra = 2 * (PER_SAT - 1) * s / (PER_SAT * INTRA)
    alpha = HOP + 200.0 / 299_792_458.0
    inter = 2 * (n_sat - 1) * alpha + 2 * (n_sat - 1) / n_sat * s / cap
    t_ar = intra + inter
    exposed = t_ar - min(overlap * t_ar, 2 / 3 * t_comp)
    return t_comp, t_ar, exposed


@pytest.mark.parametrize("overlap", [0.0, 0.5, 1.0])
@pytest.mark.parametrize(("n_sat", "cap"), [(8, 800e9), (8, 100e9), (16, 12.8e12)])
def test_step_rate_is_compute_over_compute_plus_exposed_comm(n_sat, cap, overlap):
    p, d = job(n_sat, cap, overlap)
    _, al = tr.allocate(tr.MemberMemory.start(n_sat), d, p)
    t_comp, _, exposed = hand_step(n_sat, cap, overlap)
    full = n_sat * PER_SAT * PEAK * MFU
    assert al.rate_flop_s[0] == pytest.approx(full * t_comp / (t_comp + exposed), rel=REL)
    assert al.comm is not None
    assert al.comm.step_time_s[0] == pytest.approx(t_comp + exposed, rel=REL)


def test_goodput_rises_with_link_capacity_and_saturates():
    caps = np.geomspace(100e9, 100e12, 13)
    rates = []
    for c in caps:
        p, d = job(16, c)
        rates.append(tr.allocate(tr.MemberMemory.start(16), d, p)[1].rate_flop_s[0])
    rates = np.array(rates)
    full = 16 * PER_SAT * PEAK * MFU
    assert (np.diff(rates) > 0).all()
    t_comp, _, exposed = hand_step(16, 100e9)
    assert exposed > 0.5 * t_comp  # 100 Gbit/s: a third of the step waits for the links
    assert rates[0] == pytest.approx(full * t_comp / (t_comp + exposed), rel=REL)
    t_comp, t_ar, _ = hand_step(16, np.inf)
    assert rates[-1] == pytest.approx(full * t_comp / (t_comp + t_ar), rel=1e-3)  # saturated


@pytest.mark.parametrize("overlap", [0.0, 0.3, 0.9])
def test_the_knee_is_where_the_rate_falls_to_90_percent_of_saturated(overlap):
    """Rerun the step with every link at the knee capacity reported: 90 % of the rate with
    links 10^6 times faster (independent: the graph model at another capacity)."""
    p, d = job(16, 800e9, overlap)
    knee = tr.allocate(tr.MemberMemory.start(16), d, p)[1].comm.knee_bps[0]
    p_k, d_k = job(16, knee, overlap, need=1e6)  # (the knee may be below the job's 100 G)
    p_s, d_s = job(16, 800e15, overlap)
    r_k = tr.allocate(tr.MemberMemory.start(16), d_k, p_k)[1].rate_flop_s[0]
    r_s = tr.allocate(tr.MemberMemory.start(16), d_s, p_s)[1].rate_flop_s[0]
    assert r_k / r_s == pytest.approx(0.9, rel=1e-6)


def test_link_knee_closed_form_by_hand():
    """No overlap: 90 % rate when exposed = compute / 9 (+ the saturated part)."""
    # compute 1 s, fixed 0.01 s, link part 0.5 s at 1 Tbit/s: saturated step 1.01 s,
    # target 1.01 / 0.9 = 1.12222 s, link part allowed 1.12222 - 1 - 0.01 = 0.11222 s
    knee = tr.link_knee_bps(1.0, 0.01, 0.5, 0.0, 1e12, 0.0)
    assert knee == pytest.approx(1e12 * 0.5 / (1.01 / 0.9 - 1.01), rel=REL)
    assert tr.link_knee_bps(1.0, 0.01, 0.0, 0.0, 1e12, 0.0) == 0.0  # links play no part
    # fixed 0.5 s: saturated 1.5 s, target 1.6667 s, link part allowed 1/6 s
    assert tr.link_knee_bps(1.0, 0.5, 0.1, 0.0, 1e12, 0.0) == pytest.approx(6e11, rel=REL)
    # overlap 0.5 hides up to 2/3 s: allowed all-reduce 2 x 0.1222 s (under 2/3 / 0.5)
    knee = tr.link_knee_bps(1.0, 0.01, 0.5, 0.0, 1e12, 0.5)
    t_ar = 2 * ((1.0 + 0.005) / 0.9 - 1.0)
    assert knee == pytest.approx(1e12 * 0.5 / (t_ar - 0.01), rel=REL)


def test_members_not_connected_at_the_needed_capacity_stop_with_the_reason():
    """A ring of 8 satellites cut in two 4-satellite halves (two links at 10 Gbit/s): a job
    of 64 accelerators needs all 8, only 32 are joined at 100 Gbit/s."""
    a, b, cap, rng = ring_links(8, 800e9)
    cap = cap.copy()
    cap[[3, 7]] = 10e9
    p, d = job(8, links=[(a, b, cap, rng)])
    al = tr.allocate(tr.MemberMemory.start(8), d, p)[1]
    assert not al.available[0]
    assert tr.REASONS[al.why_not[0]] == "links"
    out = tr.TrainingOutputs(al.why_not.astype(np.int8), al.satellites, al.rate_flop_s,
                             np.zeros(1), al.comm)  # fmt: skip
    why = tr.stop_reasons(out, p)[0]
    assert "not connected at 100 Gbit/s" in why
    assert "32 of the 64" in why


def test_tensor_parallel_traffic_by_hand():
    """Megatron: 4 all-reduces per layer of D_r h b bytes among tp ranks (ring)."""
    got = tr.tensor_parallel_s(4, 32, 1e5, 4096, 2.0, INTRA, 0.0)
    assert got == pytest.approx(4 * 32 * 2 * 3 / 4 * 1e5 * 4096 * 2 * 8 / INTRA, rel=REL)
    assert tr.tensor_parallel_s(1, 32, 1e5, 4096, 2.0, INTRA) == 0.0


@pytest.mark.parametrize("seed", range(6))
def test_greedy_ring_matches_the_hop_matrix_order(seed):
    """greedy_ring (direct neighbours, search only when stuck) = ring_order on all-pairs hops."""
    rng = np.random.default_rng(seed)
    n = 30
    a = rng.integers(0, n, 45)
    b = (a + 1 + rng.integers(0, n - 1, 45)) % n
    g = co._graph(n, a, b)
    members = np.sort(rng.choice(n, 20, replace=False))
    hops = shortest_path(g, unweighted=True, indices=members)[:, members]
    got = co.greedy_ring(members, g)
    if not np.isfinite(hops).all():
        assert got is None
    else:
        np.testing.assert_array_equal(got, co.ring_order(members, hops))


@pytest.mark.parametrize(("seed", "cut"), [(0, 1), (1, 17), (2, 39)])
def test_advance_with_communication_is_split_invariant(seed, cut):
    """Two chunks give the same rows and state as one (the comm model is sliced with them)."""
    rng = np.random.default_rng(seed)
    n_sat, n_t = 12, 40
    links = []
    for _ in range(n_t):  # a ring plus random chords, capacities 0.1-1.6 Tbit/s
        a = np.r_[np.arange(n_sat), rng.integers(0, n_sat, 8)]
        b = np.r_[(np.arange(n_sat) + 1) % n_sat, rng.integers(0, n_sat, 8)]
        keep = a != b
        a, b = a[keep], b[keep]
        links.append(
            (a, b, rng.choice([100e9, 400e9, 1600e9], len(a)), rng.uniform(100, 900, len(a)))
        )
    p, d = job(n_sat, links=links, n_t=n_t, accelerators=48)
    d = tr.ClusterDrivers(rng.random((n_t, n_sat)) > 0.1, d.throttled, d.healthy, d.lit_ok,
                          d.storm, d.accelerators_ok, rng.uniform(0.5, 1.0, (n_t, n_sat)),
                          d.eclipse_soon, d.links, d.comm)  # fmt: skip
    sched = tr.JobSchedule(300.0, 30.0, 120.0)
    s0 = tr.TrainingState.start(n_sat)
    whole, out = tr.advance(s0, d, p, sched, 60.0)
    s1, o1 = tr.advance(s0, d.steps(0, cut), p, sched, 60.0)
    s2, o2 = tr.advance(s1, d.steps(cut, n_t), p, sched, 60.0)
    assert whole.job == s2.job
    np.testing.assert_array_equal(out.rate_flop_s, np.r_[o1.rate_flop_s, o2.rate_flop_s])
    np.testing.assert_array_equal(out.comm.step_time_s, np.r_[o1.comm.step_time_s,
                                                              o2.comm.step_time_s])  # fmt: skip
    assert (out.state == 0).any()  # the job ran, or the test would prove nothing
