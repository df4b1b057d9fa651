"""Input kind "samples": training and serving feature samples (drift, the skew check)."""
