from tutorloop.cli import main

raise SystemExit(main())
