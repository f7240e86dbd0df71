"""Personal employment service packages (就业服务包) and the closed loop around them.

发现识别 → 需求摸排 → 分类组合 → 跟踪问效: :mod:`profile` finds the key groups a person
belongs to from what the conversation collected, :mod:`needs` assesses which services they
need and why, :mod:`builder` combines benefits, vacancies, training, service points and
documents into one package, :mod:`store` keeps packages and their follow-ups,
:mod:`followup` asks the follow-ups and reads the answers, and :mod:`casework` hands people
whose follow-ups show no progress to a caseworker. Sources and parameters are in
packages.yaml.
"""
