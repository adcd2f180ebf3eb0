"""Everything that talks to the outside world: AWS, Docker, PostgreSQL, HTTP.

Nothing here imports textual; modules return pydantic models or dataclasses and
raise the typed errors of :mod:`services.errors`.
"""
