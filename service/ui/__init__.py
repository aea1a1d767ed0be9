"""The web UI: server-rendered pages over the registry (aiohttp-jinja2), wired by `setup`."""
