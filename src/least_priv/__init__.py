"""least-priv: turn what a CI role really did in AWS into a least-privilege IAM policy."""

__version__ = "0.1.0"
