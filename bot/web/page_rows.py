"""The rotation page's two big repeated parts as HTML: the calendar grid's weeks and the
table of people.

Built in Python rather than by Jinja2 loops: a 1,000-person rotation has thousands of
names in its grid, and each template expression costs a call and a Markup object,
which made the template more than half of the page's time (bench/page_bench.py).
The markup is byte for byte what the template's loops made (tests/bot/web/
test_page_rows.py keeps the two in step). Every outside text goes through
markupsafe.escape, as Jinja2's autoescape would have done.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from markupsafe import Markup, escape

from bot.usecases.page import Cell, PersonLine, QuarterGrid
from scheduling.charts import days
from scheduling.wording import plural


def shortdate(day: date) -> str:
    """ "5 Oct"."""
    return f"{day.day} {day:%b}"


def longdate(day: date) -> str:
    """ "Monday 5 October 2026"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def weight_text(value: float) -> str:
    """A weight as people write it: 1, 0.5."""
    return f"{value:g}"


def _week_start(week: tuple[Cell | None, ...]) -> date:
    first = next(cell for cell in week if cell is not None)
    return date.fromordinal(first.day.toordinal() - first.day.weekday())


def grid_rows(quarter: QuarterGrid) -> Markup:
    """The <tr> of each week of the quarter: a header with the week's Monday, then one
    cell per working-day column (empty outside the quarter)."""
    names: dict[str, str] = {}  # each name escaped once: a person appears many times

    def name(text: str) -> str:
        found = names.get(text)
        if found is None:
            found = names[text] = str(escape(text))
        return found

    out: list[str] = []
    for week in quarter.weeks:
        out.append(f'<tr><th scope="row">{shortdate(_week_start(week))}</th>\n')
        for cell in week:
            out.append("<td></td>" if cell is None else _cell(cell, name))
        out.append("</tr>\n")
    return Markup("".join(out))


def _cell(cell: Cell, name: Callable[[str], str]) -> str:
    kind = "closed" if cell.closed else "unfilled" if cell.open_slots else ""
    classes = kind + (" today" if cell.today else "")
    current = ' aria-current="date"' if cell.today else ""
    parts = [
        f'<td data-day="{cell.day.isoformat()}" class="{classes}"{current}>\n'
        f'<span class="date">{shortdate(cell.day)}</span>\n'
    ]
    if cell.closed:
        parts.append(f'<span class="holiday">{escape(cell.closed)}</span>\n')
    else:
        if cell.people:
            people = "".join(f"<li>{name(person)}</li>" for person in cell.people)
            parts.append(f'<ul class="people">{people}</ul>')
        if cell.open_slots:
            parts.append(f'<span class="warn">{plural(cell.open_slots, "place")} unfilled</span>')
    if cell.away:
        parts.append(f'<span class="away">Off: {escape(", ".join(cell.away))}</span>')
    parts.append("</td>")
    return "".join(parts)


def people_rows(people: tuple[PersonLine, ...]) -> Markup:
    """One <tr> per person: name (and "(left)"), weight, days done, planned and off,
    balance now and at the end of the plan."""
    out = []
    for p in people:
        left = "" if p.on_team else ' <span class="muted">(left)</span>'
        out.append(
            f'<tr><th scope="row">{escape(p.name)}{left}</th>'
            f'<td class="num">{weight_text(p.weight)}</td><td class="num">{p.done}</td>'
            f'<td class="num">{p.planned}</td><td class="num">{p.away_days}</td>'
            f'<td class="num">{days(p.balance)}</td><td class="num">{days(p.projected)}</td>'
            "</tr>\n"
        )
    return Markup("".join(out))
