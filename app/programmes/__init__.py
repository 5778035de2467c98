"""Programme steering: pilot cohorts, pilot against the rest, phase status, ROI."""
