"""Pictures drawn on the server as SVG (pygal), so that a page and its printout show the same one and the phone needs
no JavaScript. Each chart is handed to templates as a `data:` URI for an <img>: the picture keeps its own styles
under the pages' Content-Security-Policy, runs no script, and WeasyPrint draws it in the PDF alike."""
import base64
import math
import re
from dataclasses import dataclass

import pygal
from pygal.style import Style

FONT = '"WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif'
STYLE = Style(font_family=FONT, background="white", plot_background="white", foreground="#1b1f23",
              foreground_strong="#1b1f23", foreground_subtle="#c3ccd4", opacity=".9", opacity_hover="1",
              colors=("#0b6e4f", "#c0392b", "#b7791f", "#2b6cb0", "#6b7280", "#805ad5"),
              title_font_size=17, label_font_size=13, major_label_font_size=13, legend_font_size=13,
              value_font_size=13, tooltip_font_size=13)
# Drawn about as wide as a phone shows it (a 360-px screen), so that its text stays readable there; a printed page
# scales it up.
WIDTH = 420
# pygal writes a configuration script into every chart for its tooltips; a picture shown as an image runs none.
SCRIPT = re.compile(r"<script[^>]*>.*?</script>|<script[^>]*/>", re.S)


@dataclass(frozen=True)
class Chart:
    """One picture: its SVG text, and what it shows in words (the <img>'s alt, and the printout's caption)."""

    svg: str
    title: str

    @property
    def uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


def _render(chart, title: str) -> Chart:
    chart.title = title
    return Chart(SCRIPT.sub("", chart.render(is_unicode=True)), title)


def _config(**options) -> dict:
    return {"style": STYLE, "js": [], "disable_xml_declaration": True, "width": WIDTH, "height": 300,
            "print_values": False, "legend_at_bottom": True, "legend_at_bottom_columns": 3,
            "truncate_label": -1, "no_data_text": "暂无数据", **options}


def line(title: str, labels: list[str], series: dict[str, list[float | None]], y_title: str = "",
         every: int = 1) -> Chart:
    """Values over time (a label every `every` points)."""
    chart = pygal.Line(**_config(y_title=y_title, x_label_rotation=0, show_dots=len(labels) <= 24,
                                 show_minor_x_labels=False, x_labels_major_every=every, show_legend=len(series) > 1))
    chart.x_labels = labels
    for name, values in series.items():
        chart.add(name, values)
    return _render(chart, title)


def bars(title: str, labels: list[str], series: dict[str, list[float | None]], y_title: str = "",
         stacked: bool = False, percent: bool = False) -> Chart:
    """Values side by side (or stacked), one group per label."""
    kind = pygal.StackedBar if stacked else pygal.Bar
    options = {"range": (0, 100)} if percent else {}
    chart = kind(**_config(y_title=y_title, show_legend=len(series) > 1, x_label_rotation=0, **options))
    chart.x_labels = labels
    for name, values in series.items():
        chart.add(name, values)
    return _render(chart, title)


def ranking(title: str, values: dict[str, float | None], unit: str = "%") -> Chart:
    """One horizontal bar per place (a township), its figure printed on it; a place without a figure shows none."""
    chart = pygal.HorizontalBar(**_config(height=max(200, 60 + 34 * len(values)), show_legend=False,
                                          range=(0, 100), print_values=True,
                                          formatter=lambda v: f"{v:g}{unit}" if v is not None else ""))
    chart.x_labels = list(values)
    chart.add(title, list(values.values()))
    return _render(chart, title)


def distance_map(title: str, points: list[tuple[str, float, float]], rings_m: tuple[float, ...],
                 groups: dict[str, list[tuple[str, float, float]]]) -> Chart:
    """A map without tiles: the water points (`points`: name, east m, north m) with rings at `rings_m` around each,
    and the households in `groups` (group name → name, east m, north m), on axes in meters."""
    # Square and centred, with a label every ring's step, whatever the spread: meters read the same both ways.
    step = min(rings_m)
    reach = max([max(rings_m)] + [abs(v) for _, east, north in points + sum(groups.values(), []) for v in (east, north)])
    extent = step * math.ceil(reach / step)
    ticks = [step * n for n in range(-round(extent / step), round(extent / step) + 1)]

    def drawn(height: int) -> Chart:
        chart = pygal.XY(**_config(width=WIDTH, height=height, stroke=False, dots_size=4, allow_interruptions=True,
                                   x_title="东（米）", y_title="北（米）", xrange=(-extent, extent),
                                   range=(-extent, extent), x_labels=ticks, y_labels=ticks,
                                   legend_at_bottom_columns=2, show_x_guides=True, show_y_guides=True))
        for radius in rings_m:
            ring = []
            for _, east, north in points:
                ring += [(east + radius * math.cos(t / 36 * math.pi), north + radius * math.sin(t / 36 * math.pi))
                         for t in range(73)] + [None]
            chart.add(f"{radius:g} 米", ring, stroke=True, show_dots=False,
                      stroke_style={"width": 1.5, "dasharray": "6,4"})
        chart.add("集中供水点", [{"value": (east, north), "label": name} for name, east, north in points], dots_size=8)
        for group, members in groups.items():
            chart.add(group, [{"value": (east, north), "label": name} for name, east, north in members])
        return _render(chart, title)

    # The title, the legend and the axes' labels take more height than width: the plot is drawn once, its first ring
    # measured, and drawn again tall enough that a metre is one length both ways (rings are circles).
    first = drawn(WIDTH)
    width, height = ring_extent(first.svg)
    plot_height = float(PLOT.search(first.svg).group(2))
    return drawn(round(WIDTH + plot_height * (width / height - 1))) if points and height else first


PLOT = re.compile(r'class="plot"><rect x="0" y="0" width="([\d.]+)" height="([\d.]+)"')
SERIES_PATH = re.compile(r'<g class="series serie-0[^"]*">\s*<path d="M([^"]+)"')


def ring_extent(svg: str) -> tuple[float, float]:
    """The width and height, in the picture's units, of the first series' line (a distance map's first ring)."""
    found = SERIES_PATH.search(svg)
    if not found:
        return 0.0, 0.0
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", found.group(1))]
    xs, ys = numbers[0::2], numbers[1::2]
    return max(xs) - min(xs), max(ys) - min(ys)


