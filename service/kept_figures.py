"""Figures each web process keeps between requests (docs/operations.md, "Figures kept between requests"): one copy
per running app, worked out again only for the villages whose revision rose."""
from flask import current_app

from .domain.dashboard import KeptFigures
from .domain.kept import KeptCounts
from .domain.supply import KeptSupply


def _kept() -> dict:
    return current_app.extensions.setdefault("kept_figures", {"dashboard": KeptFigures(), "supply": KeptSupply(),
                                                              "counts": KeptCounts()})


def current_kept_supply() -> KeptSupply:
    """This process's copy of each household's 30-day supply figures, worked out again when its village changes."""
    return _kept()["supply"]


def current_kept_figures() -> KeptFigures:
    """This process's copy of each village's dashboard figures, worked out again when the village changes."""
    return _kept()["dashboard"]


def current_kept_counts() -> KeptCounts:
    """This process's copy of the lists' counts, village by village, counted again when a village changes."""
    return _kept()["counts"]
