"""Pure KPI calculations: windows, medians and ratios, suppression, sentiment, revision rules.

Nothing here reads a database or knows the web: the KPI read models feed these functions
rows, so each figure is defined once and the same rows always give the same figure.
"""
