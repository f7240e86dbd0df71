"""The offline brain's Chinese NLU: intent, facts, policy, place and job filters, no LLM.

Python holds the machinery; the YAML files beside it hold the language (example
utterances, trigger patterns, fact phrasings, policy names, job-search words).
"""

from assistant.nlu.errors import LexiconError, NLUError
from assistant.nlu.models import Understanding, VacancyQuery
from assistant.nlu.understand import NLU, states_job_wish

__all__ = [
    "NLU",
    "LexiconError",
    "NLUError",
    "Understanding",
    "VacancyQuery",
    "states_job_wish",
]
