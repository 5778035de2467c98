"""Suggested topics and skills for modules, from the catalogue and the competence model."""
