"""Input kind "serving": serving health against budgets, rollout facts and past launches."""
