"""Eligibility rules as data (政策计算器) and the machinery that evaluates them."""
