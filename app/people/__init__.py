"""People development: skill profiles and gaps, team matrices, readiness and mobility."""
