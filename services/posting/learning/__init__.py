"""Learned coding (kontering) suggestions: LightGBM models per target, per tenant and shared.

Pure library: records.py (the JSONL record), features.py (no I/O), model.py (one scope's model),
bureau.py (tenant models + the shared fallback), evaluate.py, store.py (versions, retraining),
cli.py (train / suggest / evaluate).
"""
