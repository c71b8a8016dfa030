"""The finance dashboard: server-rendered pages under /analytics/ (README-dashboard.md)."""
