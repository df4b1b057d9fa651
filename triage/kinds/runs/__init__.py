"""Input kind "runs": a stage table or uploaded runs, and the iteration analysis of them."""
