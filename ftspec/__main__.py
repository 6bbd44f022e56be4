from ftspec.cli import main

raise SystemExit(main())
