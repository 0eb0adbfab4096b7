"""The back-office blueprint object, shared by the view modules of the package."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("manage", __name__, url_prefix="/gestion")
