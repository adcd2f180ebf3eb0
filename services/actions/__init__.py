"""Actions: every change the cockpit can make, planned, confirmed, run, verified, recorded.

``catalog.CATALOG`` lists them; ``executor.ActionExecutor`` is the only way to run one.
"""
