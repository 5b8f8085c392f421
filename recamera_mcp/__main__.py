from recamera_mcp.cli import main

raise SystemExit(main())
