"""bot.web.page_rows writes the grid's weeks and the people table exactly as the Jinja2
loops it replaced did (kept here as the reference), escaping every outside text."""

from __future__ import annotations

from datetime import date, timedelta

import jinja2
from markupsafe import Markup

from bot.usecases.page import Cell, PersonLine, QuarterGrid
from bot.web.page_rows import grid_rows, people_rows, shortdate
from scheduling.charts import days
from scheduling.wording import plural

# The template's loops before they moved to Python, with the page's environment.
_REFERENCE = jinja2.Environment(
    autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
)
_REFERENCE.filters["shortdate"] = shortdate
GRID = _REFERENCE.from_string(
    """{% for week in quarter.weeks %}
<tr><th scope="row">{{ week_start(week) | shortdate }}</th>
{% for cell in week %}{% if cell is none %}<td></td>{% else %}<td data-day="{{ cell.day.isoformat() }}" class="{% if cell.closed %}closed{% elif cell.open_slots %}unfilled{% endif %}{% if cell.today %} today{% endif %}"{% if cell.today %} aria-current="date"{% endif %}>
<span class="date">{{ cell.day | shortdate }}</span>
{% if cell.closed %}<span class="holiday">{{ cell.closed }}</span>
{% else %}{% if cell.people %}<ul class="people">{% for name in cell.people %}<li>{{ name }}</li>{% endfor %}</ul>{% endif %}
{% if cell.open_slots %}<span class="warn">{{ plural(cell.open_slots, "place") }} unfilled</span>{% endif %}
{% endif %}
{% if cell.away %}<span class="away">Off: {{ cell.away | join(", ") }}</span>{% endif %}
</td>{% endif %}{% endfor %}
</tr>
{% endfor %}
"""  # noqa: E501
)
PEOPLE = _REFERENCE.from_string(
    """{% for person in people %}<tr><th scope="row">{{ person.name }}{% if not person.on_team %} <span class="muted">(left)</span>{% endif %}</th><td class="num">{{ weight(person.weight) }}</td><td class="num">{{ person.done }}</td><td class="num">{{ person.planned }}</td><td class="num">{{ person.away_days }}</td><td class="num">{{ days(person.balance) }}</td><td class="num">{{ days(person.projected) }}</td></tr>
{% endfor %}
"""  # noqa: E501
)

MONDAY = date(2027, 1, 4)
HOSTILE = '<script>alert("x")</script> & O\'Brien'


def _week_start(week: tuple[Cell | None, ...]) -> date:
    first = next(cell for cell in week if cell is not None)
    return first.day - timedelta(days=first.day.weekday())


def cell(offset: int, **fields: object) -> Cell:
    values: dict[str, object] = {
        "people": (),
        "closed": None,
        "open_slots": 0,
        "away": (),
        "today": False,
        "published": True,
    }
    values.update(fields)
    return Cell(day=MONDAY + timedelta(days=offset), **values)  # type: ignore[arg-type]


def quarter() -> QuarterGrid:
    """Every branch of a cell: empty column, people, closed, unfilled, today, away."""
    first = (
        None,
        cell(1, people=("Ada", HOSTILE), today=True),
        cell(2, closed="New Year's Day <observed>", away=("Bo",)),
        cell(3, people=("Ada",), open_slots=1, away=(HOSTILE, "Cy")),
        cell(4, open_slots=2),
    )
    second = (
        cell(7, people=("Bo", "Cy"), open_slots=1, today=False),
        cell(8, closed="Closed"),
        cell(9, people=("Ada",), today=True, open_slots=3),
        cell(10, closed="Holiday", today=True, away=("Ada",)),
        None,
    )
    return QuarterGrid("Jan–Mar 2027", MONDAY, MONDAY + timedelta(days=80), (first, second), True)


def person(name: str, **fields: object) -> PersonLine:
    values: dict[str, object] = {
        "user": "U1",
        "name": name,
        "weight": 1.0,
        "on_team": True,
        "done": 3,
        "planned": 2,
        "away_days": 0,
        "balance": 0.0,
        "projected": 0.25,
    }
    values.update(fields)
    return PersonLine(**values)  # type: ignore[arg-type]


def test_grid_rows_are_the_template_loops_markup() -> None:
    grid = quarter()
    expected = GRID.render(quarter=grid, week_start=_week_start, plural=plural)
    got = grid_rows(grid)
    assert isinstance(got, Markup)
    assert str(got) == expected
    assert "<script>" not in got and "&lt;script&gt;" in got
    assert got.count('aria-current="date"') == 3
    assert 'class="unfilled today"' in got and 'class="closed today"' in got
    assert "1 place unfilled" in got and "2 places unfilled" in got


def test_people_rows_are_the_template_loops_markup() -> None:
    people = (
        person("Ada", balance=-1.25, projected=0.5),
        person(HOSTILE, weight=0.5, on_team=False, away_days=4, balance=6.391, projected=7.0),
        person("Cy & Dee", done=0, planned=0),
    )
    expected = PEOPLE.render(people=people, weight=lambda w: f"{w:g}", days=days)
    got = people_rows(people)
    assert str(got) == expected
    assert "&lt;script&gt;" in got and "(left)" in got and "+6.39" in got


def test_no_weeks_and_no_people_render_nothing() -> None:
    empty = QuarterGrid("Apr–Jun 2027", MONDAY, MONDAY, (), False)
    assert grid_rows(empty) == "" and people_rows(()) == ""
