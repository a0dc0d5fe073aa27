"""Scripts that keep the documentation generated from the code and the reports."""
