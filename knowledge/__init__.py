"""What the assistant knows: policy documents, eligibility rules, sample knowledge."""
