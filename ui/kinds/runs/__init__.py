"""Page section of the runs input kind (its logic is in triage/kinds/runs/)."""
