"""Conversation test suites for evaluators: loader, runner, metrics, reports (``jiuye eval``)."""
