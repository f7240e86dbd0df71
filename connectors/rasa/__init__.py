"""The Rasa action server: the assistant's tools as rasa-sdk custom actions.

Teams that already run Rasa keep their dialogue (NLU, stories, forms) and call Jiuye's
tools — policy search with citations, the policy calculator, vacancies, service points,
hand-off — through the same :class:`assistant.tools.Toolbox` as every other channel.
Nothing heavy is imported here, so ``jiuye --help`` stays fast.
"""
