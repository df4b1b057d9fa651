"""Page section of the segments input kind (its logic is in triage/kinds/segments/)."""
