"""The UI's app state and `setup(app)`: the Jinja environment, its assets and history cache."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from service.ui.assets import ASSETS, load_assets
from service.ui.history import StepCache

TEMPLATES = Path(__file__).parent / "templates"
STEPS = web.AppKey("ui_steps", StepCache)


def setup(app: web.Application) -> None:
    """Templates are compiled here, before the app serves: rendering never reads a file."""
    environment = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES),
        # Schemas are user input: every value is escaped unless a template says otherwise
        # (none does).
        autoescape=True,
        default_helpers=False,
        auto_reload=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    for name in environment.list_templates(extensions=["html"]):
        environment.get_template(name)
    app[ASSETS] = load_assets()
    app[STEPS] = StepCache()
