"""The demo organisation (``skillpath seed``): a reproducible company with months of
history, created through the application's real commands."""

from app.seed.demo import seed_demo
from app.seed.plan import DemoPlan, DemoSpec, plan_for
from app.seed.summary import SeedSummary

__all__ = ["DemoPlan", "DemoSpec", "SeedSummary", "plan_for", "seed_demo"]
