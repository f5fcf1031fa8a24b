"""Output formats: the JSON report, the Markdown summary, safe log lines."""
