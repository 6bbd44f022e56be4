"""ftspec: pytest for fine-tuning projects."""

__version__ = "0.1.0"
