"""/trend: matching articles per day as a bar chart (PNG) and a caption with the totals.

matplotlib is imported here only, when a chart is drawn: importing it costs a few
hundred milliseconds that no other command should pay. The object-oriented API with the
Agg canvas (no pyplot) keeps no global state, so charts can be drawn in a worker thread.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from bot.telegram_html import esc

BUSIEST_LABELED = 3
MAX_DAYS = 365


def parse_days(text: str | None, default: int = 30) -> int:
    """'30d', '30' or None → days; ValueError with what to write instead."""
    if not text:
        return default
    value = text.lower().removesuffix("d")
    if not value.isdigit() or not 1 <= int(value) <= MAX_DAYS:
        raise ValueError(f"the period is a number of days from 1 to {MAX_DAYS}, such as 30d")
    return int(value)


def busiest(counts: list[int], n: int = BUSIEST_LABELED) -> list[int]:
    """Indexes of the n highest non-zero days (earliest first among equals)."""
    ranked = sorted(range(len(counts)), key=lambda i: (-counts[i], i))
    return [i for i in ranked[:n] if counts[i] > 0]


def caption(title: str, counts: list[int], today: date) -> str:
    days = len(counts)
    first = today - timedelta(days=days - 1)
    total = sum(counts)
    lines = [
        f"<b>{esc(title)}</b>: {total} articles in {days} days "
        f"({first:%b %-d} – {today:%b %-d}), {total / days:.1f} a day",
        f"Today so far: {counts[-1]}",
    ]
    top = busiest(counts)
    if top:
        shown = ", ".join(f"{first + timedelta(days=i):%b %-d} ({counts[i]})" for i in top)
        lines.append(f"Busiest: {shown}")
    return "\n".join(lines)


def chart_png(title: str, counts: list[int], today: date) -> bytes:
    """The bar chart as PNG bytes, the busiest days labeled with their date and count."""
    # matplotlib is imported here, on the first /trend: it takes about a second to load.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import DateFormatter
    from matplotlib.figure import Figure

    days = [today - timedelta(days=len(counts) - 1 - i) for i in range(len(counts))]
    figure = Figure(figsize=(8, 4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    bars = axes.bar(days, counts, color="#3b6ea5", width=0.8)
    top = busiest(counts)
    for i in top:
        bars[i].set_color("#d0582b")
        axes.annotate(
            f"{days[i]:%b %-d}\n{counts[i]}",
            (days[i], counts[i]),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=8,
        )
    axes.set_title(f"{title}: matching articles per day", fontsize=11)
    axes.set_ylim(0, max([*counts, 1]) * 1.25)
    axes.spines[["top", "right"]].set_visible(False)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.xaxis.set_major_formatter(DateFormatter("%b %-d"))
    figure.autofmt_xdate()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
