"""sovbundle benchmarks: speed, scale and plan quality against baselines (``python -m bench``)."""
