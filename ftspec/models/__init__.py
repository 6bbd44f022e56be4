"""Typed models of every spec artifact; JSON Schema is generated from them (``ftspec schema``)."""
