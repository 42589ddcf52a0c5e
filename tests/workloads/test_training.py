"""Training job accounting: checkpoints, unplanned and planned stops, restarts."""

from __future__ import annotations

import numpy as np

from orbitcloud.workloads.training import REASONS, JobState, job_steps


def run(avail, fault=None, ahead=None, why=None):
    n = len(avail)
    st = JobState()
    code, comm = job_steps(
        st, np.array(avail), np.full(n, REASONS.index("eclipse")) if why is None else why,
        np.full(n, 1.0), np.zeros(n, bool) if ahead is None else np.array(ahead),
        np.zeros(n, bool) if fault is None else np.array(fault), 60.0, 300.0, 60.0, 120.0,
    )  # fmt: skip
    return st, code, comm


def test_running_job_checkpoints_and_commits():
    st, _, comm = run([True] * 10)  # 600 s: 300 s run, 60 s checkpoint, 240 s run
    assert st.checkpoints == 1
    assert st.committed_flop == 300.0
    assert st.uncommitted_flop == 240.0
    assert comm[-1] == 300.0


def test_unplanned_stop_loses_uncommitted_work_planned_stop_does_not():
    st, _, _ = run([True, True, False, True])
    assert st.lost_flop["eclipse"] == 120.0
    assert st.stops == 1
    assert st.lost_s["restart"] == 60.0  # 120 s restart, 60 s of it in the last step
    st2, _, _ = run([True, True, False, True], ahead=[False, True, False, False])
    assert st2.lost_flop["eclipse"] == 0.0
    assert st2.committed_flop == 120.0


def test_conservation_of_work():
    rng = np.random.default_rng(3)
    avail = rng.random(500) > 0.2
    fault = rng.random(500) > 0.97
    st, _, _ = run(avail.tolist(), fault=fault.tolist())
    produced = st.committed_flop + st.uncommitted_flop + sum(st.lost_flop.values())
    run_s = 60.0 * (avail & ~fault).sum() - st.lost_s["restart"] - st.lost_s["checkpoint"]
    np.testing.assert_allclose(produced, run_s)


def test_answer_text_states_goodput_mfu_and_where_the_time_went():
    from orbitcloud.workloads.training import answer_text

    jobs = {"llm": {"goodput": 0.5671, "committed_eflop": 9217.7, "mfu_running": 0.2867,
                    "terrestrial_pod": {"name": "DGX H100 SuperPOD", "mfu_running": 0.3531},
                    "time_not_running_s": {"radiation": 840.0, "restart": 3480.0},
                    "stops": 13}}  # fmt: skip
    assert answer_text(jobs) == (
        "Job 'llm' committed 56.7% of the run's wall time as training work (9,218 EFLOP), at "
        "28.7% MFU while running (35.3% on a DGX H100 SuperPOD); not running: restart 58 min, "
        "radiation 14 min (13 stops)."
    )
    assert answer_text({}) is None
