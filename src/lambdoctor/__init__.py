"""lambdoctor: a checkup for AWS Lambda applications."""

__version__ = "0.1.0"
