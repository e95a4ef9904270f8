from aircall_mcp.cli import main

raise SystemExit(main())
