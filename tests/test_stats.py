"""Wilson intervals and benchmark judgements, as Fingertips computes them."""

from __future__ import annotations

import numpy as np
import pytest

from wdp.stats import Z95, Z998, compare_to_benchmark, nearest_level, wilson_interval, z_for


def test_quantiles_are_the_fingertips_ones() -> None:
    assert Z95 == pytest.approx(1.959963985, abs=1e-9)
    assert Z998 == pytest.approx(3.090232306, abs=1e-9)
    assert z_for(99.5) == pytest.approx(2.807, abs=1e-3)


def test_wilson_interval_matches_a_published_fingertips_row() -> None:
    # England, cervical 25-49, 2010: Count 6,948,654 of 9,373,601 (Fingertips indicator 93560).
    lower, upper = wilson_interval(6948654, 9373601)
    assert float(lower) == pytest.approx(74.1019939840089, abs=1e-9)
    assert float(upper) == pytest.approx(74.1580625952054, abs=1e-9)


def test_wilson_interval_is_sensible_at_the_edges() -> None:
    lower, upper = wilson_interval([0, 10, 5], [10, 10, 0])
    assert lower[0] == pytest.approx(0, abs=1e-9) and 0 < upper[0] < 40  # not zero-width
    assert upper[1] == pytest.approx(100) and 60 < lower[1] < 100
    assert np.isnan(lower[2]) and np.isnan(upper[2])  # no denominator: undefined


def test_comparison_with_a_benchmark_needs_the_whole_interval_beyond_it() -> None:
    judged = compare_to_benchmark([71, 68, 60, np.nan], [73, 72, 65, np.nan], [70, 70, 70, 70])
    assert judged.tolist() == ["better", "similar", "worse", ""]
    low_is_good = compare_to_benchmark([71], [73], [70], high_is_good=False)
    assert low_is_good.tolist() == ["worse"]


def test_nearest_level_names_the_interval_a_width_implies() -> None:
    assert nearest_level(2.81) == 99.5
    assert nearest_level(3.09) == 99.8


def test_pathfinder_figures_carry_the_same_wilson_limits_in_sql(seeded_db) -> None:
    from tests.helpers import open_db
    from wdp.stats import Z998

    with open_db(seeded_db, read_only=True) as con:
        rows = con.execute(
            "SELECT numerator, denominator, value, lower_95, upper_95, lower_998, upper_998 "
            "FROM latest_screening_ci"
        ).df()
    assert len(rows) > 1000
    assert np.allclose(rows["value"], 100 * rows["numerator"] / rows["denominator"])
    lower, upper = wilson_interval(rows["numerator"], rows["denominator"])
    assert np.allclose(rows["lower_95"], lower) and np.allclose(rows["upper_95"], upper)
    lower, upper = wilson_interval(rows["numerator"], rows["denominator"], z=Z998)
    assert np.allclose(rows["lower_998"], lower) and np.allclose(rows["upper_998"], upper)


def test_change_in_a_count_has_a_poisson_interval() -> None:
    from wdp.stats import count_ratio_interval

    change, lower, upper = count_ratio_interval(412, 515)
    assert change == pytest.approx(25.0)
    # exp(+/- 1.96 * sqrt(1/515 + 1/412)) around the ratio 1.25
    assert lower == pytest.approx(
        100 * (1.25 * np.exp(-1.96 * np.sqrt(1 / 515 + 1 / 412)) - 1), abs=0.01
    )
    assert 9 < lower < 11 and 41 < upper < 43
    assert all(np.isnan(count_ratio_interval(0, 5)))


def test_difference_of_proportions_matches_newcombes_worked_example() -> None:
    from wdp.stats import difference_interval

    # Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 against 48/80.
    difference, lower, upper = difference_interval(48, 80, 56, 70)
    assert difference == pytest.approx(20.0)
    assert lower == pytest.approx(5.24, abs=0.01)
    assert upper == pytest.approx(33.39, abs=0.01)
    assert all(np.isnan(difference_interval(1, 0, 1, 2)))
