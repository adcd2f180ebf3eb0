"""What the tests share, so that no test module imports another.

- ``aws``, ``engines``, ``tmux``, ``markers``: pytest plugins (fixtures and hooks),
  registered with ``pytest_plugins`` in ``tests/conftest.py``.
- ``waiting``: deadlines instead of sleeps; ``screen``: what a screen shows, as text;
  ``apps``: test subclasses of an app (what it notified); ``processes``: a process tree from /proc.
- ``action_cases``, ``demo_scenarios``, ``fault_proxy``, ``engine_profiles``: shared cases,
  scenario seeding, a fault-injecting HTTP proxy, profiles for the engine panes.
"""
