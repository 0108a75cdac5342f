"""tutorloop: specialist AI tutors and models producing verified training data together."""

__version__ = "0.1.0"
