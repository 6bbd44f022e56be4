"""Built-in gates. Each module registers its gates with :func:`ftspec.gates.registry.gate`."""
