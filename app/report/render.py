"""The monthly report as HTML and as PDF (fpdf2: pure Python, no system libraries).

Both renderings walk the same ``MonthlyReport`` in the same order, so they say the same.
The PDF uses the core Helvetica font, whose encoding is Latin-1: Norwegian, Danish and
German letters are in it; anything else is replaced rather than dropped silently.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

from fpdf import FPDF

from app.programmes.comparison import Estimate
from app.report.content import TITLES, MonthlyReport, show

SECTIONS = ("KPIs against targets", "Pilot against the rest", "ROI per programme",
            "Modules that need revision")  # fmt: skip


def _rows(report: MonthlyReport) -> Iterator[tuple[str, list[list[str]], list[str]]]:
    """(section, table rows, notes) in order, shared by both renderings."""
    header = ["KPI", report.month, "previous month", "target / status", "last 12 months"]
    kpis = [header] + [
        [k.title, "hidden" if k.hidden else show(k.value, k.kind), show(k.previous, k.kind),
         k.status, " ".join(show(v, k.kind) if v is not None else "-" for _, v in k.trend[-6:])]
        for k in report.kpis
    ]  # fmt: skip
    yield SECTIONS[0], kpis, [f"Figures resting on fewer than {report.min_group_size} people"
                              " are hidden (works council's k rule)."]  # fmt: skip
    pilot_rows: list[list[str]] = [["Programme / KPI", "pilot", "rest", "difference (95%)"]]
    notes: list[str] = []
    for name, found in report.pilots:
        if isinstance(found, str):
            notes.append(f"{name}: {found}")
            continue
        notes.append(f"{name}: {found.cohort_size} in the pilot, {found.comparison_size} others,"
                     f" {found.window.label}.")  # fmt: skip
        for k in found.kpis:
            title, kind = TITLES[k.kpi]
            cells = [_estimate(e, kind) for e in (k.cohort, k.comparison, k.difference)]
            pilot_rows.append([f"{name}: {title}", *cells])
    if not report.pilots:
        notes.append("No programme has a confirmed pilot cohort.")
    yield SECTIONS[1], pilot_rows if len(pilot_rows) > 1 else [], notes
    roi_rows = [["Programme", "cost", "benefit", "ROI", "break-even"]] + [
        [name, f"{r.total_cost:,.0f}", f"{r.total_benefit:,.0f}", show(r.roi_percent, "roi"),
         r.break_even.label if r.break_even else "not yet"]
        for name, r in report.roi
    ]  # fmt: skip
    yield SECTIONS[2], roi_rows if report.roi else [], [] if report.roi else ["No programmes."]
    modules = [["Module", "why"]] + [[m.title, m.reason] for m in report.modules]
    yield (
        SECTIONS[3],
        modules if report.modules else [],
        ([] if report.modules else ["No module is flagged for revision."]),
    )
    if report.variant == "works_council":
        names = ["completion_rate", "enps", "adoption", "learning_hours_per_employee"]
        rows = [["Department", "people"] + [TITLES[n][0] for n in names]] + [
            [d.name, "hidden" if d.size is None else str(d.size)]
            + [d.values.get(n, "-") for n in names]
            for d in report.departments
        ]  # fmt: skip
        yield "Departments (this month)", rows, ["Hidden: fewer than k people, or a cell that"
                                                 " would give a hidden one away."]  # fmt: skip


def _estimate(found: Estimate | None, kind: str) -> str:
    if found is None:
        return "hidden"
    if found.value is None:
        return "-"
    if found.low is None or found.high is None:
        return show(found.value, kind)
    return f"{show(found.value, kind)} ({show(found.low, kind)} to {show(found.high, kind)})"


def to_html(report: MonthlyReport) -> str:
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(report.title)}</title><style>body{{font:14px system-ui;"
        "margin:2em}}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;"
        "padding:3px 8px;text-align:left}</style></head><body>",
        f"<h1>{html.escape(report.title)}</h1>",
        f"<p>{html.escape(_period(report))}</p>",
    ]  # fmt: skip
    for section, rows, notes in _rows(report):
        parts.append(f"<h2>{html.escape(section)}</h2>")
        parts += [f"<p>{html.escape(n)}</p>" for n in notes]
        if rows:
            head, *body = rows
            parts.append("<table><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in head)
                         + "</tr>")  # fmt: skip
            parts += ["<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
                      for r in body]  # fmt: skip
            parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _period(report: MonthlyReport) -> str:
    made = f"{report.made_at:%Y-%m-%d %H:%M}"
    return f"{report.window.start} to {report.window.end}; made {made} UTC"


def _latin(text: str) -> str:
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("\u2212", "-")
    return text.encode("latin-1", "replace").decode("latin-1")


def to_pdf(report: MonthlyReport, path: Path) -> None:
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _latin(report.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.cell(0, 6, _latin(_period(report)), new_x="LMARGIN", new_y="NEXT")
    for section, rows, notes in _rows(report):
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(0, 8, _latin(section), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)
        for note in notes:
            pdf.multi_cell(0, 5, _latin(note), new_x="LMARGIN", new_y="NEXT")
        if rows:
            with pdf.table(text_align="LEFT", line_height=5, first_row_as_headings=True) as table:
                for values in rows:
                    line = table.row()
                    for value in values:
                        line.cell(_latin(value))
    pdf.output(str(path))
