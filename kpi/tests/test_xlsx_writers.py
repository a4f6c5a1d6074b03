"""The openpyxl-or-XlsxWriter measurement (bench/bench_kpi_xlsx_writers.py) measures the same
workbook twice, and runs without XlsxWriter installed (its half skipped)."""
import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from bench import bench_kpi_xlsx_writers as bench


def test_the_bench_yields_its_figures_at_a_small_scale():
    figures = {name: value for name, value, _unit in bench.run(0.001)}
    assert figures["kpi.xlsx_openpyxl_s"] >= 0 and figures["kpi.xlsx_openpyxl_peak_mb"] > 0
    assert "kpi.xlsx_xlsxwriter_s" in figures  # measured, or "skipped" without XlsxWriter


def test_both_writers_write_the_same_cells_and_charts():
    pytest.importorskip("xlsxwriter")
    with translation.override("zh-hans"):
        context = bench.synthetic_report(stores=2, complaints=30)
        one = load_workbook(io.BytesIO(bench.build_with_openpyxl(context)))
        other = load_workbook(io.BytesIO(bench.build_with_xlsxwriter(context)))
    assert one.sheetnames == other.sheetnames
    for name in one.sheetnames:
        assert list(one[name].iter_rows(values_only=True)) == list(other[name].iter_rows(values_only=True)), name
        assert len(one[name]._charts) == len(other[name]._charts), name
    # Customers' text starting like a formula stays text in both.
    assert not any(isinstance(v, str) and v.startswith("=") for row in other["投诉"].iter_rows(values_only=True)
                   for v in row)
