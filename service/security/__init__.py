"""Who may do what: JWT verification, roles, per-principal rate limits, TLS, audit entries.

Pure of aiohttp: `service/api/access.py` applies these to requests.
"""
