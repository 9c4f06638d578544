"""Plain server-side SVG bar charts: each bar's geometry is worked out here, the
template draws it beside the data table that says the same thing in words."""

from __future__ import annotations

from dataclasses import dataclass

BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 180
BAR_WIDTH = 260
WIDTH = LABEL_WIDTH + BAR_WIDTH + 70


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as the reader sees it
    href: str = ""
    y: int = 0
    width: int = 0

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT - 6

    @property
    def value_x(self) -> int:
        return LABEL_WIDTH + self.width + 6


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    height: int
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT


def bar_chart(rows: list[tuple[str, float, str, str]]) -> Chart:
    """rows: (label, value, text, href); bars scaled to the largest value."""
    top = max((float(value or 0) for _, value, _, _ in rows), default=0) or 1
    bars = []
    for index, (label, value, text, href) in enumerate(rows):
        bars.append(
            Bar(
                label=label[:28],
                value=float(value or 0),
                text=text,
                href=href,
                y=index * (BAR_HEIGHT + GAP),
                width=max(1, round(BAR_WIDTH * float(value or 0) / top)) if value else 0,
            )
        )
    return Chart(bars, height=max(BAR_HEIGHT, len(bars) * (BAR_HEIGHT + GAP)))
