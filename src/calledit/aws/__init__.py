"""AWS serverless transport: Lambda handlers behind API Gateway (WebSocket + HTTP), the connections
table, the @connections client, event coalescing, and a local gateway emulator that runs them all."""
