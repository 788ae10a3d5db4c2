"""scheduling.standing agrees with the exact ledger; scheduling.charts draws one bar per
person around zero, escapes every label and describes itself for screen readers."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from fractions import Fraction
from xml.etree import ElementTree

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.charts import Bar, days, fairness_layout, fairness_svg, history_svg
from scheduling.ledger import build_ledger
from scheduling.model import Member
from scheduling.standing import balances_at

SVG = "{http://www.w3.org/2000/svg}"
START = date(2026, 1, 5)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([Fraction(1), Fraction(1, 2), Fraction(3, 5)]),
            st.integers(0, 40),  # joined, days after START
            st.one_of(st.none(), st.integers(20, 90)),  # left
        ),
        min_size=1,
        max_size=6,
    ),
    st.lists(st.tuples(st.integers(0, 90), st.integers(0, 5)), max_size=80),
    st.integers(0, 100),
)
def test_balances_at_matches_the_exact_ledger(
    people: list[tuple[Fraction, int, int | None]],
    served: list[tuple[int, int]],
    end_offset: int,
) -> None:
    members = [
        Member(
            id=f"U{n}",
            name=f"P{n}",
            weight=weight,
            joined=START + timedelta(days=joined),
            left=None if left is None else START + timedelta(days=max(left, joined)),
        )
        for n, (weight, joined, left) in enumerate(people)
    ]
    entries = [(START + timedelta(days=d), f"U{m % len(members)}") for d, m in served]
    end = START + timedelta(days=end_offset)
    upto = [(d, u) for d, u in entries if d <= end]
    exact = build_ledger(members, Counter(d for d, _ in upto), Counter(u for _, u in upto), end)
    (got,) = balances_at(members, entries, [end])
    for member in members:
        assert abs(got[member.id] - float(exact.balance(member.id))) < 1e-9


def test_one_bar_per_person_around_zero_with_labels_escaped() -> None:
    bars = [Bar("Ada", 1.5, 0.25), Bar('<script>alert("x")</script>', -0.5, 0.0, "weight 0.5")]
    svg = fairness_svg(bars, title="Balances & more")
    root = ElementTree.fromstring(svg)  # well-formed: every label escaped
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Balances & more"  # type: ignore[union-attr]
    desc = root.find(f"{SVG}desc").text or ""  # type: ignore[union-attr]
    assert "2 people" in desc and "1.5 days now" in desc
    now_bars = [r for r in root.iter(f"{SVG}rect") if "now" in (r.get("class") or "").split()]
    assert len(now_bars) == 2
    layout = fairness_layout(bars)
    ada, evil = now_bars
    assert float(ada.get("x") or 0) == layout.zero  # ahead: to the right of zero
    assert float(evil.get("x") or 0) < layout.zero and "neg" in (evil.get("class") or "")
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_history_has_one_line_per_person_and_skips_before_joining() -> None:
    svg = history_svg(
        ["Q1", "Q2", "Q3"], [("Ada", (0.5, -0.25, 0.0)), ("Ben", (None, None, 0.5))], title="t"
    )
    root = ElementTree.fromstring(svg)
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 2
    assert len((lines[1].get("points") or "").split()) == 1
    assert "Q2 0.25" in (root.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]


def test_days_reads_like_a_balance() -> None:
    assert [days(v) for v in (0.0, -0.0, 1.0, -1.25, 0.5)] == ["0", "0", "+1", "-1.25", "+0.5"]
