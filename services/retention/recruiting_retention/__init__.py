"""The retention service: owns retention policies, the deletion schedule, legal holds, the erasure log."""
