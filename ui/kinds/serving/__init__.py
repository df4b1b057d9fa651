"""Page section of the serving input kind (its logic is in triage/kinds/serving/)."""
