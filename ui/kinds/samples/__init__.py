"""Page section of the samples input kind (its logic is in triage/kinds/samples/)."""
