"""The synthesis blueprint object, shared by the view modules of the package."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("synthesis", __name__)
