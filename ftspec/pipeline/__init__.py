"""The DVC pipeline stages, one module each: tiny-base, generate, assess, split, base-eval, train, evaluate."""

STAGES: dict[str, str] = {
    "tiny-base": "ftspec.pipeline.tiny_base",
    "generate": "ftspec.pipeline.generate",
    "assess": "ftspec.pipeline.assess",
    "split": "ftspec.pipeline.split",
    "base-eval": "ftspec.pipeline.base_eval",
    "train": "ftspec.pipeline.train",
    "evaluate": "ftspec.pipeline.evaluate",
}
