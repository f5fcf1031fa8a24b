"""Sources of CloudTrail evidence, one adapter each, behind ``Source``."""
