"""The competence model: O*NET roles and skills, the AI competence model, skill bands."""
