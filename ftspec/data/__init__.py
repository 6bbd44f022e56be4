"""Training and eval data: loading with line numbers, text extraction, token counts, PII and contamination.

Nothing here imports datasets, numpy or pyarrow at module level: the check path stays light and only a data
gate that actually reads a data file pays for those imports.
"""
