"""The recommender: dataset building, the LightFM hybrid, model versions, serving with rules
and reasons, spaced repetition, fairness and offline evaluation. No web code here."""
