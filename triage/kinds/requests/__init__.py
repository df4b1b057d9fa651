"""Input kind "requests": a data-access request log and dataset inventory (the access analysis)."""
