"""The chat core's rules: plain functions, testable without a socket or a request.

Vocabulary (after Zulip): ``check_*`` validates input and permission and
returns what the caller may do; ``do_*`` mutates; ``notify_*`` publishes
events after commit.
"""
