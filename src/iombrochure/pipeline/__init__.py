"""The stages of a build, in the order data flows through them.

config -> content -> i18n (localize) -> templating -> render -> outputs; build.py runs them,
state.py remembers what is up to date, workers.py renders in parallel.
"""
