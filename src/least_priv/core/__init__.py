"""The pure core: CloudTrail calls in, IAM policy documents and findings out.

Nothing here touches the network, the file system, the environment or the clock; callers
pass data and time in. ``tests/unit/test_core_is_pure.py`` keeps it that way.
"""
