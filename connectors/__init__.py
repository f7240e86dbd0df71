"""The outside world: databases, vector stores, embedding and LLM endpoints, channels."""
