"""Page section of the requests input kind (its logic is in triage/kinds/requests/)."""
