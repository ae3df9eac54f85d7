"""``ioakit.measure``: the cost of tracing and code generation recorded on machines."""

from __future__ import annotations

import tracemalloc

from ioakit.measure import Cost, measure
from ioakit.registry import get_spec


def test_a_measured_block_has_its_time_and_under_tracemalloc_its_peak_allocation() -> None:
    tracemalloc.start()
    try:
        with measure() as meter:
            block = bytearray(5_000_000)
        del block
    finally:
        tracemalloc.stop()
    assert meter.cost.seconds >= 0
    assert meter.cost.peak_bytes is not None and 5_000_000 <= meter.cost.peak_bytes < 6_000_000
    assert str(Cost(0.4215, 12_300_000)) == "0.42 s (12 MB)" and str(Cost(1.0)) == "1.00 s"
    assert Cost(1.0, 5) + Cost(2.0, 3) == Cost(3.0, 5) and Cost(1.0) + Cost(1.0) == Cost(2.0)


def test_machines_and_generated_code_record_what_they_cost() -> None:
    m = get_spec("TO-machine").build({"max_inputs": 1})
    assert m.build_cost is not None and m.build_cost.seconds > 0
    compiled = m.compiled()
    assert compiled.cost is not None and compiled.layer_cost is None
    assert compiled.layer.cost.seconds > 0  # type: ignore[attr-defined]
    assert compiled.layer_cost is compiled.layer.cost  # type: ignore[attr-defined]
    assert compiled.generation_summary().startswith("generated ")
